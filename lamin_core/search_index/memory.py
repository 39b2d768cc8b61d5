"""The search engine over records held in memory (public ontologies): same steps, same ranking.

`Vocabulary(ids, names, synonyms, full_names=None).rank(query, limit)` returns term positions, best
first; it is what `bt.X.public().search()` needs. `MemoryIndex` is the general form (any fields and
roles). An index is a handful of numpy arrays (texts as UTF-8 bytes), so that it is written to one file
(`arrayfile.write_arrays`) and read back by mapping that file into memory (`read_arrays`) in milliseconds:
no pickle, no decoding of the whole text.

The steps find the same records as the database indexes do, without reading every record:

- prefix / exact: binary search in the sorted label values (fields that are not free text) and in the
  sorted compact values ("tcell" for "T cell")
- whole tokens: a posting list (records, ascending) per word of any field
- substring: the words that contain a long token (found through a trigram index of the distinct words),
  their postings merged; and the compact query inside a compact value (a trigram index of the compact
  documents), candidates checked with `in`
- fuzzy: the words that contain a long token, or are one of its corrections (whole words)

Per record the index keeps its field values (normalized, for the ranking) and its compact document
("|tcell|tlymphocyte|").
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Hashable, Sequence

import numpy as np

from . import engine
from .arrayfile import read_arrays, write_arrays  # noqa: F401 (the index's files)
from .fields import FULL_NAME, ID, NAME, SYNONYM, TEXT, SearchField
from .ranking import SHORT_TOKEN, Query, parse
from .text import normalized_column
from .vocabulary import WordList, corrections, letter_words

# version of the index layout: files of another version are rebuilt
FORMAT = 4
_SEP = b"\n"  # ends every string; normalized values never hold a newline (it is punctuation)
_BAR = ord("|")


class _Strings:
    """Strings as UTF-8 in one bytes object, each followed by a newline, with their start offsets."""

    __slots__ = ("_at", "data", "starts")

    def __init__(self, data: bytes, starts: np.ndarray):
        self.data = data
        self.starts = starts  # len + 1 byte offsets: item i is data[starts[i] : starts[i + 1] - 1]
        # the offsets as Python ints without a numpy scalar per access (~10x faster)
        self._at = memoryview(np.ascontiguousarray(starts, dtype=np.int64)).cast("B").cast("q")

    @classmethod
    def of(cls, items: Sequence[str]) -> _Strings:
        if not items:
            return cls(b"", np.zeros(1, dtype=np.int64))
        data = ("\n".join(items) + "\n").encode()
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _SEP[0])
        if len(ends) == len(items):  # no item holds a newline: one encode, offsets from the separators
            starts = np.zeros(len(items) + 1, dtype=np.int64)
            starts[1:] = ends + 1
            return cls(data, starts)
        encoded = [item.encode() for item in items]
        starts = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            np.cumsum([len(item) + 1 for item in encoded], out=starts[1:])
        return cls(b"".join(item + _SEP for item in encoded), starts)

    @classmethod
    def of_lines(cls, text: bytes, count: int) -> _Strings:
        """`count` strings given as UTF-8 lines (no newline after the last one)."""
        if count == 0:
            return cls(b"", np.zeros(1, dtype=np.int64))
        data = text + _SEP
        starts = np.zeros(count + 1, dtype=np.int64)
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _SEP[0])
        if len(ends) != count:
            raise ValueError(f"{len(ends)} lines for {count} strings")
        starts[1:] = ends + 1
        return cls(data, starts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def raw(self, i: int) -> bytes:
        return self.data[self._at[i] : self._at[i + 1] - 1]

    def __getitem__(self, i: int) -> str:
        return self.data[self._at[i] : self._at[i + 1] - 1].decode()

    def bisect(self, key: bytes) -> int:
        """The first position whose string is >= key (sorted strings; UTF-8 keeps code point order)."""
        lo, hi = 0, len(self)
        data, at = self.data, self._at
        while lo < hi:
            mid = (lo + hi) // 2
            if data[at[mid] : at[mid + 1] - 1] < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def span(self, key: str, prefix: bool) -> tuple[int, int]:
        """Positions of the sorted strings equal to `key`, or starting with it."""
        encoded = key.encode()
        end = encoded[:-1] + bytes([encoded[-1] + 1]) if prefix else encoded + b"\0"
        return self.bisect(encoded), self.bisect(end)

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        return {f"{name}.data": np.frombuffer(self.data, dtype=np.uint8), f"{name}.starts": self.starts}

    @classmethod
    def from_arrays(cls, data, name: str) -> _Strings:
        return cls(data[f"{name}.data"].tobytes(), data[f"{name}.starts"])


class _Postings:
    """Sorted record positions per key (CSR: one array of records, offsets per key)."""

    __slots__ = ("records", "starts")

    def __init__(self, records: np.ndarray, starts: np.ndarray):
        self.records = records
        self.starts = starts

    @classmethod
    def of(cls, keys: np.ndarray, records: np.ndarray, n_keys: int) -> _Postings:
        """From (key, record) pairs; duplicates are dropped."""
        pairs = _distinct(keys.astype(np.int64) * (1 << 32) + records.astype(np.int64))
        keys, records = pairs >> 32, (pairs & 0xFFFFFFFF).astype(np.int32)
        starts = np.zeros(n_keys + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=n_keys), out=starts[1:])
        return cls(records, starts)

    def lists(self, keys) -> list[np.ndarray]:
        """The posting lists of some keys (views, not copies)."""
        starts, records = self.starts, self.records
        return [records[starts[k] : starts[k + 1]] for k in np.asarray(keys).tolist()]


_EMPTY = np.empty(0, dtype=np.int32)
# a word's runs of letters (`vocabulary.letter_words`) when it is ASCII (lowercase already)
_ASCII_LETTERS = re.compile(rb"[a-z]+")


def _distinct(array: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash path is several times slower at these sizes)."""
    if len(array) < 2:
        return array
    array = np.sort(array)
    keep = np.empty(len(array), dtype=bool)
    keep[0] = True
    np.not_equal(array[1:], array[:-1], out=keep[1:])
    return array[keep]


# A set of records is a list of sorted posting lists (their union), so that a token held by thousands of
# words ("cell") is merged only when it is the smallest condition of a query.
Group = list


def _merged(group: Group) -> np.ndarray:
    if not group:
        return _EMPTY
    if len(group) == 1:
        return group[0]
    return _distinct(np.concatenate(group))


def _in_sorted(candidates: np.ndarray, sorted_array: np.ndarray) -> np.ndarray:
    """Which candidates occur in a sorted array."""
    if len(sorted_array) == 0:
        return np.zeros(len(candidates), dtype=bool)
    slots = np.minimum(np.searchsorted(sorted_array, candidates), len(sorted_array) - 1)
    return sorted_array[slots] == candidates


def _intersect(groups: list[Group]) -> np.ndarray:
    """Sorted records in every group: the smallest merged, then kept if in each other group."""
    sized = sorted(groups, key=lambda group: sum(len(a) for a in group))
    found = _merged(sized[0])
    for group in sized[1:]:
        if len(found) == 0:
            break
        if len(group) > 8:
            found = found[_in_sorted(found, _merged(group))]
            continue
        keep = np.zeros(len(found), dtype=bool)
        for array in group:
            keep |= _in_sorted(found, array)
        found = found[keep]
    return found


def _trigram_codes(data: bytes) -> np.ndarray:
    """The code of each (byte) trigram of `data`, in order: one per position but the last two."""
    points = np.frombuffer(data, dtype=np.uint8).astype(np.int32)
    if len(points) < 3:
        return np.empty(0, dtype=np.int32)
    return (points[:-2] << 16) | (points[1:-1] << 8) | points[2:]


class _Trigrams:
    """Trigram -> the strings of a `_Strings` that hold it (none spanning two strings or a `|`), to find
    the strings that contain a needle of 3 or more bytes without reading them all."""

    __slots__ = ("keys", "postings")

    def __init__(self, keys: np.ndarray, postings: _Postings):
        self.keys = keys
        self.postings = postings

    @classmethod
    def of(cls, strings: _Strings) -> _Trigrams:
        points = np.frombuffer(strings.data, dtype=np.uint8)
        codes = _trigram_codes(strings.data)
        owners = np.repeat(np.arange(len(strings), dtype=np.int32), np.diff(strings.starts))[: len(codes)]
        if len(codes):
            separator = (points == _SEP[0]) | (points == _BAR)
            clean = ~(separator[:-2] | separator[1:-1] | separator[2:])
            codes, owners = codes[clean], owners[clean]
        # by trigram, then string (the strings ascending already): a stable radix sort on the trigram's
        # last two bytes, then on its first (np.sort of the pairs is 3x slower), then duplicates dropped
        order = np.argsort((codes & 0xFFFF).astype(np.uint16), kind="stable")
        order = order[np.argsort((codes[order] >> 16).astype(np.uint8), kind="stable")]
        codes, owners = codes[order], owners[order]
        if len(codes):
            repeated = np.zeros(len(codes), dtype=bool)
            repeated[1:] = (codes[1:] == codes[:-1]) & (owners[1:] == owners[:-1])
            codes, owners = codes[~repeated], owners[~repeated]
        codes, owners = codes.astype(np.int32), owners.astype(np.int32)
        first = np.ones(len(codes), dtype=bool)
        if len(codes):
            np.not_equal(codes[1:], codes[:-1], out=first[1:])
        starts = np.append(np.flatnonzero(first), len(codes)).astype(np.int64)
        return cls(codes[first], _Postings(owners, starts))

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        return {
            f"{name}.keys": self.keys,
            f"{name}.records": self.postings.records,
            f"{name}.starts": self.postings.starts,
        }

    @classmethod
    def from_arrays(cls, data, name: str) -> _Trigrams:
        return cls(data[f"{name}.keys"], _Postings(data[f"{name}.records"], data[f"{name}.starts"]))

    def containing(self, needle: str, strings: _Strings, cap: int | None = None) -> np.ndarray:
        """Ascending positions of the strings that contain `needle` (>= 3 bytes), the first `cap`: the
        strings of its rarest trigrams, checked with `in`."""
        encoded = needle.encode()
        codes = np.unique(_trigram_codes(encoded))
        keys = self.keys
        if not len(keys) or not len(codes):
            return _EMPTY
        slots = np.minimum(np.searchsorted(keys, codes), len(keys) - 1)
        if not np.array_equal(keys[slots], codes):
            return _EMPTY
        starts = self.postings.starts
        rarest = slots[np.argsort(starts[slots + 1] - starts[slots], kind="stable")[:3]]
        candidates = _intersect([self.postings.lists([k]) for k in rarest.tolist()])
        if len(encoded) == 3:
            return candidates if cap is None else candidates[:cap]
        found = []
        raw = strings.raw
        for item in candidates.tolist():
            if encoded in raw(item):
                found.append(item)
                if cap is not None and len(found) >= cap:
                    break
        return np.array(found, dtype=np.int32)


class MemoryIndex:
    """Records (tuples of raw field values) indexed for the search steps."""

    def __init__(self, rows: Sequence[tuple], fields: Sequence[SearchField], primary: int | None = 0):
        fields = list(fields)
        columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in fields]
        if len(columns) != len(fields):
            raise ValueError(f"rows of {len(columns)} values for {len(fields)} fields")
        self._build(columns, fields, primary)

    def _build(self, columns: list[list], fields: list[SearchField], primary: int | None) -> None:
        """The index of the records whose field values are `columns` (one list per field).

        Built a column at a time on its normalized values as one UTF-8 text, a line per record
        (`text.normalized_column`): words and values are split out of that text in one call, their
        records counted by numpy, and distinct values coded through one dict, so that no Python code runs
        per record but a join of its compact values (human genes: 0.5 s; a loop per record took 3 s).
        """
        self.fields = fields
        self.primary = primary
        self.n = n = len(columns[0]) if columns else 0
        texts = [normalized_column(column) if n else b"" for column in columns]
        self._values = [_Strings.of_lines(text, n) for text in texts]
        labels = [text for text, f in zip(texts, fields, strict=True) if f.role != TEXT]
        squeezed = [
            text.replace(b" ", b"")
            for text, f in zip(texts, fields, strict=True)
            if f.role != TEXT and f.compact
        ]
        if squeezed and n:
            lines = [text.split(b"\n") for text in squeezed]
            compacts = [b"|" + b"|".join(filter(None, parts)) + b"|" for parts in zip(*lines, strict=True)]
        else:
            compacts = [b"||"] * n
        self._compacts = _Strings.of_lines(b"\n".join(compacts), n)
        self._sorted_labels, self._label_owners = _sorted_values(labels, n)
        self._sorted_compacts, self._compact_owners = _sorted_values(squeezed, n)
        # the distinct words, sorted (UTF-8 order), with their postings
        codes, owners, words = _coded_parts(texts, b" ")
        self._words = _Strings.of_lines(b"\n".join(words), len(words))
        self._word_postings = _Postings.of(codes, owners, len(words))
        self._word_trigrams = _Trigrams.of(self._words)
        self._compact_trigrams = _Trigrams.of(self._compacts)
        # runs of letters, with about the number of records holding each (a record counts once per word
        # that holds the run), for corrections
        frequency = np.diff(self._word_postings.starts).tolist()
        runs: dict[str, int] = {}
        get = runs.get
        for word, count in zip(words, frequency, strict=True):
            if word.isalpha():  # ASCII letters (bytes.isalpha), lowercase already: the word is its one run
                run = word.decode()
                runs[run] = get(run, 0) + count
                continue
            if word.isdigit():  # ASCII digits: no run
                continue
            found = _ASCII_LETTERS.findall(word) if word.isascii() else letter_words(word.decode())
            for run in set(found):
                run = run.decode() if isinstance(run, bytes) else run
                runs[run] = get(run, 0) + count
        ordered_runs = sorted(runs)
        self._runs = _Strings.of(ordered_runs)
        self._run_counts = np.array([runs[r] for r in ordered_runs], dtype=np.int64)
        self._wordlist: WordList | None = None

    # persistence ----------------------------------------------------------------------------------

    _STRINGS = ("compacts", "sorted_labels", "sorted_compacts", "words", "runs")

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as named arrays (`from_arrays` reads them back)."""
        meta = {
            "format": FORMAT,
            "n": self.n,
            "primary": self.primary,
            "fields": [[f.name, f.role, f.compact] for f in self.fields],
        }
        out = {"meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
        for i, strings in enumerate(self._values):
            out.update(strings.arrays(f"values{i}"))
        for name in self._STRINGS:
            out.update(getattr(self, f"_{name}").arrays(name))
        out["label_owners"] = self._label_owners
        out["compact_owners"] = self._compact_owners
        out["word_postings.records"] = self._word_postings.records
        out["word_postings.starts"] = self._word_postings.starts
        out.update(self._word_trigrams.arrays("word_trigrams"))
        out.update(self._compact_trigrams.arrays("compact_trigrams"))
        out["run_counts"] = self._run_counts
        return out

    @classmethod
    def from_arrays(cls, data) -> MemoryIndex:
        """An index from `arrays()` (a mapping of names to arrays); ValueError for another layout."""
        meta = json.loads(data["meta"].tobytes())
        if meta.get("format") != FORMAT:
            raise ValueError(f"search index format {meta.get('format')}, expected {FORMAT}")
        index = cls.__new__(cls)
        index.fields = [SearchField(name, role, compact) for name, role, compact in meta["fields"]]
        index.primary = meta["primary"]
        index.n = meta["n"]
        index._values = [_Strings.from_arrays(data, f"values{i}") for i in range(len(index.fields))]
        for name in cls._STRINGS:
            setattr(index, f"_{name}", _Strings.from_arrays(data, name))
        index._label_owners = data["label_owners"]
        index._compact_owners = data["compact_owners"]
        index._word_postings = _Postings(data["word_postings.records"], data["word_postings.starts"])
        index._word_trigrams = _Trigrams.from_arrays(data, "word_trigrams")
        index._compact_trigrams = _Trigrams.from_arrays(data, "compact_trigrams")
        index._run_counts = data["run_counts"]
        index._wordlist = None
        return index

    # lookups ---------------------------------------------------------------------------------------

    @property
    def words(self) -> WordList:
        """Runs of letters of every field with about the number of records holding each."""
        if self._wordlist is None:
            runs = self._runs.data.decode().split("\n")[:-1]
            self._wordlist = WordList(dict(zip(runs, self._run_counts.tolist(), strict=True)))
        return self._wordlist

    def whole_word(self, word: str) -> Group:
        """Records holding `word` as a whole word."""
        lo, hi = self._words.span(word, prefix=False)
        return self._word_postings.lists([lo]) if hi > lo else []

    def within_words(self, needle: str) -> Group:
        """Records with a word that contains `needle` (>= 3 characters)."""
        return self._word_postings.lists(self._word_trigrams.containing(needle, self._words))

    def in_compact(self, needle: str, cap: int | None) -> np.ndarray:
        """Records whose compact values contain `needle` (>= 3 characters): the first `cap` of them."""
        return self._compact_trigrams.containing(needle, self._compacts, cap)

    def span_records(self, prefix: bool, key: str, compact: bool) -> np.ndarray:
        """Records with a label (or compact) value equal to `key`, or starting with it."""
        strings = self._sorted_compacts if compact else self._sorted_labels
        owners = self._compact_owners if compact else self._label_owners
        lo, hi = strings.span(key, prefix)
        return _distinct(owners[lo:hi])

    def row(self, position: int) -> tuple:
        """The normalized values of a record, per field ("|"-joined)."""
        return tuple(strings[position] for strings in self._values)

    def rank(self, query: str, limit: int | None = 20) -> list[int]:
        """Record positions matching `query`, best first (at most `limit`; an empty query: none)."""
        parsed = parse(query)
        if not parsed.text:
            return []
        return engine.rank(_Search(self), parsed, limit)


class _Search:
    """One search over a MemoryIndex, the engine's backend: the records of each step, with the word
    lookups of this search remembered (the substring and fuzzy steps ask for the same tokens)."""

    def __init__(self, index: MemoryIndex):
        self.index = index
        self.fields = index.fields
        self.primary = index.primary
        self._within: dict[str, Group] = {}

    def _within_words(self, token: str) -> Group:
        if token not in self._within:
            self._within[token] = self.index.within_words(token)
        return self._within[token]

    def _matches(self, step: str, query: Query, cap: int | None) -> np.ndarray:
        index = self.index
        q, qc = query.text, query.compact
        if step in ("exact", "prefix"):
            prefix = step == "prefix"
            found = index.span_records(prefix, q, compact=False)
            if len(qc) >= 2:
                found = _distinct(np.concatenate((found, index.span_records(prefix, qc, compact=True))))
            return found
        if step == "tokens":
            return _intersect([index.whole_word(t) for t in query.token_set])
        if step == "substring":
            found = _EMPTY
            if query.long_tokens:
                found = _intersect([self._within_words(t) for t in query.long_tokens])
            if len(qc) >= SHORT_TOKEN:
                found = _distinct(np.concatenate((found, index.in_compact(qc, cap))))
            return found
        if step == "fuzzy":
            if not query.long_tokens:
                return _EMPTY
            groups = []
            for token in sorted(query.token_set):
                if len(token) < SHORT_TOKEN:
                    groups.append(index.whole_word(token))
                    continue
                group = list(self._within_words(token))
                for spelling in corrections(token, index.words):
                    group += index.whole_word(spelling)
                groups.append(group)
            return _intersect(groups)
        return _EMPTY

    def fetch(self, step: str, query: Query, cap: int | None) -> list[tuple[Hashable, tuple]]:
        positions = self._matches(step, query, cap)
        if cap is not None:
            positions = positions[:cap]
        row = self.index.row
        return [(p, row(p)) for p in positions.tolist()]


def _coded_parts(texts: list[bytes], separator: bytes) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """The non-empty parts of `texts` (normalized columns: a line per record, values split on `|`, and
    on spaces when `separator` is one) as codes into their distinct values, sorted (UTF-8 order), with the
    record of each part: (codes, records, distinct)."""
    parts: list[bytes] = []
    owners = []
    for text in texts:
        if not text:
            continue
        points = np.frombuffer(text, dtype=np.uint8)
        ends = (points == _SEP[0]) | (points == _BAR)
        if separator == b" ":
            ends |= points == 32
        cuts = np.flatnonzero(ends)
        # part i runs from after cut i - 1 to cut i; its record is the number of newlines before it
        record = np.zeros(len(cuts) + 1, dtype=np.int64)
        np.cumsum(points[cuts] == _SEP[0], out=record[1:])
        lengths = np.diff(cuts, prepend=-1, append=len(points)) - 1
        split = text.replace(b"\n", b"|")
        if separator == b" ":
            split = split.replace(b" ", b"|")
        pieces = split.split(b"|")
        keep = lengths > 0
        parts += itertools.compress(pieces, keep.tolist())
        owners.append(record[keep])
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), []
    distinct = sorted(dict.fromkeys(parts))
    ids = dict(zip(distinct, range(len(distinct)), strict=True))
    codes = np.fromiter(map(ids.__getitem__, parts), dtype=np.int64, count=len(parts))
    return codes, np.concatenate(owners), distinct


def _sorted_values(texts: list[bytes], n: int) -> tuple[_Strings, np.ndarray]:
    """Every value of `texts` (normalized columns) with its record, sorted by value (UTF-8 order) then
    record: the strings, and the records as int32."""
    codes, owners, distinct = _coded_parts(texts, b"|")
    order = np.lexsort((owners, codes))
    ordered = codes[order].tolist()
    text = b"\n".join(map(distinct.__getitem__, ordered))
    return _Strings.of_lines(text, len(ordered)), owners[order].astype(np.int32)


class Vocabulary(MemoryIndex):
    """Terms of a public source: identifier, name, synonyms and (genes) full name.

    Ties are broken by the term's position, which `ids` order gives.
    """

    def __init__(
        self,
        ids: Sequence[str],
        names: Sequence[str | None],
        synonyms: Sequence[Sequence[str] | str | None],
        full_names: Sequence[str | None] | None = None,
    ):
        """`synonyms`: per term a list, or one text with `|` between synonyms (as a source's frame keeps
        them)."""
        fields = [SearchField("name", NAME, compact=True), SearchField("synonyms", SYNONYM, compact=True)]
        columns: list[list] = [list(names), list(synonyms)]
        if full_names is not None:
            fields.append(SearchField("description", FULL_NAME, compact=False))
            columns.append(list(full_names))
        fields.append(SearchField("ontology_id", ID, compact=True))
        columns.append(list(ids))
        if len({len(column) for column in columns}) > 1:
            raise ValueError("ids, names, synonyms and full names differ in length")
        self._build(columns, fields, primary=0)
