import pytest

from lamin_core.uids import (
    BASE62_ALPHABET,
    UID_LEN,
    base62,
    base62_of_bytes,
    hash_uid,
    new_uid,
    next_version_suffix,
    ontology_uid,
)


@pytest.mark.parametrize(
    ("ontology_id", "n", "uid"),
    [
        ("CL:0000084", 8, "22LvKd01"),  # T cell
        ("CL:0000000", 8, "4bKGljt0"),  # cell
        ("NCBITaxon:9606", 8, "1dpCL6Td"),  # human
        ("ENSG00000153563", 12, "6Aqvc8ckDYeN"),  # CD8A
        ("ENSG00000004468", 12, "iFxDa8hoEWuW"),  # CD38
    ],
)
def test_ontology_uid_matches_guide(ontology_id, n, uid):
    assert ontology_uid(ontology_id, n) == uid


def test_hash_uid_is_deterministic_and_cut():
    uid = hash_uid("my new cell type" + "human", 8)
    assert uid == hash_uid("my new cell typehuman", 8)
    assert len(uid) == 8
    assert hash_uid("CL:0000084", 12).startswith("22LvKd01")


def test_alphabet_order():
    assert BASE62_ALPHABET[:11] == "0123456789A"
    assert BASE62_ALPHABET[36] == "a"
    assert len(set(BASE62_ALPHABET)) == 62


def test_base62_random():
    uids = {base62(16) for _ in range(200)}
    assert len(uids) == 200
    assert all(len(u) == 16 and set(u) <= set(BASE62_ALPHABET) for u in uids)
    assert base62(0) == ""


def test_base62_of_bytes():
    assert base62_of_bytes(b"\x01") == "1"
    assert base62_of_bytes(b"\x3d") == "z"  # 61
    assert base62_of_bytes(b"\x3e") == "10"  # 62
    assert base62_of_bytes(b"\x01\x00") == "48"  # 256 = 4 * 62 + 8


def test_base62_of_bytes_leading_zero_bytes():
    # lamin_utils marks k leading zero bytes as "0" + alphabet[k]
    assert base62_of_bytes(b"\x00\x01") == "011"
    assert base62_of_bytes(b"\x00\x00\x3e") == "0210"
    assert base62_of_bytes(b"\x00\x00") == "02"
    assert base62_of_bytes(b"") == ""
    assert base62_of_bytes(b"\x00" * 62 + b"\x01") == "0z011"


@pytest.mark.parametrize(
    ("before", "after"),
    [("0000", "0001"), ("0009", "000A"), ("000Z", "000a"), ("000z", "0010"), ("0zzz", "1000")],
)
def test_next_version_suffix(before, after):
    assert next_version_suffix(before) == after


def test_next_version_suffix_overflow():
    with pytest.raises(ValueError, match="zzzz"):
        next_version_suffix("zzzz")


def test_new_uid_lengths():
    for registry, length in UID_LEN.items():
        assert len(new_uid(registry)) == length
    assert new_uid("Artifact").endswith("0000")
    assert new_uid("Transform").endswith("0000")
    assert len(new_uid("Transform")) == 16
    assert len(new_uid("Run")) == 20
