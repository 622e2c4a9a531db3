"""Faults: stuck or dying workers, a build killed mid-way, a full disk, a
read-only target, two builds at once.

The pool tests use ``policykb.workers.run_jobs`` directly; the build tests run
``policykb build`` as a subprocess (so it can be SIGKILLed) or through Click's
``CliRunner``.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import policykb.build as build_module
from policykb.db import store
from policykb.cli import cli
from policykb.workers import JobCrash, JobError, JobTimeout, PoolError, run_jobs

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------
# The pool


def _job(x):
    if x == "catastrophic":
        # Exponential backtracking inside one C call: no signal gets in.
        re.match(r"(a+)+$", "a" * 40 + "b")
        return "finished?"
    if x == "exit":
        os._exit(3)
    if x == "oom-killed":
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
    if x == "raise":
        raise ValueError("bad\nvalue")
    if x == "unpicklable":
        return lambda: None
    return x * 2


def test_a_job_stuck_in_a_catastrophic_regex_times_out_and_the_rest_complete():
    jobs = [1, 2, "catastrophic", 3, 4, 5, 6, 7]
    started = time.monotonic()
    out = dict(run_jobs(_job, jobs, workers=2, budget=1.0))
    elapsed = time.monotonic() - started
    assert out[2] == JobTimeout(1.0)
    assert out[2].reason == "took longer than the 1 s budget for one file"
    assert {i: out[i] for i in out if i != 2} == {i: j * 2 for i, j in enumerate(jobs) if i != 2}
    assert elapsed < 1.0 + 1.0


def test_a_worker_that_dies_is_a_crash_with_its_exit_status_and_is_replaced():
    jobs = [1, "exit", 2, "oom-killed", 3, "raise", 4, "unpicklable", 5]
    out = dict(run_jobs(_job, jobs, workers=2, budget=10))
    assert out[1] == JobCrash(3)
    assert out[3] == JobCrash(-signal.SIGKILL)
    assert out[3].reason == "worker process killed by SIGKILL while processing the file"
    assert out[5] == JobError("ValueError: bad value")
    assert isinstance(out[7], JobError) and out[7].error.startswith("result cannot be sent back")
    assert [out[i] for i in (0, 2, 4, 6, 8)] == [2, 4, 6, 8, 10]


@pytest.mark.parametrize("workers,batch", [(1, 1), (2, 4), (3, 7)])
def test_every_job_is_reported_once_in_input_order(workers, batch):
    jobs = list(range(500))
    out = list(run_jobs(_job, jobs, workers=workers, budget=10, batch=batch, ordered=True))
    assert out == [(i, i * 2) for i in jobs]


def test_jobs_are_streamed_not_queued_all_at_once():
    pulled = []

    def jobs():
        for i in range(100_000):
            pulled.append(i)
            yield i

    results = run_jobs(_job, jobs(), workers=2, budget=10, batch=4)
    for _ in range(10):
        next(results)
    assert len(pulled) <= 10 + 2 * 4 * 2  # what is done, running and one batch ahead per worker
    results.close()  # stops the workers


def test_ordered_results_wait_for_a_slow_job_but_nothing_is_lost():
    jobs = ["catastrophic", 1, 2, 3]
    out = list(run_jobs(_job, jobs, workers=2, budget=0.5, ordered=True))
    assert [i for i, _ in out] == [0, 1, 2, 3]
    assert isinstance(out[0][1], JobTimeout)


def test_an_initializer_runs_in_every_worker_and_its_failure_is_a_pool_error():
    def broken():
        raise RuntimeError("no model")

    with pytest.raises(PoolError, match="worker initializer failed: RuntimeError: no model"):
        list(run_jobs(_job, [1, 2], workers=1, budget=5, initializer=broken))
    assert list(run_jobs(_job, [], workers=2, budget=5)) == []


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's smaps_rollup")
@pytest.mark.parametrize("allowance_mb,workers_used", [(0, 6), (10**6, 1)])
def test_a_worker_past_its_memory_allowance_is_replaced_when_idle(monkeypatch, allowance_mb, workers_used):
    import policykb.workers as workers_module

    monkeypatch.setattr(workers_module, "MEASURE_EVERY", 2)
    pids = [pid for _, pid in run_jobs(lambda job: os.getpid(), range(12), workers=1, budget=10, batch=1,
                                         max_private_mb=allowance_mb)]
    assert len(pids) == 12 and len(set(pids)) == workers_used


def test_the_initializers_time_is_not_charged_to_the_first_job():
    out = dict(run_jobs(_job, [1, 2, 3], workers=1, budget=0.5, initializer=lambda: time.sleep(1.0)))
    assert out == {0: 2, 1: 4, 2: 6}


def test_overhead_per_job_is_small():
    started = time.perf_counter()
    n = sum(1 for _ in run_jobs(_job, range(5_000), workers=2, budget=10))
    assert n == 5_000
    # ~0.03 ms a job here; the build processes ~100 files/s/core (10 ms each).
    assert (time.perf_counter() - started) / n < 0.001


# ---------------------------------------------------------------------------
# The build under faults

GOOD = "关于做好{n}号住房公积金工作的通知\n各区住房公积金管理部:\n请于2024年12月{d}日前报送第{n}号材料。\n市住房公积金中心\n2024年1月{d}日\n"


def make_corpus(root: Path, n: int, tag: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"notice_{i:04d}.txt").write_text(GOOD.format(n=i, d=i % 28 + 1) + tag, encoding="utf-8")
    return root


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table' "
                                             "and name not like '%fts%' and name not like 'sqlite_%'")]
        return {t: conn.execute(f"select count(*) from [{t}]").fetchone()[0] for t in sorted(tables)}
    finally:
        conn.close()


def policykb(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "policykb.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kwargs)


def _reap_group(proc: subprocess.Popen) -> None:
    """Kill what the killed build left behind (its workers), by its process group."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_a_build_killed_at_random_points_leaves_the_previous_database_intact(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", 300)
    db = tmp_path / "p.db"
    first = policykb("build", str(corpus), "--db", str(db), "--workers", "2")
    assert first.wait(timeout=120) == 0, first.stderr.read()
    before = counts(db)
    assert before["sources"] == 300
    make_corpus(corpus, 300, tag="补充说明。\n")  # every file changed: the rerun has real work
    (corpus / "extra.txt").write_text(GOOD.format(n=999, d=9), encoding="utf-8")
    # A whole build of these takes ~2.5 s here (1.5 s of it loading spaCy):
    # the kills land while loading, processing and writing.
    rng = random.Random(20240101)
    killed_mid_build = 0
    for delay in sorted(rng.uniform(0.2, 2.6) for _ in range(4)):
        proc = policykb("build", str(corpus), "--db", str(db), "--workers", "2")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        _reap_group(proc)  # belt and braces: see the next test
        if proc.returncode == 0:  # it finished before the kill: nothing to check
            continue
        killed_mid_build += 1
        now = counts(db)  # integrity_check first
        if now != before:
            # Killed between the swap and its exit: the new database must be whole.
            assert now["sources"] == now["build_cache"] == 301, f"half a build after a kill at {delay:.2f} s"
            before = now
            make_corpus(corpus, 300, tag=f"修订{delay}。\n")  # work again for the next kill
    assert killed_mid_build, "every build finished before its kill: the delays are too long"
    rerun = policykb("build", str(corpus), "--db", str(db), "--workers", "2")
    assert rerun.wait(timeout=120) == 0, rerun.stderr.read()
    assert "301 sources: 301 ok, 0 failed" in rerun.stdout.read()
    assert counts(db)["sources"] == 301


def test_a_rerun_after_a_killed_build_completes_without_cleaning_up(tmp_path):
    # Regression: ProcessPoolExecutor workers outlived a SIGKILLed build and,
    # sharing the flock's open file, kept "another build is writing" up until
    # killed by hand.  policykb.workers' workers die with their parent.
    corpus = make_corpus(tmp_path / "corpus", 300)
    db = tmp_path / "p.db"
    proc = policykb("build", str(corpus), "--db", str(db), "--workers", "2")
    try:
        time.sleep(1.8)  # spaCy loaded, workers busy
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        rerun = policykb("build", str(corpus), "--db", str(db), "--workers", "2")
        assert rerun.wait(timeout=120) == 0, rerun.stderr.read()
        assert "300 sources: 300 ok, 0 failed" in rerun.stdout.read()
    finally:
        _reap_group(proc)


def test_a_temporary_file_left_by_a_killed_build_is_removed_by_the_next(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", 2)
    db = tmp_path / "p.db"
    stale = tmp_path / ".p.db.999999.tmp"
    stale.write_bytes(b"half a database")
    assert CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db)]).exit_code == 0
    assert not stale.exists()


def test_two_builds_at_once_the_second_is_told_and_the_database_is_intact(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", 5)
    db = tmp_path / "p.db"
    # A first build in progress: another process holding the build's own lock
    # (whatever kind of lock build_lock takes).
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from policykb.build import build_lock\n"
         "with build_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)", str(db)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert result.output == f"Error: another build is writing {db}; wait for it to finish\n"
    assert not db.exists()


def test_two_real_builds_racing_leave_one_consistent_database(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", 150)
    db = tmp_path / "p.db"
    procs = [policykb("build", str(corpus), "--db", str(db), "--workers", "1") for _ in range(2)]
    outs = []
    for proc in procs:
        proc.wait(timeout=120)
        outs.append((proc.returncode, proc.stdout.read(), proc.stderr.read()))
    assert any(code == 0 for code, _, _ in outs), outs
    for code, out, err in outs:
        # The loser either waited for nothing (it started after the winner
        # finished and found nothing changed) or was told to wait.
        assert code == 0 or err.strip().endswith("another build is writing " + str(db) + "; wait for it to finish")
    assert counts(db)["sources"] == 150


def test_a_read_only_target_is_a_one_line_error(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", 3)
    target = tmp_path / "ro"
    target.mkdir()
    real_open = open

    def read_only_open(file, mode="r", *args, **kwargs):  # root ignores chmod: fake EROFS
        if str(file).startswith(str(target)) and any(c in mode for c in "wax+"):
            raise OSError(30, "Read-only file system", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", read_only_open)
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(target / "p.db")])
    assert result.exit_code == 1
    assert result.output == f"Error: cannot write beside {target / 'p.db'}: Read-only file system\n"


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 1 MB filesystem (needs root and mount; skipped elsewhere)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_is_a_clear_error_and_the_previous_database_stays(tmp_path, tiny_tmpfs):
    db = tiny_tmpfs / "p.db"
    small = make_corpus(tmp_path / "small", 2)
    assert CliRunner().invoke(cli, ["build", str(small), "--db", str(db)]).exit_code == 0
    before = counts(db)
    big = make_corpus(tmp_path / "big", 400)
    result = CliRunner().invoke(cli, ["build", str(big), "--db", str(db)])
    assert result.exit_code == 1, result.output
    # (the "processing N of M files" progress line comes first, on stderr)
    assert re.fullmatch(rf"Error: cannot write {re.escape(str(db))}: (database or disk is full|No space left on device)",
                        result.output.splitlines()[-1]), result.output
    assert counts(db) == before
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["p.db", "p.db.lock"]  # no temporary file left


def test_a_full_disk_reported_by_sqlite_is_a_clear_error(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", 3)
    db = tmp_path / "p.db"
    assert CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db)]).exit_code == 0
    before = counts(db)
    make_corpus(corpus, 4, tag="补充。\n")

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "build_search_index", full)
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"Error: cannot write {db}: database or disk is full"
    assert counts(db) == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_database_path_that_is_a_folder_is_a_one_line_error(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", 1)
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path} is a folder, not a database file\n"


# ---------------------------------------------------------------------------
# Serving


def test_serve_binds_loopback_read_only_with_a_time_limit():
    from policykb.cli import datasette_serve_args

    args = datasette_serve_args(Path("p.db"), 8001, "127.0.0.1", Path("m.json"))
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert "--immutable" in args and args[args.index("--immutable") + 1] == "p.db"
    assert "--root" not in args and "--crossdb" not in args and "-i" not in args
    settings = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setting"}
    assert 0 < int(settings["sql_time_limit_ms"]) <= 5000
    assert settings.get("allow_download") == "off"


def test_serve_defaults_to_127_0_0_1(monkeypatch, tmp_path):
    import datasette.cli

    seen = {}

    def fake_main(args, **kwargs):
        seen["args"] = args

    from policykb.db.store import create_schema, open_db

    db = tmp_path / "p.db"  # an empty base: serve refuses a file that is none
    base = open_db(db)
    create_schema(base)
    base.conn.close()
    monkeypatch.setattr(datasette.cli.cli, "main", fake_main)
    result = CliRunner().invoke(cli, ["serve", "--db", str(db)])
    assert result.exit_code == 0, result.output
    args = seen["args"]
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert "--immutable" in args


def test_no_write_or_upload_plugin_is_installed():
    from datasette.plugins import pm

    names = {getattr(p, "__name__", str(p)) for p in pm.get_plugins()}
    risky = {n for n in names if re.search(r"write|upload|insert|edit|csvs|import", n, re.I)}
    assert not risky, risky
