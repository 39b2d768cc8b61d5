"""Word lists for the fuzzy step: close spellings of a query token, without scanning any table.

The words are runs of letters ("cdkn1a" holds "cdkn" and "a"). A query token of letters is corrected to
the most similar words (`WordList.close`); a token with digits ("smda4", "cdnk1a") one run of letters at
a time, by one edit that leaves a run of the list (`WordList.alnum_close`: "smda" -> "smad" gives
"smad4"), so its digits stay as typed.

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

from rapidfuzz import fuzz, process

from .ddl import PG_VOCABULARY, VERSION_TABLE, table_cache, vocab_table
from .ranking import FUZZY_CUTOFF, SHORT_TOKEN, correctable, has_digit, typo_cost

_LETTERS = re.compile(r"[^\W\d_]+")
# a token's runs: letters, digits, anything else
_RUNS = re.compile(r"[^\W\d_]+|\d+|[\W_]+")
# close spellings of a token with digits asked for, at most
ALNUM_SPELLINGS = 8
# edit kinds, the likelier misspelling first: "stta" for "stat", "staat" for "stat", "smd" for "smad", "stst"
_TRANSPOSED, _EXTRA, _DROPPED, _WRONG = range(4)
_lock = threading.Lock()
# (alias, database name, table) -> (version, WordList)
_CACHE: dict[tuple, tuple[int, WordList]] = table_cache(_lock)


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

    def alnum_close(self, token: str, limit: int = ALNUM_SPELLINGS) -> list[str]:
        """Up to `limit` spellings of a token with digits at one edit of one of its runs of letters that
        leaves a run of the list; the digits stay. Runs of 1-2 letters are only transposed or shortened
        (any letter would make some run of the list there). Likelier edits first, then frequent runs."""
        runs = _RUNS.findall(token)
        found: dict[str, tuple] = {}
        for i, run in enumerate(runs):
            if not run[0].isalpha():
                continue
            for kind, edited in _edits(run, short=len(run) < SHORT_TOKEN):
                if edited and edited not in self.counts:
                    continue
                spelling = "".join(runs[:i]) + edited + "".join(runs[i + 1 :])
                if spelling == token or len(spelling) < SHORT_TOKEN:
                    continue
                key = (kind, -self.counts.get(edited, 0), spelling)
                if spelling not in found or key < found[spelling]:
                    found[spelling] = key
        return sorted(found, key=found.__getitem__)[:limit]

    def close(self, token: str, limit: int = 5) -> list[str]:
        """Up to `limit` words spelled like `token` (rapidfuzz ratio >= FUZZY_CUTOFF), best first: fewer
        edits, the likelier kind of edit (`ranking.typo_cost`), higher similarity, the more frequent word,
        the alphabetically first."""
        if not self.words:
            return []

        matches = process.extract(
            token, self.words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit * 10
        )
        ranked = []
        for word, score, _ in matches:
            cost = typo_cost(token, word)
            if cost is not None:
                ranked.append((cost, -score, -self.counts.get(word, 0), word))
        ranked.sort()
        return [word for *_, word in ranked[:limit]]


def _edits(run: str, short: bool):
    """(kind, edited run) for the runs one edit away from `run` (an empty one: a one-letter run removed)."""
    letters = sorted(set("abcdefghijklmnopqrstuvwxyz" + run))
    for i in range(len(run) - 1):
        if run[i] != run[i + 1]:
            yield _TRANSPOSED, run[:i] + run[i + 1] + run[i] + run[i + 2 :]
    for i in range(len(run)):
        yield _EXTRA, run[:i] + run[i + 1 :]
    if short:
        return
    for i in range(len(run) + 1):
        for letter in letters:
            yield _DROPPED, run[:i] + letter + run[i:]
    for i in range(len(run)):
        for letter in letters:
            if letter != run[i]:
                yield _WRONG, run[:i] + letter + run[i + 1 :]


def corrections(token: str, words: WordList) -> list[str]:
    """Close spellings to look for (as whole words) in place of a query token, best first; none for a
    token that cannot be a misspelling (short, or no letter). (The engine asks only when the query as
    typed matches no record word for word.)"""
    if not correctable(token):
        return []
    if has_digit(token):
        return words.alnum_close(token)
    return [w for w in words.close(token) if w != token and len(w) >= SHORT_TOKEN]


def sqlite_words(connection, table: str) -> WordList:
    """The current word list of an indexed SQLite table (cached per process, reloaded on change)."""
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
