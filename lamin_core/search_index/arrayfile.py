"""Named numpy arrays in one file, read back by mapping the file into memory (no copy, no pickle).

Layout: `LAMINIDX`, the header's length (8 bytes, little-endian), a JSON header {name: [dtype, shape,
offset]}, then each array's bytes at `offset` past the header (padded to 64 bytes). `header()` checks a
file without numpy: that it is one of these files and that its length is the one the header gives (a
file cut short or appended to is refused), and returns the layout; `read_array_bytes` reads one array's
bytes from it (a JSON document the writer stored as an array, say).
"""

from __future__ import annotations

import json
import mmap
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAGIC = b"LAMINIDX"
ALIGN = 64


def _padded(nbytes: int) -> int:
    return -(-nbytes // ALIGN) * ALIGN


def _itemsize(dtype: str) -> int:
    """The item size of a numpy dtype string as `dtype.str` writes it ("<i8", "|u1", "<U12")."""
    kind, digits = dtype[1:2], dtype[2:]
    if not digits.isdigit():
        raise ValueError(f"unexpected dtype {dtype!r}")
    return int(digits) * (4 if kind == "U" else 1)


def write_arrays(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    """Write named arrays to one file: a JSON header (name -> dtype, shape, offset), then the data."""
    import numpy as np  # heavy: header() and read_array_bytes() work without numpy

    layout, offset = {}, 0
    for name, value in arrays.items():
        value = np.ascontiguousarray(value)
        layout[name] = [value.dtype.str, list(value.shape), offset]
        offset += _padded(value.nbytes)
    header = json.dumps(layout).encode()
    start = _padded(len(MAGIC) + 8 + len(header))
    with open(path, "wb") as f:
        f.write(MAGIC + len(header).to_bytes(8, "little") + header)
        f.write(b"\0" * (start - f.tell()))
        for value in arrays.values():
            data = np.ascontiguousarray(value).tobytes()
            f.write(data + b"\0" * (_padded(len(data)) - len(data)))


def header(path: str | Path) -> tuple[dict, int]:
    """(layout, data start) of a `write_arrays` file; ValueError for a file that is not one, or whose
    length is not the one its header gives."""
    with open(path, "rb") as f:
        return _header(f, path)


def _header(f, path) -> tuple[dict, int]:
    size = os.fstat(f.fileno()).st_size
    lead = f.read(len(MAGIC) + 8)
    if len(lead) < len(MAGIC) + 8 or lead[: len(MAGIC)] != MAGIC:
        raise ValueError(f"{path} is not a search index file")
    length = int.from_bytes(lead[len(MAGIC) :], "little")
    if length > size:
        raise ValueError(f"{path} is cut short inside its header")
    layout = json.loads(f.read(length))
    start = _padded(len(MAGIC) + 8 + length)
    end = start
    for dtype, shape, offset in layout.values():
        end = max(end, start + offset + _padded(_count(shape) * _itemsize(dtype)))
    if size != end:
        raise ValueError(f"{path} holds {size} bytes, its header describes {end}")
    return layout, start


def _count(shape: list[int]) -> int:
    count = 1
    for n in shape:
        count *= n
    return count


def read_array_bytes(path: str | Path, name: str) -> bytes:
    """The bytes of one array of a `write_arrays` file (after the checks of `header()`)."""
    with open(path, "rb") as f:
        layout, start = _header(f, path)
        dtype, shape, offset = layout[name]
        f.seek(start + offset)
        return f.read(_count(shape) * _itemsize(dtype))


def read_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a `write_arrays` file, read-only views of the file mapped into memory; ValueError as
    `header()` gives it."""
    import numpy as np  # heavy: header() and read_array_bytes() work without numpy

    with open(path, "rb") as f:
        layout, start = _header(f, path)
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    out = {}
    for name, (dtype, shape, offset) in layout.items():
        count = _count(shape)
        if count == 0:
            out[name] = np.empty(shape, dtype=np.dtype(dtype))
            continue
        array = np.frombuffer(mapped, dtype=np.dtype(dtype), count=count, offset=start + offset)
        out[name] = array.reshape(shape)
    return out
