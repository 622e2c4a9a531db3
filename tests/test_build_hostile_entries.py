"""Issue 19: nothing under the given paths stops a build.

Bad sidecars cost only themselves; a file name that is not UTF-8 is stored
with its bytes shown as ``\\xNN``; only regular files are read (a FIFO, a
socket, a device, or a link to one, is never opened); a symlink is followed
only when its target is inside the given paths; a file over the size cap is
not read; every entry that is not read has a ``sources`` row saying why; a
base reached through a symlink is locked and written as the real file, the
link kept.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import policykb.build as build_module
import policykb.process as process_module
from policykb.build import BuildError, build, build_lock
from policykb.cli import cli
from policykb.process import load_sidecar
from tests.helpers import rows

ROOT = Path(__file__).resolve().parent.parent
GOOD = "关于做好2024年住房公积金工作的通知\n各区住房公积金管理部:\n请于2024年12月31日前报送。\n"


def statuses(db: Path) -> dict[str, str]:
    return dict(rows(db, "select path, status from sources"))


# ---------------------------------------------------------------------------
# Sidecars

BAD_SIDECARS = {
    "url_list.html": ('{"final_url": ["a", "b"], "retrieved_at": "2026-01-02T03:04:05"}',
                      "sidecar: ignored final_url (a list, not text)"),
    "url_object.html": ('{"final_url": {"href": "x"}, "status_code": 200}',
                        "sidecar: ignored final_url (an object, not text)"),
    "status_list.html": ('{"final_url": "https://example.gov.cn/a.html", "status_code": [200]}',
                         "sidecar: ignored status_code (a list, not a whole number)"),
    "top_null.html": ("null", "sidecar ignored: JSON null, not an object"),
    "top_list.html": ("[1, 2, 3]", "sidecar ignored: JSON a list, not an object"),
    "top_number.html": ("42", "sidecar ignored: JSON a number, not an object"),
    "not_json.html": ("{'final_url': ", "sidecar ignored: not JSON in UTF-8"),
    "not_utf8.html": (b"\xff\xfe{}", "sidecar ignored: not JSON in UTF-8"),
    "deep.html": ("[" * 100_000 + "]" * 100_000, "sidecar ignored: not JSON in UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BAD_SIDECARS))
def test_a_bad_sidecar_is_ignored_with_a_warning(tmp_path, name):
    text, warning = BAD_SIDECARS[name]
    side = tmp_path / (name + ".metadata.json")
    side.write_bytes(text if isinstance(text, bytes) else text.encode())
    sidecar, said = load_sidecar(side)
    assert said == warning
    assert all(isinstance(v, (str, int, type(None))) for v in vars(sidecar).values())


def test_a_sidecar_keeps_its_good_fields_and_reads_a_status_given_as_text(tmp_path):
    side = tmp_path / "a.html.metadata.json"
    side.write_text(json.dumps({"final_url": ["x"], "requested_url": "https://a.gov.cn/1.html",
                                "retrieved_at": "2026-01-02", "status_code": "200"}))
    sidecar, warning = load_sidecar(side)
    assert (sidecar.url, sidecar.fetched_at, sidecar.http_status) == ("https://a.gov.cn/1.html", "2026-01-02", 200)
    assert warning == "sidecar: ignored final_url (a list, not text)"


def test_no_sidecar_or_a_name_too_long_for_one_is_no_warning(tmp_path):
    assert load_sidecar(tmp_path / "missing.html.metadata.json")[1] is None
    assert load_sidecar(tmp_path / ("x" * 250 + ".html.metadata.json"))[1] is None


def test_bad_sidecars_cost_only_themselves_and_the_build_says_so(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, (text, _) in BAD_SIDECARS.items():
        (corpus / name).write_text(f"<html><body><p>{GOOD}</p></body></html>", encoding="utf-8")
        (corpus / (name + ".metadata.json")).write_bytes(text if isinstance(text, bytes) else text.encode())
    (corpus / "fine.html").write_text(f"<html><body><p>{GOOD}</p></body></html>", encoding="utf-8")
    (corpus / "fine.html.metadata.json").write_text('{"final_url": "https://a.gov.cn/x.html", "status_code": 200}')
    db = tmp_path / "p.db"
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert set(statuses(db).values()) == {"ok"}
    for name, (_, warning) in BAD_SIDECARS.items():
        assert f"warning: {name}: {warning}" in result.output
    assert rows(db, "select url, http_status from sources where path = 'fine.html'") == \
        [("https://a.gov.cn/x.html", 200)]
    assert rows(db, "select url, fetched_at from sources where path = 'url_list.html'") == \
        [(None, "2026-01-02T03:04:05")]
    assert f"{len(BAD_SIDECARS) + 1} sources: {len(BAD_SIDECARS) + 1} ok, 0 failed" in result.output


def test_a_pool_build_with_bad_sidecars_goes_on(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(10):
        (corpus / f"p{i}.html").write_text(f"<html><body><p>{GOOD}{i}</p></body></html>", encoding="utf-8")
        (corpus / f"p{i}.html.metadata.json").write_text(["null", "[1,2,3]", '{"final_url": [1]}'][i % 3])
    summary = build([corpus], tmp_path / "p.db", workers=2)
    assert (summary.ok, summary.failed, summary.warnings) == (10, 0, 10)


# ---------------------------------------------------------------------------
# File names

def test_a_file_name_that_is_not_utf8_is_stored_with_its_bytes_shown(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    raw = os.fsencode(str(corpus)) + b"/bad_\xff\xfe.txt"
    with open(raw, "wb") as fh:
        fh.write((GOOD + "二").encode("utf-8"))
    folder = os.fsencode(str(corpus)) + b"/dir_\xe9"
    os.mkdir(folder)
    with open(folder + b"/in\\side.txt", "wb") as fh:  # a backslash in a name that is not UTF-8 doubles
        fh.write((GOOD + "三").encode("utf-8"))
    db = tmp_path / "p.db"
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert statuses(db) == {"good.txt": "ok", "bad_\\xff\\xfe.txt": "ok", "dir_\\xe9/in\\side.txt": "ok"}
    # unchanged input: nothing to do
    assert build([corpus], db, workers=1).unchanged


def test_a_name_of_244_bytes_loads(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "长" * 80 + ".txt"  # 244 bytes: its sidecar's name would be too long to exist
    assert len(name.encode()) == 244
    (corpus / name).write_text(GOOD, encoding="utf-8")
    build([corpus], tmp_path / "p.db", workers=1)
    assert statuses(tmp_path / "p.db") == {name: "ok"}


# ---------------------------------------------------------------------------
# What is not a regular file inside the given paths

EXPECTED = {
    "good.txt": "ok",
    "link_inside.txt": "ok",  # a link to a file inside the given paths is followed
    "fifo.txt": "skipped: a FIFO, not a regular file",
    "link_to_fifo.txt": "skipped: a symlink to a FIFO, not a regular file",
    "socket.txt": "skipped: a socket, not a regular file",
    "link_to_dev_zero.txt": "skipped: a symlink to somewhere outside the given paths",
    "link_to_passwd.txt": "skipped: a symlink to somewhere outside the given paths",
    "link_to_folder": "skipped: a symlink to a folder (links to folders are not followed)",
    "link_loop.txt": "unreadable: Too many levels of symbolic links",
    "dangling.txt": "unreadable: No such file or directory",
    "big.txt": "too large: 0.0 MB, over the 0 MB limit for one file",
    "inner/good.html": "ok",
}


def make_hostile(root: Path) -> Path:
    root.mkdir()
    (root / "good.txt").write_text(GOOD, encoding="utf-8")
    (root / "inner").mkdir()
    (root / "inner" / "good.html").write_text(f"<p>{GOOD}四</p>", encoding="utf-8")
    (root / "link_inside.txt").symlink_to(root / "inner" / "good.html")
    os.mkfifo(root / "fifo.txt")
    (root / "link_to_fifo.txt").symlink_to(root / "fifo.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "socket.txt"))
    sock.close()
    (root / "link_to_dev_zero.txt").symlink_to("/dev/zero")
    (root / "link_to_passwd.txt").symlink_to("/etc/passwd")
    (root / "link_to_folder").symlink_to(root / "inner")
    (root / "link_loop.txt").symlink_to(root / "link_loop.txt")
    (root / "dangling.txt").symlink_to(root / "nothing.txt")
    (root / "big.txt").write_text(GOOD * 20, encoding="utf-8")
    return root


def test_hostile_entries_are_each_accounted_for_and_never_opened(tmp_path):
    # In a child process with a deadline: a FIFO that is opened hangs the
    # build for good, which must fail this test, not hang the suite.
    corpus = make_hostile(tmp_path / "corpus")
    db = tmp_path / "p.db"
    code = ("import sys; from pathlib import Path; import policykb.process as p; p.MAX_FILE_BYTES = 1000\n"
            "from policykb.cli import cli; cli(sys.argv[1:])")
    proc = subprocess.run([sys.executable, "-c", code, "build", str(corpus), "--db", str(db), "--workers", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    status = statuses(db)
    big = status.pop("big.txt")
    assert big.startswith("too large: 0.0") and big.endswith("over the 0 MB limit for one file")
    assert status == {k: v for k, v in EXPECTED.items() if k != "big.txt"}
    assert f"{len(EXPECTED)} sources: 3 ok, {len(EXPECTED) - 3} failed" in proc.stdout
    assert "Traceback" not in proc.stderr
    # nothing outside the given paths was read
    assert rows(db, "select count(*) from documents where raw_text like '%root:%' or body like '%root:%'") == [(0,)]
    # a second build: nothing changed, nothing done
    again = subprocess.run([sys.executable, "-c", code, "build", str(corpus), "--db", str(db), "--workers", "1"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "(unchanged)" in again.stdout, again.stdout + again.stderr


def test_a_pool_build_beside_hostile_entries_ends(tmp_path, monkeypatch):
    corpus = make_hostile(tmp_path / "corpus")
    for i in range(10):
        (corpus / f"more_{i}.txt").write_text(GOOD + str(i), encoding="utf-8")
    monkeypatch.setattr(process_module, "MAX_FILE_BYTES", 1000)
    summary = build([corpus], tmp_path / "p.db", workers=2)
    assert (summary.sources, summary.ok) == (len(EXPECTED) + 10, 13)


def test_a_link_given_on_the_command_line_is_followed_and_a_fifo_given_is_skipped(tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_text(GOOD, encoding="utf-8")
    (tmp_path / "named.txt").symlink_to(outside)
    os.mkfifo(tmp_path / "pipe.txt")
    db = tmp_path / "p.db"
    build([tmp_path / "named.txt", tmp_path / "pipe.txt"], db, workers=1)
    assert statuses(db) == {"named.txt": "ok", "pipe.txt": "skipped: a FIFO, not a regular file"}


def test_a_sidecar_that_is_a_fifo_or_a_link_outside_is_ignored(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.html", "b.html"):
        (corpus / name).write_text(f"<p>{GOOD}{name}</p>", encoding="utf-8")
    os.mkfifo(corpus / "a.html.metadata.json")
    (tmp_path / "secret.json").write_text('{"final_url": "file:///secret"}')
    (corpus / "b.html.metadata.json").symlink_to(tmp_path / "secret.json")
    db = tmp_path / "p.db"
    messages = []
    build([corpus], db, workers=1, log=messages.append)
    assert statuses(db) == {"a.html": "ok", "b.html": "ok"}
    assert rows(db, "select url from sources") == [(None,), (None,)]
    assert "warning: a.html: sidecar ignored: not a regular file (a FIFO)" in messages
    assert "warning: b.html: sidecar ignored: a symlink to somewhere outside the given paths" in messages


def test_an_unreadable_folder_has_a_row(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path):  # chmod 000 does not stop root: fake the EACCES
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    build([corpus], tmp_path / "p.db", workers=1)
    assert statuses(tmp_path / "p.db") == {"good.txt": "ok", "locked": "unreadable folder: Permission denied"}


def test_folders_nested_deeper_than_the_recursion_limit_are_walked(tmp_path):
    corpus = tmp_path / "corpus"
    deepest = corpus.joinpath(*["d"] * 300)
    deepest.mkdir(parents=True)
    (deepest / "page.txt").write_text(GOOD, encoding="utf-8")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        entries = list(build_module.iter_entries([corpus], tmp_path))
    finally:
        sys.setrecursionlimit(limit)
    assert [(e.rel, e.skip) for e in entries] == [("d/" * 300 + "page.txt", None)]


# ---------------------------------------------------------------------------
# The base behind a symlink

def test_a_base_built_through_a_symlink_keeps_the_link_and_locks_the_real_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    real = tmp_path / "store" / "real.db"
    real.parent.mkdir()
    link = tmp_path / "link.db"
    link.symlink_to(real)  # dangling until the first build
    build([corpus], link, workers=1)
    assert link.is_symlink() and real.is_file()
    assert statuses(real) == {"good.txt": "ok"}
    assert (real.parent / "real.db.lock").exists() and not (tmp_path / "link.db.lock").exists()
    (corpus / "two.txt").write_text(GOOD + "二", encoding="utf-8")
    build([corpus], link, workers=1)
    assert link.is_symlink() and len(statuses(real)) == 2
    with build_lock(real):
        with pytest.raises(BuildError, match=f"another build is writing {link}"):
            build([corpus], link, workers=1)


def test_the_new_base_reaches_the_disk_before_and_after_its_rename(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real_fsync(fd)))
    build([corpus], tmp_path / "p.db", workers=1)
    assert any(path.endswith(".tmp") for path in synced) and str(tmp_path) in synced
