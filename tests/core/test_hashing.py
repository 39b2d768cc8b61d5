import base64
import hashlib

import pytest

from lamin_core import hashing
from lamin_core.hashing import hash_bytes, hash_dict, hash_dir, hash_file, hash_set, hash_string


def b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_md5_of_fastq(tmp_path):
    data = b"Mock fastq artifact."
    path = tmp_path / "input.fastq.gz"
    path.write_bytes(data)
    assert hash_file(path) == (b64(hashlib.md5(data).digest()), "md5")
    assert hash_file(path) == ("hi7ZmAzz8sfMd3vIQr-57Q", "md5")


def test_md5_streams_over_read_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(hashing, "_READ_SIZE", 7)
    data = bytes(range(256)) * 3
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert hash_file(path) == (b64(hashlib.md5(data).digest()), "md5")


def test_sha1_fl_above_chunk_size(tmp_path, monkeypatch):
    monkeypatch.setattr(hashing, "CHUNK_SIZE", 10)
    monkeypatch.setattr(hashing, "_READ_SIZE", 4)
    data = b"0123456789middle-part-ABCDEFGHIJ"
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    first, last = hashlib.sha1(data[:10]).digest(), hashlib.sha1(data[-10:]).digest()
    expected = b64(hashlib.sha1(first + last).digest())[:22]
    assert hash_file(path) == (expected, "sha1-fl")
    # the middle is not read: changing it keeps the hash
    path.write_bytes(data.replace(b"middle", b"MIDDLE"))
    assert hash_file(path) == (expected, "sha1-fl")
    # a file exactly at the threshold is still md5
    path.write_bytes(data[:10])
    assert hash_file(path)[1] == "md5"


def test_hash_strings_and_dicts():
    assert hash_string("abc") == hash_bytes(b"abc") == b64(hashlib.md5(b"abc").digest())
    assert len(hash_string("abc")) == 22
    # FeatureValue hashes printed in the guide
    assert hash_dict({"detail1": "123", "detail2": 1}) == "nJ33A6k51yp-1ZlqFabWdw"
    assert hash_dict({"detail2": 2, "detail1": "456"}) == "QAU2Is6uXBBgz8zC_p-rAQ"
    assert hash_set(["b", "a"]) == hash_set({"a", "b"}) == hash_string("a:b")


def _make_dir(root):
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha")
    (root / "sub" / "b.txt").write_text("beta")
    return root


def test_hash_dir_stable_and_sensitive(tmp_path):
    d1 = _make_dir(tmp_path / "d1")
    d2 = _make_dir(tmp_path / "d2")
    h1, hash_type, n_files = hash_dir(d1)
    assert (hash_type, n_files) == ("md5-d", 2)
    assert len(h1) == 22
    assert hash_dir(d1)[0] == h1 == hash_dir(d2)[0]
    per_file = sorted(hash_file(p)[0] for p in (d1 / "a.txt", d1 / "sub" / "b.txt"))
    expected = b64(hashlib.md5(b"".join(hashlib.md5(h.encode()).digest() for h in per_file)).digest())
    assert h1 == expected
    (d2 / "sub" / "b.txt").write_text("beta!")
    assert hash_dir(d2)[0] != h1
    (d2 / "c.txt").write_text("gamma")
    assert hash_dir(d2)[2] == 3


def test_hash_dir_empty(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        hash_dir(tmp_path)
