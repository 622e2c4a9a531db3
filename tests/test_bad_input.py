"""Bad files are recorded with a one-line reason; the rest still loads."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from policykb.cli import cli

GOOD = "关于做好2024年住房公积金工作的通知\n各区住房公积金管理部:\n请于2024年12月31日前报送。\n"

BAD = {
    "empty.txt": b"",
    "binary.html": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "invalid.txt": "关于印发".encode("utf-8") + b"\xff\xfe\xfa" + "的通知".encode("utf-8") + b"\xff",
    "slides.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
}


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "good.txt").write_text(GOOD, encoding="utf-8")
    (root / "good_gbk.html").write_bytes(f"<html><body><p>{GOOD}</p></body></html>".encode("gbk"))
    for name, data in BAD.items():
        (root / name).write_bytes(data)
    (root / "vanished.html").symlink_to(root / "no-such-target.html")  # unreadable
    return root


def statuses(db):
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("select path, status from sources"))
    finally:
        conn.close()


def test_each_bad_file_has_a_one_line_reason_and_good_files_load(corpus, tmp_path):
    db = tmp_path / "p.db"
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db)])
    assert result.exit_code == 0, result.output
    status = statuses(db)
    assert status["good.txt"] == status["good_gbk.html"] == "ok"
    assert status["empty.txt"] == "empty file"
    assert status["binary.html"] == "binary data, not text"
    assert status["invalid.txt"].startswith("invalid bytes for every candidate encoding")
    assert status["slides.pdf"] == "unsupported file type .pdf"
    assert status["vanished.html"].startswith("unreadable")
    assert all("\n" not in s for s in status.values())
    assert "7 sources: 2 ok, 5 failed" in result.output


def test_strict_makes_a_failure_exit_1(corpus, tmp_path):
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(tmp_path / "p.db"), "--strict"])
    assert result.exit_code == 1
    assert "7 sources: 2 ok, 5 failed" in result.output


def test_unwritable_database_folder_is_a_one_line_error(corpus, tmp_path):
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(tmp_path / "no" / "such" / "p.db")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write beside")
    assert len(result.output.strip().splitlines()) == 1


def test_a_broken_rule_table_stops_the_build_with_its_file_and_line(tmp_path, monkeypatch):
    import shutil

    from click.testing import CliRunner

    from policykb.cli import cli
    from policykb.extract import confidence, tables

    data = tmp_path / "data"
    shutil.copytree(tables.DATA, data)
    (data / "confidence.tsv").write_text("targets\tyear\tvery\n", encoding="utf-8")
    monkeypatch.setattr(tables, "DATA", data)
    tables.rows.cache_clear()
    confidence.confidence_table.cache_clear()
    from policykb.extract import pipeline

    pipeline.warm_up.cache_clear()
    page = tmp_path / "a.txt"
    page.write_text("关于做好工作的通知\n请于2024年5月31日前报送。", encoding="utf-8")
    try:
        result = CliRunner().invoke(cli, ["build", str(page), "--db", str(tmp_path / "p.db")])
    finally:
        tables.rows.cache_clear()
        confidence.confidence_table.cache_clear()
        pipeline.warm_up.cache_clear()
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: a rule table is broken: extract/data/confidence.tsv: targets/year: "
                                     "confidence 'very' is not a number between 0 and 1")
    assert not (tmp_path / "p.db").exists()
