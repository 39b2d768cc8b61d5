"""The `descendant_of` lookup over real Cell Ontology terms saved with their ancestors: relations
(`cell_types__descendant_of`), ontology-typed features and the registry itself, checked against a closure
computed in Python from the saved `parents` links.

Everything this module writes happens in one transaction that is rolled back at its end.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

LEAVES = (
    "CD8-positive, alpha-beta T cell",
    "CD4-positive, alpha-beta T cell",
    "B cell",
    "natural killer cell",
)


@pytest.fixture(scope="module")
def world(ln, tmp_path_factory):
    """Four CL leaves with their ancestors; one artifact per leaf (by relation and by feature), one
    annotated with two T cell subtypes, one with `T cell` itself and one without cell types."""
    import lamin_core.bionty as bt

    folder = tmp_path_factory.mktemp("descendant_of")
    tag = uuid.uuid4().hex[:8]

    def artifact(name: str):
        path = folder / f"{name}.txt"
        path.write_text(f"{name} {uuid.uuid4()}\n")
        return ln.Artifact(path, key=f"descendant_of/{tag}/{name}.txt").save()

    with transaction.atomic():
        terms = {name: bt.CellType.from_source(name=name).save() for name in LEAVES}
        terms["T cell"] = bt.CellType.get(name="T cell")
        feature = ln.Feature(name=f"cell_type_by_model_{tag}", dtype="cat[bionty.CellType]").save()
        annotated = {}
        for i, name in enumerate([*LEAVES, "T cell"]):
            record = artifact(f"a{i}")
            record.labels.add(terms[name], feature=feature)
            annotated[record] = {terms[name].pk}
        both = artifact("both")
        both.labels.add([terms[LEAVES[0]], terms[LEAVES[1]]], feature=feature)
        annotated[both] = {terms[LEAVES[0]].pk, terms[LEAVES[1]].pk}
        annotated[artifact("none")] = set()
        yield bt, feature.name, annotated, tag
        transaction.set_rollback(True)


def closure(bt, root) -> set:
    """The term and every term below it, walking the saved `parents` links in Python."""
    children: dict = {}
    for child, parent in bt.CellType.parents.through.objects.values_list(
        "from_celltype_id", "to_celltype_id"
    ):
        children.setdefault(parent, set()).add(child)
    seen, queue = set(), [root.pk]
    while queue:
        pk = queue.pop()
        if pk not in seen:
            seen.add(pk)
            queue.extend(children.get(pk, ()))
    return seen


def expected(bt, annotated, root) -> set:
    below = closure(bt, root)
    return {record.pk for record, terms in annotated.items() if terms & below}


def found(ln, tag, **lookup) -> list:
    return list(
        ln.Artifact.filter(key__startswith=f"descendant_of/{tag}/", **lookup).values_list("pk", flat=True)
    )


def test_relation_feature_and_registry_match_the_python_closure(ln, world):
    bt, feature, annotated, tag = world
    terms = ["cell", "lymphocyte", "T cell", "alpha-beta T cell", "B cell", *LEAVES]
    for name in terms:
        term = bt.CellType.get(name=name)
        want = expected(bt, annotated, term)
        for value in (name, term, term.ontology_id, [term]):
            for key in ("cell_types__descendant_of", f"{feature}__descendant_of"):
                rows = found(ln, tag, **{key: value})
                assert len(rows) == len(set(rows)), (key, name)  # each artifact once
                assert set(rows) == want, (key, name)
        registry = set(bt.CellType.filter(descendant_of=term).values_list("pk", flat=True))
        assert (
            registry
            == closure(bt, term)
            == {term.pk} | set(term.query_children().values_list("pk", flat=True))
        )
    t_cells = expected(bt, annotated, bt.CellType.get(name="T cell"))
    assert len(t_cells) == 4  # two subtypes, both of them, and T cell itself
    assert expected(bt, annotated, bt.CellType.get(name="cell")) == {r.pk for r, t in annotated.items() if t}


def test_several_terms_q_objects_and_exclude(ln, world):
    bt, feature, annotated, tag = world
    b_cell, nk = bt.CellType.get(name="B cell"), bt.CellType.get(name="natural killer cell")
    want = expected(bt, annotated, b_cell) | expected(bt, annotated, nk)
    assert set(found(ln, tag, cell_types__descendant_of=["B cell", nk])) == want
    either = ln.Q(cell_types__descendant_of="B cell") | ln.Q(**{f"{feature}__descendant_of": nk})
    rows = ln.Artifact.filter(either, key__startswith=f"descendant_of/{tag}/").values_list("pk", flat=True)
    assert set(rows) == want
    t_cells = expected(bt, annotated, bt.CellType.get(name="T cell"))
    rest = ln.Artifact.filter(key__startswith=f"descendant_of/{tag}/").exclude(
        cell_types__descendant_of="T cell"
    )
    assert set(rest.values_list("pk", flat=True)) == {r.pk for r in annotated} - t_cells
    both = found(ln, tag, cell_types__descendant_of="T cell", **{f"{feature}__descendant_of": "lymphocyte"})
    assert set(both) == t_cells


def test_closure_first_then_the_records(ln, world):
    """Evaluating a filter by a record runs exactly three queries: the closure's ids (the one recursive
    query, over the terms), a sample of the newest artifacts to weigh the closure, then the artifacts with
    the closure written as a list of ids. The closure comes first so that SQLite's planner sees how many
    terms it has (a recursive subquery inside `IN (...)` it cannot weigh: a first page then cost as much as
    the count, benchmarks/DESCENDANTS.md); it runs when the query runs, not at filter()."""
    bt, feature, _, tag = world
    t_cell = bt.CellType.get(name="T cell")
    table = ln.Artifact._meta.db_table
    for key in ("cell_types__descendant_of", f"{feature}__descendant_of"):
        with CaptureQueriesContext(connection) as queries:
            rows = ln.Artifact.filter(key__startswith=f"descendant_of/{tag}/", **{key: t_cell})
        # lazy: at filter() a record needs no query of the terms or artifacts (a feature is looked up)
        assert not [q for q in queries if "celltype" in q["sql"] or f'"{table}"' in q["sql"]]
        with CaptureQueriesContext(connection) as queries:
            assert len(list(rows.values_list("pk", flat=True))) == 4
        closure_sql, sample_sql, records_sql = (q["sql"] for q in queries)
        assert len(queries) == 3, [q["sql"] for q in queries]
        assert "WITH RECURSIVE" in closure_sql and f'"{table}"' not in closure_sql
        assert 'ORDER BY "id" DESC LIMIT' in sample_sql and "WITH RECURSIVE" not in sample_sql
        assert f'FROM "{table}" WHERE' in records_sql and "WITH RECURSIVE" not in records_sql


def test_the_query_sees_the_database_when_it_runs(ln, world):
    """A QuerySet built before a new descendant term and its annotation exists finds them when evaluated."""
    bt, feature, _, tag = world
    with transaction.atomic():
        rows = ln.Artifact.filter(key__startswith=f"descendant_of/{tag}/", cell_types__descendant_of="T cell")
        by_feature = ln.Artifact.filter(
            key__startswith=f"descendant_of/{tag}/", **{f"{feature}__descendant_of": "T cell"}
        )
        before = set(rows.values_list("pk", flat=True))
        assert set(by_feature.values_list("pk", flat=True)) == before
        child = bt.CellType(name=f"new T cell subtype {tag}").save()
        child.parents.add(bt.CellType.get(name=LEAVES[0]))
        path = Path(tempfile.mkdtemp()) / "late.txt"
        path.write_text(f"late {uuid.uuid4()}\n")
        late = ln.Artifact(path, key=f"descendant_of/{tag}/late.txt").save()
        late.labels.add(child, feature=ln.Feature.get(name=feature))
        assert set(rows.values_list("pk", flat=True)) == before | {late.pk}
        assert set(by_feature.values_list("pk", flat=True)) == before | {late.pk}
        assert rows.count() == len(before) + 1
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("share", "largest", "page_plan", "whole_plan"),
    [
        (0.0, 10**6, " IN (SELECT", " IN (SELECT closure_link"),  # rare: through the term index
        (0.01, 10, " IN (SELECT", " IN (SELECT closure_link"),  # a page would walk more than the links
        (0.5, 10**6, "EXISTS (SELECT 1", "+closure_link"),  # dense: EXISTS for a page, a scan else
    ],
)
def test_every_plan_selects_the_same_rows(ln, world, monkeypatch, share, largest, page_plan, whole_plan):
    """Whatever the sample says, counts, pages, exclude and OR give the closure's rows."""
    from lamin_core.query import closure as plans

    monkeypatch.setattr(plans.LinkedTo, "_share", lambda *args: (share, largest))
    if connection.vendor != "sqlite":
        whole_plan = " IN (SELECT closure_link"  # the unary `+` is for SQLite's planner only
    bt, feature, annotated, tag = world
    mine = ln.Artifact.filter(key__startswith=f"descendant_of/{tag}/")
    created = dict(mine.values_list("pk", "created_at"))
    for name in ("T cell", "lymphocyte", "B cell", LEAVES[0]):
        want = expected(bt, annotated, bt.CellType.get(name=name))
        for key in ("cell_types__descendant_of", f"{feature}__descendant_of"):
            rows = mine.filter(**{key: name})
            with CaptureQueriesContext(connection) as queries:
                page = list(rows.order_by("-created_at").values_list("pk", flat=True)[:2])
                whole = list(rows.values_list("pk", flat=True))
            page_sql, whole_sql = (q["sql"] for q in queries if "WITH RECURSIVE" not in q["sql"])
            assert page_plan in page_sql and whole_plan in whole_sql, (name, key)
            assert page == sorted(want, key=created.get, reverse=True)[:2], (name, key)
            assert sorted(whole) == sorted(want) and rows.count() == len(want), (name, key)
            rest = mine.exclude(**{key: name})
            assert set(rest.values_list("pk", flat=True)) == {r.pk for r in annotated} - want
            either = mine.filter(ln.Q(**{key: name}) | ln.Q(key__endswith="none.txt"))
            unannotated = {r.pk for r, t in annotated.items() if not t}
            assert set(either.values_list("pk", flat=True)) == want | unannotated


def test_unknown_terms_and_wrong_values(ln, world):
    from lamin_core.errors import ValidationError

    bt, feature, _, tag = world
    with pytest.raises(
        ValidationError, match=r"no bionty\.CellType record has the name or ontology id 'T-cel'"
    ):
        found(ln, tag, cell_types__descendant_of="T-cel")
    with pytest.raises(
        ValidationError,
        match=rf"feature '{feature}': no bionty\.CellType record has the name or ontology id 'T-cel'",
    ):
        found(ln, tag, **{f"{feature}__descendant_of": "T-cel"})
    with pytest.raises(
        ValidationError, match=r"no bionty\.CellType record has the name or ontology id 'T-cel'"
    ):
        found(ln, tag, cell_types__descendant_of=["B cell", "T-cel"])
    with pytest.raises(ValidationError, match=r"takes names, ontology ids or CellType records, got int 3"):
        found(ln, tag, cell_types__descendant_of=3)
    with pytest.raises(ValidationError, match="save the CellType record"):
        found(ln, tag, cell_types__descendant_of=bt.CellType(name="unsaved"))
    with pytest.raises(ValidationError, match=r"takes labels of bionty\.CellType; got a Tissue record"):
        found(ln, tag, **{f"{feature}__descendant_of": bt.Tissue(name=f"t {tag}").save()})
    with pytest.raises(FieldError, match="descendant_of applies to registries with parents"):
        found(ln, tag, created_by__descendant_of="x")


def test_a_cycle_in_parents_ends(ln, world):
    bt, feature, annotated, tag = world
    with transaction.atomic():
        cell, leaf = bt.CellType.get(name="cell"), bt.CellType.get(name=LEAVES[0])
        cell.parents.add(leaf)  # cell -> ... -> leaf -> cell
        everything = {r.pk for r, t in annotated.items() if t}
        assert closure(bt, leaf) == closure(bt, cell)
        assert (
            set(found(ln, tag, cell_types__descendant_of=leaf)) == everything == expected(bt, annotated, leaf)
        )
        assert set(found(ln, tag, **{f"{feature}__descendant_of": LEAVES[0]})) == everything
        transaction.set_rollback(True)
