"""Query API: df(include=...), df(features=True), feature filters, one/one_or_none, lookup, search, view."""

from __future__ import annotations

import math

import pytest
from django.core.exceptions import FieldError
from django.db import transaction


@pytest.fixture(scope="module")
def data(ln):
    """Guide-like records, created in a transaction that is rolled back after this module."""
    from django.db.models import Model

    from lamin_core.models import ArtifactFeatureValue, ArtifactULabel, FeatureValue

    with transaction.atomic():
        labels = {n: ln.ULabel.objects.get_or_create(name=n)[0] for n in ("DMSO", "IFNG", "Exp A", "Exp B")}
        features = {}
        for name, dtype in [
            ("q_perturbation", "cat[ULabel]"),
            ("q_temperature", "float"),
            ("q_experiment", "cat[ULabel]"),
            ("q_study_metadata", "dict"),
            ("q_unused", "str"),
        ]:
            features[name] = ln.Feature.objects.get_or_create(name=name, defaults={"dtype": dtype})[0]
        storage = ln.Storage.get(1)
        artifacts = []
        for i, (key, suffix, size) in enumerate(
            [
                ("q/a.jpg", ".jpg", 29358),
                ("q/b.fastq.gz", ".fastq.gz", 20),
                ("q/iris.parquet", ".parquet", 5131),
                ("q/dataset1.h5ad", ".h5ad", 31672),
                ("q/dataset2.h5ad", ".h5ad", 26896),
            ]
        ):
            artifact = ln.Artifact.__new__(ln.Artifact)
            Model.__init__(artifact, key=key, suffix=suffix, size=size, hash=f"q{i:021d}", storage=storage)
            artifact.save()
            artifacts.append(artifact)
        d1, d2 = artifacts[3], artifacts[4]
        for artifact, experiment, temperature, meta in [
            (d1, "Exp A", 21.6, {"detail1": "123", "detail2": 1}),
            (d2, "Exp B", 22.6, {"detail1": "456", "detail2": 2}),
        ]:
            for label in ("DMSO", "IFNG"):
                ArtifactULabel(
                    artifact=artifact, ulabel=labels[label], feature=features["q_perturbation"]
                ).save()
            ArtifactULabel(
                artifact=artifact, ulabel=labels[experiment], feature=features["q_experiment"]
            ).save()
            for feature, value in [("q_temperature", temperature), ("q_study_metadata", meta)]:
                fv = FeatureValue(feature=features[feature], value=value)
                fv.save()
                ArtifactFeatureValue(artifact=artifact, featurevalue=fv).save()
        yield {"labels": labels, "features": features, "artifacts": artifacts}
        transaction.set_rollback(True)


def test_include_related_paths_and_sets(ln, data):
    frame = ln.Artifact.filter(key__startswith="q/").df(
        include=["created_by__name", "ulabels__name", "feature_sets__itype", "suffix"]
    )
    assert list(frame.columns) == [
        "uid",
        "key",
        "created_by__name",
        "ulabels__name",
        "feature_sets__itype",
        "suffix",
    ]
    assert list(frame["key"])[:2] == ["q/a.jpg", "q/b.fastq.gz"]
    assert set(frame["created_by__name"]) == {"Test User1"}
    d1 = data["artifacts"][3]
    assert frame.loc[d1.id, "ulabels__name"] == {"DMSO", "IFNG", "Exp A"}
    assert frame.loc[data["artifacts"][0].id, "ulabels__name"] == {None}
    assert frame.loc[d1.id, "feature_sets__itype"] == {None}


def test_include_bad_path_is_one_clear_error(ln, data):
    with pytest.raises(FieldError, match="cannot include 'nope__name': Artifact has no field 'nope'"):
        ln.Artifact.filter(key__startswith="q/").df(include=["nope__name"])


def test_features_frame_like_the_guide(ln, data, capsys):
    frame = ln.Artifact.filter(q_perturbation="DMSO").df(features=True)
    log = capsys.readouterr().err
    assert (
        "queried for all categorical features with dtype 'cat[ULabel...'] and non-categorical features: ("
        in log
    )
    assert "'q_unused'" in log
    d1, d2 = data["artifacts"][3], data["artifacts"][4]
    assert list(frame.index) == [d1.id, d2.id]
    columns = [c for c in frame.columns if c.startswith("q_")]
    assert columns == ["q_perturbation", "q_temperature", "q_experiment", "q_study_metadata"]
    assert frame.loc[d1.id, "q_perturbation"] == {"DMSO", "IFNG"}
    assert frame.loc[d1.id, "q_temperature"] == 21.6
    assert frame.loc[d2.id, "q_experiment"] == "Exp B"
    assert frame.loc[d2.id, "q_study_metadata"] == {"detail1": "456", "detail2": 2}


def test_frames_of_many_rows_read_their_links_by_the_same_ids(ln, data, monkeypatch):
    """Over MAX_LISTED_IDS rows, the feature and include columns come by the rows' ids as one array
    (PostgreSQL) or as the query again (SQLite): the same frame as from a short list of ids."""
    from lamin_core.query import include

    def frames():
        dmso = ln.Artifact.filter(q_perturbation="DMSO")
        q = ln.Artifact.filter(key__startswith="q/").order_by("id")
        return dmso.df(features=True), q.df(include=["ulabels__name"], features=["q_temperature"])

    short = frames()
    monkeypatch.setattr(include, "MAX_LISTED_IDS", 0)
    long = frames()
    for a, b in zip(short, long, strict=True):
        assert a.equals(b) and len(a) >= 2
    assert long[0].loc[data["artifacts"][3].id, "q_perturbation"] == {"DMSO", "IFNG"}
    assert long[1].loc[data["artifacts"][4].id, "ulabels__name"] == {"DMSO", "IFNG", "Exp B"}


def test_a_feature_filter_frame_reads_its_rows_by_sorted_ids(ln, data):
    """On PostgreSQL the rows of `filter(feature=label)` come by `id = ANY(ARRAY(links))`
    (include.sorted_id_probes): the filter's rows, a trashed record left out; other QuerySets unchanged."""
    from django.db import connection

    from lamin_core.query.include import sorted_id_probes

    def ids(queryset) -> list[int]:
        return sorted(queryset.values_list("id", flat=True))

    dmso = ln.Artifact.filter(q_perturbation="DMSO")
    probed = sorted_id_probes(dmso)
    assert ("= ANY(ARRAY(SELECT" in str(probed.query)) == (connection.vendor == "postgresql")
    d1, d2 = data["artifacts"][3], data["artifacts"][4]
    assert ids(probed) == ids(dmso) == [d1.id, d2.id]
    narrower = dmso.filter(suffix=".h5ad")
    assert sorted_id_probes(narrower) is narrower
    with transaction.atomic():
        ln.Artifact.all_objects.filter(id=d1.id).update(_branch_code=-1)
        assert ids(sorted_id_probes(ln.Artifact.filter(q_perturbation="DMSO"))) == [d2.id]
        transaction.set_rollback(True)
    frame = dmso.df(features=True)
    assert list(frame.index) == [d1.id, d2.id] and frame.loc[d1.id, "q_perturbation"] == {"DMSO", "IFNG"}


def test_features_frame_named_features_and_missing_values(ln, data):
    frame = ln.Artifact.filter(key__startswith="q/").to_dataframe(
        include="features", features=["q_temperature"]
    )
    assert list(frame.columns) == ["uid", "key", "q_temperature"]
    assert math.isnan(frame.loc[data["artifacts"][0].id, "q_temperature"])


def test_filter_by_features_and_fields_mixed(ln, data):
    d1, d2 = data["artifacts"][3], data["artifacts"][4]
    assert list(ln.Artifact.filter(q_temperature__gt=22)) == [d2]
    assert list(ln.Artifact.filter(q_temperature=21.6)) == [d1]
    assert list(ln.Artifact.filter(q_study_metadata__detail1="123")) == [d1]
    assert list(ln.Artifact.filter(q_study_metadata__detail2=2)) == [d2]
    assert list(ln.Artifact.filter(q_experiment=data["labels"]["Exp A"])) == [d1]
    assert list(ln.Artifact.filter(suffix=".h5ad", q_experiment="Exp B", size__gt=1e4)) == [d2]
    assert list(
        ln.Artifact.filter(ln.Q(q_experiment="Exp A") | ln.Q(q_experiment="Exp B")).order_by("id")
    ) == [d1, d2]
    assert (
        list(ln.Artifact.filter(key__startswith="q/").exclude(q_experiment="Exp A").order_by("id"))[-1] == d2
    )
    assert d1 not in ln.Artifact.filter(key__startswith="q/").exclude(q_experiment="Exp A")


def test_unknown_field_or_feature_lists_valid_names(ln, data):
    with pytest.raises(FieldError) as error:
        ln.Artifact.filter(q_temperatur=1)
    message = str(error.value)
    assert message.startswith("You can query either by available fields: ")
    assert "\nOr fix invalid feature names: q_temperatur\nDid you mean 'q_temperature'" in message
    assert ", suffix, " in message and ", visibility" in message
    with pytest.raises(FieldError, match="Unsupported lookup 'badlookup'"):
        list(ln.Artifact.filter(size__badlookup=1))
    with pytest.raises(ValueError, match="Field 'size' expected a number but got 'abc'"):
        list(ln.Artifact.filter(size="abc"))


def test_one_and_one_or_none(ln, data):
    d1 = data["artifacts"][3]
    assert ln.Artifact.filter(key="q/dataset1.h5ad").one() == d1
    assert ln.Artifact.filter(key="q/none").one_or_none() is None
    with pytest.raises(ln.Artifact.DoesNotExist, match="no Artifact record matches this query"):
        ln.Artifact.filter(key="q/none").one()
    with pytest.raises(ln.Artifact.MultipleObjectsReturned, match=r"^2 Artifact records match this query"):
        ln.Artifact.filter(suffix=".h5ad", key__startswith="q/").one_or_none()
    with pytest.raises(
        ln.Artifact.MultipleObjectsReturned, match=r"5 Artifact records .*: uids \w+, \w+, \w+, \.\.\."
    ):
        ln.Artifact.filter(key__startswith="q/").one()


def test_lookup(ln, data):
    ulabels = ln.ULabel.lookup()
    assert ulabels.exp_a == data["labels"]["Exp A"]
    assert "exp_a" in dir(ulabels)
    assert ulabels["Exp A"] == data["labels"]["Exp A"]
    assert ulabels.dict()["DMSO"] == data["labels"]["DMSO"]
    uids = ln.ULabel.lookup(return_field="uid")
    assert uids.dmso == data["labels"]["DMSO"].uid
    with pytest.raises(AttributeError, match="ULabel lookup has no 'nothing_here'"):
        _ = ulabels.nothing_here


def test_lookup_keys_by_laminDB_name_fields(ln, data):
    from lamin_core.query.columns import name_field

    user = ln.User.get(1)
    assert ln.User.lookup().testuser1 == user  # by handle, as LaminDB
    assert ln.User.lookup(ln.User.name).test_user1 == user  # a field attribute
    assert ln.User.lookup(field="name", return_field=ln.User.handle).test_user1 == "testuser1"
    expected = {
        ln.User: "handle",
        ln.ULabel: "name",
        ln.Feature: "name",
        ln.Schema: "name",
        ln.Collection: "key",
        ln.Transform: "key",
        ln.Storage: "root",
        ln.Run: "started_at",
        ln.Artifact: "key",
    }
    assert {model: name_field(model) for model in expected} == expected
    with pytest.raises(TypeError, match="expected a field name or a field attribute"):
        ln.User.lookup(field=3)


def test_lookup_sanitizes_keywords_methods_digits_and_duplicates(ln, data, capsys):
    from lamin_core.lookup import sanitize

    assert [sanitize(v) for v in ("Experiment 1", "class", "dict", "3 cells", "CD8-positive, T")] == [
        "experiment_1",
        "class_",
        "dict_",
        "_3_cells",
        "cd8_positive_t",
    ]
    with transaction.atomic():
        for name in ("dict", "Dict"):
            ln.ULabel(name=name).save()
        lookup = ln.ULabel.lookup()
        assert [label.name for label in lookup.dict_] == ["dict", "Dict"]
        assert callable(lookup.dict)
        transaction.set_rollback(True)
    assert "are not unique" in capsys.readouterr().err


def test_search_ranks_and_chains(ln, data):
    result = ln.Artifact.filter(key__startswith="q/").search("iris")
    assert result.first().key == "q/iris.parquet"
    assert ln.Artifact.filter(suffix=".h5ad").search("dataset2").df()["key"].iloc[0] == "q/dataset2.h5ad"
    ranked = list(ln.ULabel.search("exp").values_list("name", flat=True))
    assert ranked[:2] == ["Exp A", "Exp B"]
    assert not ln.Artifact.search("uid-like-nothing-matches-zzz").exists()


def test_view_prints_modules_and_nonempty_registries(ln, data, capsys):
    ln.view()
    out = capsys.readouterr().out
    assert out.startswith("****************\n* module: core *\n****************\nArtifact\n")
    assert "\nULabel\n" in out and "\nFeature\n" in out
    assert "\nUser\n" not in out and "\nSpace\n" not in out


def test_view_of_a_frame_shows_dtypes(ln, data, capsys):
    frame = ln.Artifact.filter(q_perturbation="DMSO").df(features=["q_perturbation", "q_temperature"])
    ln.view(frame)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["uid", "key", "q_perturbation", "q_temperature"]
    assert lines[1].split() == ["str", "str", "cat[ULabel]", "float"]
