"""What per-label record counts kept by triggers would cost writes (benchmarks/SUMMARIES.md, issue 22 item 2).

    python benchmarks/label_count_triggers.py

A scratch SQLite database (in the temporary folder) with the label link table's columns and indexes (as
lamin_core's ArtifactULabel) and a count per label kept in the writing transaction: an insert counts the
record once per label (not when another link, through another feature, already leads from it to the
label) if the record is visible, a delete uncounts it, a change of the record's `_branch_code` moves its
labels' counts. Three times each, with and without the triggers: 200,000 links inserted in one
transaction, 2,000 records with 4 links each in a transaction of their own, 5,000 saves of a record (an
UPDATE of its columns, its branch unchanged). Prints wall and CPU ms, and the load average.
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time

SCHEMA = """
CREATE TABLE a (id integer primary key autoincrement, _branch_code integer not null default 1, key text);
CREATE TABLE l (id integer primary key autoincrement, created_at datetime not null, label_ref_is_name bool,
  feature_ref_is_name bool, artifact_id integer not null, feature_id integer, run_id integer,
  ulabel_id integer not null, created_by_id integer not null);
CREATE INDEX l_a ON l(artifact_id); CREATE INDEX l_f ON l(feature_id); CREATE INDEX l_r ON l(run_id);
CREATE INDEX l_u ON l(ulabel_id); CREATE INDEX l_c ON l(created_by_id);
CREATE INDEX l_ufa ON l(ulabel_id, feature_id, artifact_id);
CREATE TABLE c (ulabel_id integer primary key, n integer not null);
"""
# `+x.ulabel_id`: the record's few links by the artifact index, not the label's thousands by the label one
TRIGGERS = """
CREATE TRIGGER l_ins AFTER INSERT ON l
WHEN (SELECT _branch_code FROM a WHERE id = NEW.artifact_id) = 1
 AND NOT EXISTS (SELECT 1 FROM l x WHERE x.artifact_id = NEW.artifact_id AND +x.ulabel_id = NEW.ulabel_id
                 AND x.id <> NEW.id)
BEGIN INSERT INTO c(ulabel_id, n) VALUES (NEW.ulabel_id, 1)
 ON CONFLICT(ulabel_id) DO UPDATE SET n = n + 1; END;
CREATE TRIGGER l_del AFTER DELETE ON l
WHEN (SELECT _branch_code FROM a WHERE id = OLD.artifact_id) = 1
 AND NOT EXISTS (SELECT 1 FROM l x WHERE x.artifact_id = OLD.artifact_id AND +x.ulabel_id = OLD.ulabel_id)
BEGIN UPDATE c SET n = n - 1 WHERE ulabel_id = OLD.ulabel_id; END;
CREATE TRIGGER a_branch AFTER UPDATE OF _branch_code ON a
WHEN (OLD._branch_code = 1) <> (NEW._branch_code = 1)
BEGIN UPDATE c SET n = n + CASE WHEN NEW._branch_code = 1 THEN 1 ELSE -1 END
 WHERE ulabel_id IN (SELECT ulabel_id FROM l WHERE artifact_id = NEW.id); END;
"""
INSERT = "INSERT INTO l(created_at, artifact_id, feature_id, ulabel_id, created_by_id) VALUES (?, ?, ?, ?, ?)"


def timed(work) -> str:
    started, cpu = time.perf_counter(), time.process_time()
    work()
    return f"{(time.perf_counter() - started) * 1000:.0f} / {(time.process_time() - cpu) * 1000:.0f}"


def run(triggers: bool, records: int = 100_000) -> list[str]:
    """The three writes on a fresh database: wall / CPU ms each."""
    path = os.path.join(tempfile.gettempdir(), "label_count_triggers.db")
    for end in ("", "-wal", "-shm"):
        if os.path.exists(path + end):
            os.remove(path + end)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA + (TRIGGERS if triggers else ""))
    db.execute("BEGIN")
    db.executemany("INSERT INTO a(key) VALUES (?)", ((f"k{i}",) for i in range(records)))
    db.execute("COMMIT")
    rnd = random.Random(0)
    links = [
        ("2025-01-01 00:00:00", i, None, label, 1)
        for i in range(1, records + 1)
        for label in rnd.sample(range(1, 51), 2)
    ]

    def bulk():
        db.execute("BEGIN")
        db.executemany(INSERT, links)
        db.execute("COMMIT")

    def one_by_one():
        for _ in range(2000):
            db.execute("BEGIN")
            record = db.execute("INSERT INTO a(key) VALUES ('x')").lastrowid
            for label in (3, 7, 11, 13):
                db.execute(INSERT, ("2025-01-01 00:00:00", record, 2, label, 1))
            db.execute("COMMIT")

    def saves():
        for i in range(1, 5001):
            db.execute("UPDATE a SET _branch_code = 1, key = ? WHERE id = ?", (f"y{i}", i))

    found = [timed(bulk), timed(one_by_one), timed(saves)]
    db.close()
    return found


def main() -> None:
    for _ in range(3):
        for triggers in (False, True):
            bulk, one_by_one, saves = run(triggers)
            print(
                f"triggers={triggers}: 200,000 links in one transaction {bulk} ms (wall / CPU); "
                f"2,000 records x 4 links {one_by_one}; 5,000 saves {saves}",
                flush=True,
            )
    print("load average", os.getloadavg())


if __name__ == "__main__":
    main()
