"""Universal ids: random base62 uids, deterministic ontology uids and version suffixes."""

from __future__ import annotations

import hashlib
import secrets
import string

# digits, then upper, then lower case: the order LaminDB (lamin_utils) uses
BASE62_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase

# uid lengths per registry; versioned registries have a stem plus a 4-char version suffix
VERSION_SUFFIX_LEN = 4
FIRST_VERSION_SUFFIX = "0" * VERSION_SUFFIX_LEN
UID_STEM_LEN = {"Artifact": 16, "Collection": 16, "Transform": 12}
UID_LEN = {
    "Artifact": 20,
    "Collection": 20,
    "Transform": 16,
    "Run": 20,
    "ULabel": 8,
    "Feature": 12,
    "Storage": 12,
    "Schema": 16,
    "User": 8,
}
ONTOLOGY_UID_LEN = 8
GENE_UID_LEN = 12


def base62(n: int) -> str:
    """Random base62 string of length ``n`` from a cryptographic source."""
    return "".join(secrets.choice(BASE62_ALPHABET) for _ in range(n))


def _encode_int(value: int) -> str:
    """Non-negative integer in base62, most significant digit first ("0" for zero)."""
    digits = []
    while value > 0:
        value, rem = divmod(value, 62)
        digits.append(BASE62_ALPHABET[rem])
    return "".join(reversed(digits)) or "0"


def base62_of_bytes(data: bytes) -> str:
    """Bytes as one big-endian integer in base62, with lamin_utils' marker for leading zero bytes.

    Leading ``\\x00`` bytes would vanish in the integer, so (as ``lamin_utils._base62.encodebytes``
    does) each run of k leading zero bytes (k <= 61) is written as ``"0" + alphabet[k]`` before the
    number; longer runs repeat ``"0z"`` per 61 bytes. Empty input gives "".
    """
    n_zero = len(data) - len(data.lstrip(b"\x00"))
    full, rest = divmod(n_zero, 61)
    prefix = ("0" + BASE62_ALPHABET[-1]) * full + ("0" + BASE62_ALPHABET[rest] if rest else "")
    if n_zero == len(data):
        return prefix
    return prefix + _encode_int(int.from_bytes(data, "big"))


def hash_uid(text: str, n: int) -> str:
    """First ``n`` base62 characters of md5(text.encode()).digest(): bionty's deterministic uid scheme."""
    return base62_of_bytes(hashlib.md5(text.encode()).digest())[:n]


def ontology_uid(ontology_id: str, n: int = ONTOLOGY_UID_LEN) -> str:
    """Deterministic uid of an ontology record, as bionty computes it.

    Rule (verified against the guide): ``base62_of_bytes(md5(ontology_id.encode()).digest())[:n]`` —
    the raw 16-byte digest (not the hexdigest), big-endian, alphabet ``0-9A-Za-z``, no padding, cut to
    ``n`` (8 for ontologies, 12 for Gene from its Ensembl id). "CL:0000084" -> "22LvKd01",
    "NCBITaxon:9606" -> "1dpCL6Td", "ENSG00000153563" (n=12) -> "6Aqvc8ckDYeN". Records without an
    ontology id use ``hash_uid(name + organism, n)``; Source uses entity + name + organism + version.
    """
    return hash_uid(ontology_id, n)


def next_version_suffix(suffix: str) -> str:
    """Suffix incremented by one in base62, keeping its width ("0009" -> "000A", "000z" -> "0010")."""
    value = 0
    for char in suffix:
        value = value * 62 + BASE62_ALPHABET.index(char)
    result = _encode_int(value + 1)
    if len(result) > len(suffix):
        raise ValueError(f"version suffix {suffix!r} cannot be incremented further")
    return result.rjust(len(suffix), "0")


def new_uid(registry: str) -> str:
    """Fresh random uid for ``registry``; versioned registries get the first version suffix "0000"."""
    if registry in UID_STEM_LEN:
        return base62(UID_STEM_LEN[registry]) + FIRST_VERSION_SUFFIX
    return base62(UID_LEN[registry])
