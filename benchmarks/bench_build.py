"""Build throughput against one plain jieba pass over the same text.

Usage:
    python benchmarks/bench_build.py [--corpus lawref|tw_laws|generated ...] [--limit N]
                                     [--workers W] [--json out.json] [--scratch /tmp/pkb_bench]

For each corpus (materialised as .txt files by make_corpus.py under the
scratch folder, reused when already there):

1. ``jieba``: one process runs ``jieba.lcut`` (the real jieba, not rjieba)
   over every file's text, dictionary loaded beforehand: the denominator;
2. ``build``: ``policykb build DIR --db FILE --workers W`` from scratch, as a
   subprocess; wall time, MB/s, documents/s, and the peak memory of the
   whole process tree (sum of RSS, and sum of PSS, which counts pages shared
   by forked workers once), polled from /proc every 0.2 s;
3. ``rebuild``: the same command again on the unchanged files;
4. database size per document.

The headline is ratio = build time / jieba time (target ≤ 0.5 on 2 cores).
Prints a table and, with --json, writes the numbers.  Numbers are noisy when
other work shares the machine: the load average is recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import materialise  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CODE = ("ingest", "extract", "policykb", "db")


def snapshot_code(scratch: Path) -> Path:
    """A copy of the pipeline's code, so edits made while the benchmark runs
    neither change what is measured nor invalidate the build cache (the cache
    key hashes the code) between the build and the rebuild."""
    import shutil

    dest = scratch / f"code-{time.strftime('%Y%m%d-%H%M%S')}"
    for name in CODE:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("datasette_metadata.json", "pyproject.toml"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    return dest


def policykb_command(code: Path | None) -> tuple[list[str], dict]:
    """How to run the CLI: from the snapshot when there is one."""
    env = dict(os.environ)
    if code is None:
        return [str(Path(sys.executable).with_name("policykb"))], env
    env["PYTHONPATH"] = str(code) + os.pathsep + env.get("PYTHONPATH", "")
    return [sys.executable, "-m", "policykb.cli"], env


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(tree.get(p, []))
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; (0, 0) once it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def _cpu_s(pid: int) -> float:
    """User + system CPU of one process so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PeakMemory(threading.Thread):
    """Polls a process tree's summed RSS and PSS until stopped."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss_kb = self.peak_pss_kb = 0
        self.peak_processes = 0
        self.parent_cpu_s = 0.0  # the build process's own CPU, as last seen
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            pids = _tree(self.pid)
            mem = [_memory_kb(p) for p in pids]
            self.peak_rss_kb = max(self.peak_rss_kb, sum(m[0] for m in mem))
            self.peak_pss_kb = max(self.peak_pss_kb, sum(m[1] for m in mem))
            self.peak_processes = max(self.peak_processes, len(pids))
            self.parent_cpu_s = max(self.parent_cpu_s, _cpu_s(self.pid))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_build(folder: Path, db: Path, workers: int | None, code: Path | None = None) -> dict:
    """One ``policykb build`` as a subprocess: wall time, peak memory, its summary line."""
    prefix, env = policykb_command(code)
    cmd = [*prefix, "build", str(folder), "--db", str(db)]
    if workers:
        cmd += ["--workers", str(workers)]
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=code or ROOT, env=env)
    monitor = PeakMemory(proc.pid)
    monitor.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the build and its (reaped) workers: unlike wall time, not
    # inflated when other work shares the cores.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    monitor.stop()
    if proc.returncode not in (0,):
        raise SystemExit(f"build failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    processing = [line for line in err.splitlines() if line.startswith("processing ")]
    # The parent's own CPU (the serial part: merging, writing, the search
    # index), polled: it misses at most the last 0.2 s.
    return {"seconds": seconds, "cpu_s": cpu, "parent_cpu_s": monitor.parent_cpu_s, "processing": processing[-1] if processing else "", "peak_rss_mb": monitor.peak_rss_kb / 1024, "peak_pss_mb": monitor.peak_pss_kb / 1024,
            "peak_processes": monitor.peak_processes, "summary": out.strip().splitlines()[-1] if out.strip() else "",
            "command": " ".join(cmd)}


def jieba_pass(files: list[Path]) -> dict:
    """One plain jieba.lcut pass over every file's text, in this process."""
    import jieba

    jieba.setLogLevel(60)
    started = time.perf_counter()
    jieba.initialize()
    load = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    tokens = 0
    for path in files:
        tokens += len(jieba.lcut(path.read_text(encoding="utf-8", errors="replace")))
    return {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
            "dictionary_load_s": load, "tokens": tokens}


def db_counts(db: Path) -> dict:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {"documents": one("select count(*) from documents"),
                "sources_ok": one("select count(*) from sources where status = 'ok'"),
                "sources_failed": one("select count(*) from sources where status != 'ok'")}
    finally:
        conn.close()


def bench(corpus: str, limit: int | None, workers: int | None, scratch: Path, seed: int,
          skip_jieba: bool = False, code: Path | None = None) -> dict:
    tag = f"{corpus}_{limit}" if limit else corpus
    folder = scratch / tag
    started = time.perf_counter()
    files = materialise(corpus, folder, limit if corpus != "generated" else (limit or 100_000), seed,
                        reuse=True, log=lambda m: print(f"  {m}", file=sys.stderr))
    size = sum(f.stat().st_size for f in files)
    print(f"[{tag}] {len(files)} files, {size / 1e6:.1f} MB ready ({time.perf_counter() - started:.0f} s)",
          file=sys.stderr)
    db = scratch / f"{tag}.db"
    for leftover in (db, db.with_name(db.name + ".lock")):
        leftover.unlink(missing_ok=True)
    load_before = os.getloadavg()
    print(f"[{tag}] build …", file=sys.stderr)
    build = run_build(folder, db, workers, code)
    print(f"[{tag}] build {build['seconds']:.1f} s: {build['summary']}", file=sys.stderr)
    rebuild = run_build(folder, db, workers, code)
    print(f"[{tag}] rebuild {rebuild['seconds']:.2f} s: {rebuild['processing']}; {rebuild['summary']}",
          file=sys.stderr)
    counts = db_counts(db)
    db_bytes = db.stat().st_size
    result = {
        "corpus": corpus, "files": len(files), "mb": size / 1e6, "workers": workers or os.cpu_count(),
        "build_s": build["seconds"], "build_mb_s": size / 1e6 / build["seconds"],
        "build_docs_s": len(files) / build["seconds"], "build_cpu_s": build["cpu_s"],
        "build_parent_cpu_s": build["parent_cpu_s"],
        "peak_rss_mb": build["peak_rss_mb"], "peak_pss_mb": build["peak_pss_mb"],
        "peak_processes": build["peak_processes"],
        "rebuild_s": rebuild["seconds"], "rebuild_cpu_s": rebuild["cpu_s"], "rebuild_peak_rss_mb": rebuild["peak_rss_mb"],
        "db_mb": db_bytes / 1e6, "db_kb_per_doc": db_bytes / 1024 / max(counts["documents"], 1),
        **counts, "build_summary": build["summary"], "rebuild_summary": rebuild["summary"],
        "build_processing": build["processing"], "rebuild_processing": rebuild["processing"],
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "code": str(code) if code else "live", "db": str(db), "folder": str(folder),
    }
    if not skip_jieba:
        print(f"[{tag}] jieba pass …", file=sys.stderr)
        jb = jieba_pass(files)
        result.update({"jieba_s": jb["seconds"], "jieba_mb_s": size / 1e6 / jb["seconds"],
                       "jieba_dictionary_load_s": jb["dictionary_load_s"], "jieba_tokens": jb["tokens"],
                       "jieba_cpu_s": jb["cpu_s"], "ratio_build_over_jieba": build["seconds"] / jb["seconds"],
                       # What the ratio would be on idle cores with perfect
                       # parallelism: build CPU spread over its workers, over
                       # jieba's CPU.  Robust to other load on the machine.
                       "ratio_cpu_estimate": build["cpu_s"] / min(result["workers"], os.cpu_count() or 1)
                       / jb["cpu_s"]})
    return result


COLUMNS = [("corpus", "corpus", "{}"), ("files", "docs", "{}"), ("mb", "MB", "{:.1f}"),
           ("workers", "w", "{}"), ("build_s", "build s", "{:.1f}"), ("build_mb_s", "MB/s", "{:.3f}"),
           ("build_docs_s", "docs/s", "{:.1f}"), ("jieba_s", "jieba s", "{:.1f}"),
           ("jieba_mb_s", "jieba MB/s", "{:.2f}"), ("ratio_build_over_jieba", "ratio", "{:.2f}"),
           ("build_cpu_s", "build CPU s", "{:.1f}"), ("build_parent_cpu_s", "parent CPU s", "{:.1f}"),
           ("jieba_cpu_s", "jieba CPU s", "{:.1f}"),
           ("ratio_cpu_estimate", "ratio (CPU est.)", "{:.2f}"),
           ("rebuild_s", "rebuild s", "{:.2f}"), ("peak_rss_mb", "RSS MB", "{:.0f}"),
           ("peak_pss_mb", "PSS MB", "{:.0f}"), ("db_kb_per_doc", "DB KB/doc", "{:.1f}"),
           ("documents", "rows", "{}"), ("sources_failed", "failed", "{}")]


def table(results: list[dict]) -> str:
    head = [c[1] for c in COLUMNS]
    rows = [[fmt.format(r[key]) if r.get(key) is not None else "-" for key, _, fmt in COLUMNS] for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    line = lambda cells: " | ".join(c.rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(head), "-+-".join("-" * w for w in widths), *(line(r) for r in rows)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", choices=["lawref", "tw_laws", "generated"],
                    help="repeatable; default lawref and tw_laws")
    ap.add_argument("--limit", type=int, help="first N files (generated: N documents, default 100000)")
    ap.add_argument("--workers", type=int, help="build processes (default: the build's own, one per core)")
    ap.add_argument("--seed", type=int, default=1, help="generated corpus seed")
    ap.add_argument("--scratch", type=Path, default=Path("/tmp/pkb_bench"))
    ap.add_argument("--skip-jieba", action="store_true", help="build only (no ratio)")
    ap.add_argument("--live-code", action="store_true",
                    help="run the working tree's code instead of a snapshot taken at start")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    if not str(args.scratch.resolve()).startswith("/tmp/"):
        sys.exit("bench_build: --scratch must be under /tmp")
    args.scratch.mkdir(parents=True, exist_ok=True)
    code = None if args.live_code else snapshot_code(args.scratch)
    if code:
        print(f"code snapshot: {code}", file=sys.stderr)
    results = [bench(c, args.limit, args.workers, args.scratch, args.seed, args.skip_jieba, code)
               for c in (args.corpus or ["lawref", "tw_laws"])]
    print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"cpu_count": os.cpu_count(), "python": platform.python_version(),
                                         "results": results}, ensure_ascii=False, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
