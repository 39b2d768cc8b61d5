"""`query_parents()` / `query_children()` on ULabel: the whole ancestry or descendancy, as a QuerySet.

Everything this module writes happens in one transaction that is rolled back at its end.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


@pytest.fixture(scope="module")
def tree(ln):
    """root -> a -> b -> c, root -> d -> c (a diamond below root), e -> f -> e (a cycle), lone."""
    with transaction.atomic():
        made = {n: ln.ULabel(name=f"tree-{n}").save() for n in ("root", "a", "b", "c", "d", "e", "f", "lone")}
        for child, parent in [("a", "root"), ("b", "a"), ("c", "b"), ("d", "root"), ("c", "d")]:
            made[child].parents.add(made[parent])
        made["e"].children.add(made["f"])
        made["f"].children.add(made["e"])
        yield made
        transaction.set_rollback(True)


def names(queryset) -> set[str]:
    return {name.removeprefix("tree-") for name in queryset.values_list("name", flat=True)}


def test_whole_ancestry_and_descendancy(ln, tree):
    assert names(tree["c"].query_parents()) == {"b", "a", "root", "d"}
    assert names(tree["b"].query_parents()) == {"a", "root"}
    assert names(tree["root"].query_children()) == {"a", "b", "c", "d"}
    assert names(tree["a"].query_children()) == {"b", "c"}
    assert names(tree["root"].query_parents()) == set()
    assert names(tree["c"].query_children()) == set()
    assert names(tree["lone"].query_parents()) == set() == names(tree["lone"].query_children())
    # each record once, although c reaches root on two paths
    assert tree["c"].query_parents().count() == 4 == len(list(tree["c"].query_parents()))


def test_the_laminDB_example(ln, tree):
    with transaction.atomic():
        label1, label2, label3 = (ln.ULabel(name=f"chain-{i}").save() for i in (1, 2, 3))
        label1.children.add(label2)
        label2.children.add(label3)
        parents = label3.query_parents()
        assert len(parents) == 2 and label1 in parents and label2 in parents
        children = label1.query_children()
        assert len(children) == 2 and label2 in children and label3 in children
        transaction.set_rollback(True)


def test_a_queryset_that_filters_further(ln, tree):
    ancestors = tree["c"].query_parents()
    assert isinstance(ancestors, ln.ULabel.filter().__class__)
    assert names(ancestors.filter(name__in=["tree-a", "tree-d", "tree-e"])) == {"a", "d"}
    assert names(ancestors.exclude(name="tree-root")) == {"a", "b", "d"}
    assert ancestors.order_by("name").first().name == "tree-a"
    frame = ancestors.df()
    assert set(frame["name"]) == {"tree-a", "tree-b", "tree-d", "tree-root"}
    assert ancestors.validate(["tree-a", "tree-c"], mute=True).tolist() == [True, False]


def test_one_query_whatever_the_depth(ln):
    with transaction.atomic():
        chain = [ln.ULabel(name=f"deep-{i}").save() for i in range(60)]
        through = ln.ULabel.parents.through
        through.objects.bulk_create(
            [through(from_ulabel_id=chain[i + 1].id, to_ulabel_id=chain[i].id) for i in range(59)]
        )
        with CaptureQueriesContext(connection) as queries:
            assert chain[-1].query_parents().count() == 59
        assert len(queries) == 1
        assert "WITH RECURSIVE" in queries[0]["sql"]
        assert chain[0].query_children().count() == 59
        assert chain[30].query_parents().count() == 30 and chain[30].query_children().count() == 29
        transaction.set_rollback(True)


def test_cycles_terminate_without_the_record_itself(ln, tree):
    assert names(tree["e"].query_parents()) == {"f"}
    assert names(tree["e"].query_children()) == {"f"}
    assert names(tree["f"].query_parents()) == {"e"}


def test_trashed_records_are_hidden_but_still_link(ln, tree):
    with transaction.atomic():
        b = tree["b"]
        b._branch_code = -1
        b.save()
        # b is in the trash: not listed, but a and root stay ancestors of c through it
        assert names(tree["c"].query_parents()) == {"a", "root", "d"}
        assert names(tree["a"].query_children()) == {"c"}
        transaction.set_rollback(True)


def test_only_registries_with_parents(ln, tree):
    assert hasattr(ln.ULabel, "query_parents") and hasattr(tree["a"], "query_children")
    assert not hasattr(ln.User, "query_parents")
    assert not hasattr(ln.Artifact, "query_children")
    user = ln.User.get(handle="testuser1")
    with pytest.raises(AttributeError, match="User has no parents"):
        user.query_parents()
    with pytest.raises(ValueError, match="save the ULabel record"):
        ln.ULabel(name="tree-unsaved-label").query_parents()
    assert tree["a"].query_parents.__doc__.startswith("All ancestors")


def test_descendant_of_includes_the_record_and_ends_on_cycles(ln, tree):
    assert names(ln.ULabel.filter(descendant_of=tree["root"])) == {"root", "a", "b", "c", "d"}
    assert names(ln.ULabel.filter(descendant_of="tree-b")) == {"b", "c"}
    assert names(ln.ULabel.filter(descendant_of=[tree["lone"], tree["e"]])) == {"lone", "e", "f"}
    with pytest.raises(ln.errors.ValidationError, match="no ULabel record has the name 'tree-nope'"):
        ln.ULabel.filter(descendant_of="tree-nope")
