"""Search latency through Datasette under a small concurrent load, on loopback.

Usage:
    python benchmarks/bench_search.py --db FILE [--seconds 20] [--clients 4]
                                      [--port 8765] [--json out.json]

Starts ``policykb serve --db FILE --port P`` on 127.0.0.1, waits until it
answers, then runs CLIENTS threads (http.client, one keep-alive connection
each) issuing ``/policies/documents.json?_search=<q>&_size=20`` for the ten
queries below in turn, for SECONDS (bounded in time), and reports p50, p95,
p99 and max latency per query and overall, the request count and any
non-200 answers, and the server's CPU time per request (robust to other
load on the machine, unlike the latencies).  Stops the server it started.
Target: p95 < 100 ms at 100,000 documents.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Two to six characters: common and rare words, a word inside longer words
# (教育 in 职业教育), a phrase across segment boundaries.
QUERIES = ["教育", "公积金", "产教融合", "住房公积金", "职业教育", "人民政府", "安全生产", "知识产权",
           "乡村振兴", "行政处罚决定"]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, code: Path | None) -> subprocess.Popen:
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = str(code) + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-m", "policykb.cli"]
    else:
        cmd = [str(Path(sys.executable).with_name("policykb"))]
    cmd += ["serve", "--db", str(db), "--port", str(port), "--host", HOST]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=code or ROOT, env=env,
                            start_new_session=True)


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/-/versions.json")
            if conn.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server not ready after {timeout} s")


EXTRA = ""  # extra query-string parameters (--params), for diagnosis


def path_for(query: str, size: int) -> str:
    return f"/policies/documents.json?_search={urllib.parse.quote(query)}&_size={size}{EXTRA}"


def client(port: int, deadline: float, offset: int, size: int, out: list, errors: list) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    i = offset
    while time.perf_counter() < deadline:
        query = QUERIES[i % len(QUERIES)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path_for(query, size))
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{query}: {e.__class__.__name__}: {e}")
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        if response.status != 200:
            errors.append(f"{query}: HTTP {response.status}: {body[:200]!r}")
            continue
        data = json.loads(body)
        out.append((query, elapsed, len(data.get("rows", [])), len(data.get("facet_results") or {})))
    conn.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(times: list[float]) -> dict:
    ms = [t * 1000 for t in times]
    return {"count": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms), "mean_ms": statistics.fmean(ms)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=20, help="load duration (at most 300)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients (at most 16)")
    ap.add_argument("--port", type=int, help="default: a free port on 127.0.0.1")
    ap.add_argument("--size", type=int, default=20, help="_size of each page of results")
    ap.add_argument("--code", type=Path, help="run the server from this code snapshot (see bench_build.py)")
    ap.add_argument("--params", default="",
                    help="appended to each request, for diagnosis, e.g. '&_nofacet=1&_nocount=1'")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    global EXTRA
    EXTRA = args.params
    seconds, clients = min(args.seconds, 300), min(args.clients, 16)
    port = args.port or free_port()
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    documents = conn.execute("select count(*) from documents").fetchone()[0]
    # Documents matching each query, with the query syntax of the code served.
    sys.path.insert(0, str(args.code or ROOT))
    from policykb.db.search import fts_query

    matches = {q: conn.execute("select count(*) from documents_fts where documents_fts match ?",
                               (fts_query(q),)).fetchone()[0] for q in QUERIES}
    conn.close()
    # Datasette names the database after the file, and datasette_metadata.json
    # configures "policies": serve the file under that name.
    served = args.db.resolve()
    if args.db.stem != "policies":
        link_dir = Path(tempfile.mkdtemp(prefix="pkb_search_", dir="/tmp"))
        (link_dir / "policies.db").symlink_to(served)
        served = link_dir / "policies.db"
    proc = start_server(served, port, args.code)
    try:
        ready = wait_ready(port, proc)
        # One warm-up request per query: the first query pays for opening
        # the database and loading the FTS index pages.
        warm = []
        for q in QUERIES:
            client(port, time.perf_counter() + 0.001, QUERIES.index(q), args.size, warm, [])
        results: list = []
        errors: list = []
        load_before = os.getloadavg()
        cpu_before = cpu_seconds(proc.pid)
        deadline = time.perf_counter() + seconds
        threads = [threading.Thread(target=client, args=(port, deadline, k * 3, args.size, results, errors))
                   for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        server_cpu = cpu_seconds(proc.pid) - cpu_before
        load_after = os.getloadavg()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        if served != args.db.resolve():
            served.unlink()
            served.parent.rmdir()
    if not results:
        raise SystemExit(f"no successful request; errors: {errors[:5]}")
    per_query = {q: {**summary([t for qq, t, _, _ in results if qq == q]), "matches": matches[q]}
                 for q in QUERIES if any(qq == q for qq, _, _, _ in results)}
    overall = summary([t for _, t, _, _ in results])
    # Datasette leaves a facet out of the JSON when it took longer than facet_time_limit_ms.
    facets = max((n for _, _, _, n in results), default=0)
    short = sum(1 for _, _, _, n in results if n < facets)
    report = {"db": str(args.db), "documents": documents, "clients": clients, "params": args.params, "seconds": seconds,
              "server_ready_s": ready, "requests_per_s": overall["count"] / seconds, "errors": len(errors),
              "error_samples": errors[:5], "overall": overall, "queries": per_query, "cpu_count": os.cpu_count(),
              "server_cpu_s": server_cpu, "responses_missing_facets": short,
              "server_cpu_ms_per_request": 1000 * server_cpu / (len(results) + len(errors)),
              "loadavg_before": load_before, "loadavg_after": load_after}
    print(f"{documents} documents, {clients} clients for {seconds:.0f} s on {HOST}: {overall['count']} requests "
          f"({report['requests_per_s']:.1f}/s), {len(errors)} errors")
    print(f"{'query':12s} {'matches':>8s} {'n':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
    for q, s in per_query.items():
        print(f"{q:12s} {s['matches']:8d} {s['count']:6d} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f} "
              f"{s['p99_ms']:8.1f} {s['max_ms']:8.1f}")
    print(f"{'all':12s} {'':8s} {overall['count']:6d} {overall['p50_ms']:8.1f} {overall['p95_ms']:8.1f} "
          f"{overall['p99_ms']:8.1f} {overall['max_ms']:8.1f}")
    if facets:
        print(f"{short} responses with fewer than {facets} facets (timed out)")
    print(f"server CPU {report['server_cpu_ms_per_request']:.1f} ms per request; load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
