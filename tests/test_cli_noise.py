"""Noise and silence (issue 18): a long build shows progress, a short one
only its summary; serving a file that is not a base, or a 404, costs one
line; ``show`` puts the records first; ``pip install`` warns of nothing."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import policykb.cli as cli_module
from policykb.build import build
from policykb.cli import BuildProgress, cli

ROOT = Path(__file__).resolve().parent.parent
POLICYKB = str(Path(sys.executable).with_name("policykb"))
GOOD = "关于做好{n}号住房公积金工作的通知\n各区住房公积金管理部:\n请于2024年12月{d}日前报送第{n}号材料。\n市住房公积金中心\n2024年1月{d}日\n"


def make_corpus(root: Path, n: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"notice_{i:04d}.txt").write_text(GOOD.format(n=i, d=i % 28 + 1), encoding="utf-8")
    return root


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


# ---------------------------------------------------------------------------
# Build progress


def test_a_short_build_prints_its_summary_and_nothing_else(tmp_path):
    corpus = make_corpus(tmp_path / "c", 3)
    run = subprocess.run([POLICYKB, "build", str(corpus), "--db", str(tmp_path / "p.db")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert re.fullmatch(r"3 sources: 3 ok, 0 failed \(3 added, 0 changed, 0 removed\), 3 documents in [\d.]+ s → .*\n",
                        run.stdout)


def test_a_long_build_off_a_terminal_prints_plain_progress_lines(tmp_path, monkeypatch):
    # Every file "takes" the whole interval: a line after each.
    monkeypatch.setattr(cli_module, "LINE_EVERY", 0.0)
    corpus = make_corpus(tmp_path / "c", 3)
    (corpus / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(tmp_path / "p.db"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "processing 4 of 4 files on 1 cores"
    progress = lines[1:5]
    assert [re.match(r"processing: (\d) of 4 files, [\d,]+ files/s, .* left, (\d) failed$", line).group(1)
            for line in progress] == ["1", "2", "3", "4"], lines
    assert progress[-1].endswith(", 1 failed")
    assert re.fullmatch(r"processed 4 files in \d+ s, 1 failed", lines[5])
    assert lines[6:] == ["failures: select path, status from sources where status != 'ok'"]
    assert result.stdout.startswith("4 sources: 3 ok, 1 failed")


def test_plain_lines_come_every_ten_seconds_with_rate_and_time_left():
    clock, out = Clock(), io.StringIO()
    progress = BuildProgress(out, clock=clock)
    progress.start(1000, 1200, 8)
    for i in range(100):  # 100 files in 9.9 s: quiet
        clock.now += 0.099
        progress.done(failed=i % 50 == 0)
    assert out.getvalue() == ""
    clock.now += 0.1
    progress.done(failed=False)
    assert out.getvalue().splitlines() == ["processing 1,000 of 1,200 files on 8 cores",
                                           "processing: 101 of 1,000 files, 10 files/s, 1 min 29 s left, 2 failed"]
    for _ in range(99):
        clock.now += 0.099
        progress.done(failed=False)
    assert len(out.getvalue().splitlines()) == 2
    progress.end()
    progress.end()  # the build's own end comes after processing's: said once
    assert out.getvalue().splitlines()[2:] == ["processed 200 files in 20 s, 2 failed"]


def test_a_build_that_ends_quickly_says_nothing_even_at_its_end():
    clock, out = Clock(), Terminal()
    progress = BuildProgress(out, clock=clock)
    progress.start(50, 50, 4)
    for _ in range(50):
        clock.now += 0.01
        progress.done(failed=False)
    progress.end()
    assert out.getvalue() == ""


def test_on_a_terminal_a_click_bar_shows_position_rate_time_left_and_failures():
    clock, out = Clock(), Terminal()
    progress = BuildProgress(out, clock=clock)
    progress.start(100, 120, 2)
    for i in range(30):
        clock.now += 0.1
        progress.done(failed=i == 3)
    progress.end()
    text = out.getvalue()
    assert "processing 100 of 120 files on 2 cores" in text
    assert not re.search(r"\s0/100", text)  # drawn where processing is, not from 0
    assert re.search(r"\[#+-+\]\s+20/100\s+10 files/s, 8 s left, 1 failed", text), text
    assert re.search(r"30/100\s+10 files/s, 7 s left, 1 failed", text), text
    assert text.endswith("\n")  # the bar's line is finished before the summary


def test_progress_costs_nothing_measurable_per_file():
    # One clock read per file: 200,000 files in well under a second (a file
    # takes milliseconds to process).
    progress = BuildProgress(io.StringIO())
    progress.start(200_000, 200_000, 8)
    t0 = time.perf_counter()
    for _ in range(200_000):
        progress.done(False)
    assert time.perf_counter() - t0 < 1.0


def test_the_library_without_a_progress_reporter_logs_one_line(tmp_path):
    lines = []
    build([make_corpus(tmp_path / "c", 2)], tmp_path / "p.db", workers=1, log=lines.append)
    assert lines == ["processing 2 of 2 files on 1 cores"]


def test_a_build_that_fails_ends_the_bar_before_the_error(tmp_path, monkeypatch):
    import policykb.build as build_module

    monkeypatch.setattr(cli_module, "LINE_EVERY", 0.0)

    def broken(*args, **kwargs):
        raise build_module.BuildError("cannot write p.db: disk full")

    corpus = make_corpus(tmp_path / "c", 2)
    monkeypatch.setattr(build_module, "assemble", broken)
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(tmp_path / "p.db"), "--workers", "1"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert re.fullmatch(r"processed 2 files in \d+ s, 0 failed", lines[-2])
    assert lines[-1].startswith("Error: cannot write")


# ---------------------------------------------------------------------------
# Serving


@pytest.mark.parametrize("content, why", [(b"my notes\n", "not a SQLite database"), (b"", "an empty file")])
def test_serving_a_file_that_is_not_a_base_is_one_line(tmp_path, content, why):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(content)
    run = subprocess.run([POLICYKB, "serve", "--db", str(notes), "--port", "1"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr == f"Error: {notes} is not a policykb base ({why}); build one with: policykb build --db {notes}\n"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_404_and_a_bad_query_are_one_line_each_in_the_server_log(tmp_path):
    import urllib.error
    import urllib.request

    db = tmp_path / "base.db"
    build([make_corpus(tmp_path / "c", 2)], db, workers=1)
    port = _free_port()
    log = open(tmp_path / "serve.log", "w+")
    server = subprocess.Popen([POLICYKB, "serve", "--db", str(db), "--port", str(port)], stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        before = (tmp_path / "serve.log").read_text().splitlines()
        for path, status in (("/nope", 404), ("/base/nosuchtable", 404), ("/base.json?sql=select+nosuch", 400)):
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(url + path, timeout=10)
            assert e.value.code == status
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = (tmp_path / "serve.log").read_text().splitlines()[len(before):]
    answered = [line for line in lines if '" 40' in line]
    assert [line.split(" - ", 1)[1] for line in answered] == [
        '"GET /nope HTTP/1.1" 404 Not Found', '"GET /base/nosuchtable HTTP/1.1" 404 Not Found',
        '"GET /base.json?sql=select+nosuch HTTP/1.1" 400 Bad Request'], lines
    # Besides the access log: Datasette's own line for the bad SQL, nothing else.
    others = [line for line in lines if line not in answered and not line.startswith("INFO:")]
    assert len(others) <= 1 and all("no such column: nosuch" in line for line in others), lines
    assert len(lines) <= 8, lines


def test_an_error_behind_a_500_is_one_line(capsys):
    import datasette.handle_exception as handler

    cli_module.quiet_datasette_errors()
    assert handler.rich is None
    try:
        {}["missing"]
    except KeyError:
        handler.traceback.print_exc()
    assert capsys.readouterr().err == "error: KeyError: 'missing'\n"


# ---------------------------------------------------------------------------
# show

TRADITIONAL_SEED = ROOT / "corpus" / "seeds" / "001_e9cd305580c4bbfd.txt"
RECORDS = ["citations", "targets", "deadlines", "periods", "responsibilities", "duties"]


def test_show_puts_the_records_and_a_cleaning_summary_first_and_leaves_the_edit_log_out():
    result = CliRunner().invoke(cli, ["show", str(TRADITIONAL_SEED)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["path", "sha256", "status", "encoding", "sidecar", "document", *RECORDS, "cleaning", "body"]
    lines = result.stdout.splitlines()
    assert lines.index(' "citations": [') < 40
    assert len(lines) < 2000  # was 16,840 with the edit log
    cleaning = out["cleaning"]
    assert cleaning["traditional"] is True
    assert cleaning["edit_count"] == sum(cleaning["edits_by_kind"].values()) > 1000
    counts = list(cleaning["edits_by_kind"].values())
    assert counts == sorted(counts, reverse=True) and cleaning["edits_by_kind"]["convert"] == counts[0]


def test_show_with_edits_adds_every_edit_last():
    result = CliRunner().invoke(cli, ["show", "--edits", str(TRADITIONAL_SEED)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out)[-3:] == ["cleaning", "body", "edits"]
    assert len(out["edits"]) == out["cleaning"]["edit_count"]
    assert set(out["edits"][0]) == {"kind", "start", "end", "original", "replacement", "note"}


# ---------------------------------------------------------------------------
# Packaging


@pytest.mark.slow
def test_building_the_wheel_warns_of_nothing_and_installs_the_modules_and_data(tmp_path):
    import zipfile

    run = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(tmp_path)],
                         capture_output=True, text=True, timeout=600)
    if run.returncode and "No matching distribution" in run.stdout + run.stderr:
        pytest.skip("setuptools for the build cannot be fetched (offline)")
    assert run.returncode == 0, run.stderr
    assert "warn" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
    names = set(zipfile.ZipFile(next(tmp_path.glob("policykb-*.whl"))).namelist())
    for module in ("policykb/cli.py", "policykb/ingest/__init__.py", "policykb/extract/__init__.py",
                   "policykb/db/__init__.py"):
        assert module in names
    for folder, pattern in ((ROOT / "ingest" / "data", "policykb/ingest/data/"),
                            (ROOT / "extract" / "data", "policykb/extract/data/"),
                            (ROOT / "policykb" / "templates", "policykb/templates/")):
        assert {pattern + p.name for p in folder.iterdir() if p.is_file()} <= names
    assert not any(n.split("/")[0] in ("ingest", "extract", "db") for n in names)
