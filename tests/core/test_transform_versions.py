"""Transform version families as in LaminDB 1.5.3: `revises=`, reuse by key or uid, `version`, `is_latest`,
`QuerySet.latest_version()`; on the session instance (SQLite or PostgreSQL), everything written is deleted."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def ln(instance):
    import lamin_core

    last = {
        model: model.all_objects.order_by("-id").values_list("id", flat=True).first() or 0
        for model in (lamin_core.Run, lamin_core.Transform)
    }
    yield lamin_core
    for model in (lamin_core.Run, lamin_core.Transform):
        model.all_objects.filter(id__gt=last[model]).delete()


def new_key() -> str:
    return f"versions/{uuid.uuid4().hex[:10]}.py"


def family(ln, record) -> list[tuple[str, str | None, bool]]:
    """(uid suffix, version, is_latest) of every member of `record`'s family, as stored."""
    members = ln.Transform.all_objects.filter(uid__startswith=record.uid[:12]).order_by("uid")
    return [(t.uid[12:], t.version, t.is_latest) for t in members if t.uid.startswith(record.uid[:12])]


def test_revises_makes_the_next_version(ln):
    key = new_key()
    first = ln.Transform(key=key, description="first", type="script", version="1")
    assert first.version == "1" and len(first.uid) == 16 and first.uid.endswith("0000")
    first.save()
    second = ln.Transform(description="second", revises=first)
    assert second.uid == first.uid[:12] + "0001" and second.stem_uid == first.stem_uid
    # key and type follow the revised version, version stays None unless given (1.5.3)
    assert (second.key, second.type, second.version) == (key, "script", None)
    assert second.is_latest and first.is_latest  # nothing saved yet
    assert family(ln, first) == [("0000", "1", True)]
    second.save()
    assert not first.is_latest  # the caller's object too, as in 1.5.3
    assert family(ln, first) == [("0000", "1", False), ("0001", None, True)]
    third = ln.Transform(revises=second, version="2").save()
    assert third.description == "second" and third.key == key and third.version == "2"
    assert family(ln, first) == [("0000", "1", False), ("0001", None, False), ("0002", "2", True)]
    assert [t.uid for t in third.versions] == [first.uid, second.uid, third.uid]
    renamed = ln.Transform(key=key + ".renamed", revises=third)
    assert renamed.key == key + ".renamed" and renamed.uid.endswith("0003")


def test_revising_an_older_version_follows_the_latest(ln, capsys):
    first = ln.Transform(key=new_key()).save()
    second = ln.Transform(revises=first).save()
    third = ln.Transform(revises=first).save()  # `first` is not the latest: the new one follows `second`
    assert third.uid.endswith("0002")
    assert "didn't pass the latest version in `revises`" in capsys.readouterr().err
    assert family(ln, first) == [("0000", None, False), ("0001", None, False), ("0002", None, True)]
    assert ln.Transform.get(second.id).is_latest is False


def test_versions_in_a_family_are_unique(ln):
    first = ln.Transform(key=new_key(), version="1").save()
    with pytest.raises(ValueError, match=r"Please increment the previous version: '1'"):
        ln.Transform(revises=first, version="1")
    second = ln.Transform(revises=first, version="2").save()
    # "1" is not the latest version's, but another member has it: refused (1.5.3 saves a second "1")
    with pytest.raises(ValueError, match=rf"version '1' is already taken by Transform\('{first.uid}'\)"):
        ln.Transform(revises=second, version="1")
    assert family(ln, first) == [("0000", "1", False), ("0001", "2", True)]


@pytest.mark.parametrize("bad", [0, 1.0, "", "  "])
def test_version_must_be_a_string(ln, bad):
    with pytest.raises(
        ValueError, match=r"`version` parameter must be `None` or `str`, e.g., '0.1', '1', '2', etc."
    ):
        ln.Transform(key=new_key(), version=bad)


def test_revises_must_be_a_saved_transform(ln):
    with pytest.raises(TypeError, match="`revises` has to be of type `Transform`"):
        ln.Transform(key=new_key(), revises=ln.ULabel(name="not a transform"))
    with pytest.raises(ValueError, match="save it first"):
        ln.Transform(key=new_key(), revises=ln.Transform(key=new_key()))


def test_same_key_and_version_without_source_code_is_that_transform(ln, capsys):
    key = new_key()
    first = ln.Transform(key=key, version="1").save()
    again = ln.Transform(key=key, version="1", description="now described")
    assert again.id == first.id and again.uid == first.uid and not again._state.adding
    assert "returning existing transform with same key" in capsys.readouterr().err
    again.save()
    assert ln.Transform.filter(key=key).count() == 1
    assert ln.Transform.get(first.id).description == "now described"
    # no version yet: the reused transform takes the one given
    unversioned = ln.Transform(key=new_key()).save()
    versioned = ln.Transform(key=unversioned.key, version="3").save()
    assert versioned.id == unversioned.id and ln.Transform.get(unversioned.id).version == "3"


def test_same_key_with_another_version_is_a_new_version(ln):
    key = new_key()
    first = ln.Transform(key=key, version="1").save()
    second = ln.Transform(key=key, version="2")  # 1.5.3 returns `first` here, version "1"
    assert second._state.adding and second.uid == first.uid[:12] + "0001" and second.version == "2"
    second.save()
    assert family(ln, first) == [("0000", "1", False), ("0001", "2", True)]
    # the latest is "2": asking for "1" again is refused, not answered with version "2"
    with pytest.raises(ValueError, match=rf"version '1' is already taken by Transform\('{first.uid}'\)"):
        ln.Transform(key=key, version="1")
    assert ln.Transform.get(key=key, version="2").id == second.id


def test_same_key_with_saved_source_code_is_a_new_version(ln):
    key = new_key()
    first = ln.Transform(key=key, version="1", type="script", source_code="print(1)\n").save()
    with pytest.raises(ValueError, match=r"Please increment the previous version: '1'"):
        ln.Transform(key=key, version="1")
    second = ln.Transform(key=key, version="2").save()
    assert second.uid == first.uid[:12] + "0001" and second.type == "script"
    assert ln.Transform(key=key).id == second.id  # the latest has no source code: reused
    second.source_code = "print(2)\n"
    second.save()
    plain = ln.Transform(key=key)  # now a new version, with version None
    assert plain.uid.endswith("0002") and plain.version is None and plain._state.adding
    assert family(ln, first) == [("0000", "1", False), ("0001", "2", True)]


def test_existing_uid_is_that_transform(ln, capsys):
    first = ln.Transform(key=new_key(), description="before").save()
    again = ln.Transform(uid=first.uid, key="another key", description="after")
    assert again.id == first.id and again.key == first.key
    assert "ignoring inconsistent key" in capsys.readouterr().err
    again.save()
    assert ln.Transform.get(first.id).description == "after"
    # a new uid of an existing stem joins the family and becomes the latest
    member = ln.Transform(uid=first.uid[:12] + "0005", key=first.key).save()
    assert family(ln, first) == [("0000", None, False), ("0005", None, True)]
    assert member.is_latest


def test_concurrently_prepared_versions_get_distinct_uids(ln):
    first = ln.Transform(key=new_key()).save()
    a, b = ln.Transform(revises=first), ln.Transform(revises=first)
    assert a.uid == b.uid == first.uid[:12] + "0001"
    a.save()
    b.save()  # its uid was taken meanwhile: the next free one
    assert b.uid == first.uid[:12] + "0002"
    assert family(ln, first) == [("0000", None, False), ("0001", None, False), ("0002", None, True)]


def test_deleting_the_latest_version_promotes_the_previous(ln, capsys):
    first = ln.Transform(key=new_key()).save()
    second = ln.Transform(revises=first).save()
    third = ln.Transform(revises=second).save()
    third.delete()
    assert "new latest version is" in capsys.readouterr().err
    assert family(ln, first) == [("0000", None, False), ("0001", None, True)]
    first.delete()  # not the latest: nothing moves
    assert family(ln, second) == [("0001", None, True)]


def test_latest_version(ln):
    description = f"Introduction {uuid.uuid4().hex[:6]}"
    v1 = ln.Transform(key=new_key(), description=description).save()
    v2 = ln.Transform(revises=v1, description=description + " v2", version="2").save()
    v3 = ln.Transform(revises=v1, description=description).save()
    other = ln.Transform(key=new_key(), description=description).save()  # another family
    hits = ln.Transform.filter(description=description)
    assert hits.count() == 3
    assert sorted(hits.latest_version().list("uid")) == sorted([v3.uid, other.uid])
    assert not ln.Transform.get(v2.id).is_latest
    other.delete()
    assert hits.latest_version().one() == v3
    # the latest version of a family outside the QuerySet: none of its older versions is returned (1.5.3)
    assert not ln.Transform.filter(id=v1.id).latest_version().exists()
    assert ln.Transform.filter(description=f"absent {description}").latest_version().one_or_none() is None
    assert ln.Transform.objects.latest_version().filter(id=v3.id).exists()  # on the manager too
    with pytest.raises(ValueError, match="ULabel has no versions"):
        ln.ULabel.filter().latest_version()
