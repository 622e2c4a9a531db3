"""Issue 18: a build refuses a file that is not a base, and updates a base for
the paths it is given only.

``policykb build PATHS --db X``: X that is not a policykb base (a text file, an
unrelated SQLite database) is refused with one line unless ``--force``; an
existing base keeps the sources of other paths, and for PATHS gets the new
and changed files processed and the vanished ones removed; the summary says
what was added, changed and removed.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

import policykb.build as build_module
from policykb.build import build
from policykb.cli import cli
from tests.helpers import rows

NOTICE = "关于做好{n}号住房公积金工作的通知\n各区住房公积金管理部:\n请于2024年12月{d}日前报送第{n}号材料。\n"


def paths(db: Path) -> dict[str, str]:
    return dict(rows(db, "select path, sha256 from sources"))


def folder(root: Path, name: str, n: int, start: int = 0) -> Path:
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (path / f"{name}_{i}.txt").write_text(NOTICE.format(n=f"{name}{i}", d=i % 28 + 1), encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(cli, ["build", *args, "--workers", "1"])


# ---------------------------------------------------------------------------
# Refusing what is not a base

def test_a_text_file_is_refused_with_one_line_and_left_alone(tmp_path):
    a = folder(tmp_path, "a", 1)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a base\n")
    result = run(str(a), "--db", str(notes))
    assert result.exit_code == 1
    assert result.output == (f"Error: {notes} is not a policykb base (not a SQLite database); "
                             "use --force to overwrite it\n")
    assert notes.read_text() == "my notes, not a base\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "notes.txt"]  # no lock or temporary file


def test_an_unrelated_sqlite_database_is_refused_and_force_overwrites_it(tmp_path):
    a = folder(tmp_path, "a", 2)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("create table sources (path text)")  # one table of ours is not enough
    conn.execute("create table birds (name text)")
    conn.commit()
    conn.close()
    result = run(str(a), "--db", str(other))
    assert result.exit_code == 1
    assert result.output == (f"Error: {other} is not a policykb base (a SQLite database without the documents, "
                             "build_cache tables); use --force to overwrite it\n")
    assert rows(other, "select name from sqlite_master where type = 'table'") == [("sources",), ("birds",)]
    forced = run(str(a), "--db", str(other), "--force")
    assert forced.exit_code == 0, forced.output
    assert "2 sources: 2 ok, 0 failed (2 added, 0 changed, 0 removed)" in forced.output
    assert len(paths(other)) == 2 and not rows(other, "select name from sqlite_master where name = 'birds'")


def test_an_empty_file_is_no_base_to_lose(tmp_path):
    a = folder(tmp_path, "a", 1)
    empty = tmp_path / "new.db"
    empty.touch()
    assert run(str(a), "--db", str(empty)).exit_code == 0
    assert len(paths(empty)) == 1


def test_a_fifo_as_the_base_is_refused(tmp_path):
    import os

    a = folder(tmp_path, "a", 1)
    os.mkfifo(tmp_path / "pipe.db")
    result = run(str(a), "--db", str(tmp_path / "pipe.db"))
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'pipe.db'} is a FIFO, not a database file\n"


# ---------------------------------------------------------------------------
# Updating a base for the given paths

def test_another_folder_is_added_and_the_first_kept(tmp_path):
    a, b = folder(tmp_path, "a", 3), folder(tmp_path, "b", 2)
    db = tmp_path / "p.db"
    assert "3 sources: 3 ok, 0 failed (3 added, 0 changed, 0 removed), 3 documents" in run(str(a), "--db", str(db)).output
    first = paths(db)
    result = run(str(b), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "5 sources: 5 ok, 0 failed (2 added, 0 changed, 0 removed; 3 under other paths kept), 5 documents" \
        in result.output
    assert paths(db) == first | {"b_0.txt": paths(db)["b_0.txt"], "b_1.txt": paths(db)["b_1.txt"]}
    assert rows(db, "select count(*) from documents") == [(5,)]


def test_new_changed_and_vanished_files_under_the_given_path_only(tmp_path):
    a, b = folder(tmp_path, "a", 3), folder(tmp_path, "b", 2)
    db = tmp_path / "p.db"
    build([a], db, workers=1)
    build([b], db, workers=1)
    before = paths(db)
    (a / "a_0.txt").write_text(NOTICE.format(n="a0", d=9) + "补充。\n", encoding="utf-8")  # changed
    (a / "a_1.txt").unlink()  # vanished
    folder(tmp_path, "a", 1, start=7)  # new: a_7.txt
    (b / "b_0.txt").unlink()  # vanished, but under a path not given: kept
    summary = build([a], db, workers=1)
    assert (summary.added, summary.changed, summary.removed, summary.kept, summary.processed) == (1, 1, 1, 2, 2)
    assert summary.changes() == "1 added, 1 changed, 1 removed; 2 under other paths kept"
    after = paths(db)
    assert sorted(after) == ["a_0.txt", "a_2.txt", "a_7.txt", "b_0.txt", "b_1.txt"]
    assert after["a_0.txt"] != before["a_0.txt"] and after["a_2.txt"] == before["a_2.txt"]
    assert {p: after[p] for p in ("b_0.txt", "b_1.txt")} == {p: before[p] for p in ("b_0.txt", "b_1.txt")}
    assert rows(db, "select count(*) from documents") == [(5,)]
    # and once more: nothing changed, the base is not touched
    stamp = db.stat().st_mtime_ns
    again = build([a], db, workers=1)
    assert again.unchanged and db.stat().st_mtime_ns == stamp
    assert build([b], db, workers=1).removed == 1  # b_0.txt, now that b is given


def test_building_a_folder_inside_a_built_one_changes_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    folder(corpus, "a", 2)
    folder(corpus, "b", 2)
    db = tmp_path / "p.db"
    build([corpus], db, workers=1)
    stamp = db.stat().st_mtime_ns
    # The files keep the names the base knows them by (a/a_0.txt), not a_0.txt.
    assert build([corpus / "a"], db, workers=1).unchanged
    assert build([corpus / "a", corpus / "b"], db, workers=1).unchanged
    assert db.stat().st_mtime_ns == stamp
    (corpus / "a" / "a_5.txt").write_text(NOTICE.format(n="a5", d=5), encoding="utf-8")
    summary = build([corpus / "a"], db, workers=1)
    assert (summary.added, summary.kept, summary.sources) == (1, 2, 5)
    assert "a_5.txt" in paths(db)


def test_a_name_taken_by_another_path_gets_its_folder_in_front(tmp_path):
    one, two = tmp_path / "one" / "a", tmp_path / "two" / "a"
    folder(tmp_path / "one", "a", 1)
    shutil.copytree(tmp_path / "one" / "a", two)
    (two / "a_0.txt").write_text(NOTICE.format(n="x", d=3), encoding="utf-8")
    db = tmp_path / "p.db"
    build([one], db, workers=1)
    build([two], db, workers=1)
    assert sorted(paths(db)) == ["a/a_0.txt", "a_0.txt"]
    assert build([one], db, workers=1).unchanged and build([two], db, workers=1).unchanged


def test_force_on_a_base_keeps_only_the_given_paths(tmp_path):
    a, b = folder(tmp_path, "a", 2), folder(tmp_path, "b", 2)
    db = tmp_path / "p.db"
    build([a], db, workers=1)
    build([b], db, workers=1)
    result = run(str(b), "--db", str(db), "--force")
    assert "2 sources: 2 ok, 0 failed (0 added, 0 changed, 2 removed), 2 documents" in result.output
    assert sorted(paths(db)) == ["b_0.txt", "b_1.txt"]


def test_a_base_from_before_files_were_recorded_is_updated_once(tmp_path):
    a, b = folder(tmp_path, "a", 2), folder(tmp_path, "b", 1)
    db = tmp_path / "p.db"
    build([a], db, workers=1)
    conn = sqlite3.connect(db)
    conn.execute("drop table build_files")
    conn.commit()
    conn.close()
    summary = build([b], db, workers=1)  # a's sources: origin unknown, kept
    assert (summary.sources, summary.kept, summary.processed) == (3, 2, 1)
    # a's sources are known by their names; their files are recorded from now on
    summary = build([a], db, workers=1)
    assert (summary.unchanged, summary.processed, summary.kept, summary.removed) == (False, 0, 1, 0)
    assert build([a], db, workers=1).unchanged and build([b], db, workers=1).unchanged


def test_a_pipeline_change_brings_kept_sources_up_to_date_from_their_files(tmp_path, monkeypatch):
    a, b = folder(tmp_path, "a", 2), folder(tmp_path, "b", 2)
    db = tmp_path / "p.db"
    build([a], db, workers=1)
    build([b], db, workers=1)
    (a / "a_1.txt").unlink()  # gone: nothing of it can be brought up to date
    monkeypatch.setattr(build_module, "pipeline_version", lambda: "changed")
    summary = build([b], db, workers=1)
    assert (summary.processed, summary.kept, summary.removed) == (3, 1, 1)
    assert summary.changes() == "0 added, 0 changed, 1 removed; 1 under other paths kept; 3 processed"
    assert sorted(paths(db)) == ["a_0.txt", "b_0.txt", "b_1.txt"]
    assert set(rows(db, "select version from build_cache")) == {("changed",)}


def test_vanished_files_are_removed_from_every_table(tmp_path):
    a = folder(tmp_path, "a", 3)
    db = tmp_path / "p.db"
    build([a], db, workers=1)
    doomed = rows(db, "select document_id from sources where path = 'a_2.txt'")[0][0]
    (a / "a_2.txt").unlink()
    summary = build([a], db, workers=1)
    assert summary.removed == 1 and summary.sources == 2
    for table in ("documents", "deadlines", "cleaning_edits"):
        column = "id" if table == "documents" else "document_id"
        assert rows(db, f"select count(*) from {table} where {column} = ?", doomed) == [(0,)], table
    assert rows(db, "select count(*) from build_cache where path = 'a_2.txt'") == [(0,)]


def test_a_file_under_two_of_the_given_paths_is_one_source(tmp_path):
    corpus = tmp_path / "corpus"
    folder(corpus, "a", 2)
    db = tmp_path / "p.db"
    summary = build([corpus, corpus / "a", corpus / "a" / "a_0.txt"], db, workers=1)
    assert summary.sources == 2 and sorted(paths(db)) == ["a/a_0.txt", "a/a_1.txt"]
