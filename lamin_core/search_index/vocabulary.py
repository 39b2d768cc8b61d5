"""Word lists for the fuzzy step: close spellings of a query token, without scanning any table.

On SQLite the words of a table come from its `search_vocab_T` view (FTS5 keeps the distinct words of
the indexed fields), loaded once per process and reloaded when the table's row in `search_version` —
incremented by the index triggers — changes. On PostgreSQL they come from `search_vocabulary`, which
triggers only ever append to: each search reads the words added since the last one (usually none). The
in-memory engine builds a WordList from its terms.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from .ranking import FUZZY_CUTOFF, SHORT_TOKEN

_LETTERS = re.compile(r"[^\W\d_]+")
_lock = threading.Lock()
# (alias, database name, table) -> (version, WordList)
_CACHE: dict[tuple, tuple[int, WordList]] = {}


def letter_words(text: str) -> list[str]:
    """Runs of letters (digits and punctuation separate words), lowercased: the vocabulary's words."""
    return _LETTERS.findall(text.lower())


class WordList:
    """Distinct words with the number of records holding each; `close()` finds near spellings."""

    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        self.words = sorted(w for w in counts if len(w) >= SHORT_TOKEN)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> WordList:
        counts: dict[str, int] = {}
        for text in texts:
            for word in set(letter_words(text)):
                counts[word] = counts.get(word, 0) + 1
        return cls(counts)

    def add(self, words: Iterable[str]) -> None:
        new = [w for w in words if w not in self.counts]
        for word in new:
            self.counts[word] = 0
        if new:
            self.words = sorted({*self.words, *(w for w in new if len(w) >= SHORT_TOKEN)})

    def __len__(self) -> int:
        return len(self.words)

    def close(self, token: str, limit: int = 5) -> list[str]:
        """Up to `limit` words spelled like `token` (rapidfuzz ratio >= FUZZY_CUTOFF), best first.

        Ties go to the more frequent word, then the alphabetically first.
        """
        if not self.words:
            return []
        from rapidfuzz import fuzz, process

        matches = process.extract(
            token, self.words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit * 4
        )
        matches.sort(key=lambda m: (-m[1], -self.counts.get(m[0], 0), m[0]))
        return [word for word, _, _ in matches[:limit]]


def clear() -> None:
    with _lock:
        _CACHE.clear()


def sqlite_words(connection, table: str) -> WordList:
    """The current word list of an indexed SQLite table (cached per process, reloaded on change)."""
    from .ddl import VERSION_TABLE, vocab_table

    key = (connection.alias, str(connection.settings_dict.get("NAME")), table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {VERSION_TABLE} WHERE tbl = %s", [table])
        row = cursor.fetchone()
        version = row[0] if row else -1
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        cursor.execute(f'SELECT term, doc FROM "{vocab_table(table)}"')
        words = WordList(dict(cursor.fetchall()))
    with _lock:
        _CACHE[key] = (version, words)
    return words


def postgres_words(connection, table: str) -> WordList:
    """The word list of an indexed PostgreSQL table (cached per process, extended with new words)."""
    from .ddl import PG_VOCABULARY

    key = (connection.alias, str(connection.settings_dict.get("NAME")), table)
    with _lock:
        last, words = _CACHE.get(key, (0, None))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, word FROM {PG_VOCABULARY} WHERE tbl = %s AND id > %s ORDER BY id", [table, last]
        )
        rows = cursor.fetchall()
    if words is None:
        words = WordList({word: 0 for _, word in rows})
    elif rows:
        words.add(word for _, word in rows)
    with _lock:
        _CACHE[key] = (rows[-1][0] if rows else last, words)
    return words
