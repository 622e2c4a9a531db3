"""Build a database from files and folders: incremental, parallel, atomic.

- Every file is hashed; a file whose bytes and pipeline code are unchanged is
  not processed again (its result is cached in the database).  When nothing
  changed at all, the database is not touched.
- Changed files are processed on every core.
- The new database is written to a temporary file beside the target and
  swapped in with one rename, so a crash leaves the previous database intact.
- One build at a time: a lock file beside the database.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from db import rows, store
from ingest.clean import CleanOptions
from policykb.merge import documents_from_sources
from policykb.process import SIDECAR_SUFFIX, SourceResult, process_source
from policykb.workers import JobCrash, JobError, JobTimeout, run_jobs

PACKAGE_DIRS = ("ingest", "extract", "policykb")
# Files processed in-process below this count: starting workers (each loads
# spaCy and the dictionaries) costs more than it saves.
POOL_THRESHOLD = 8
# A file that takes longer than this is recorded as failed; a legitimate
# notice takes well under a second.
FILE_TIME_BUDGET = 60


class BuildError(Exception):
    """The build as a whole cannot go on (not a bad file: those are recorded)."""


@dataclass(frozen=True)
class BuildSummary:
    sources: int
    ok: int
    failed: int
    processed: int
    documents: int | None
    seconds: float
    unchanged: bool

    def line(self) -> str:
        """``225 sources: 223 ok, 2 failed``."""
        return f"{self.sources} sources: {self.ok} ok, {self.failed} failed"


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """A hash of the code and data that turn a file into records: when it
    changes, every cached result is stale."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in PACKAGE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".tsv", ".txt", ".json", ".jsonl"}:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def iter_sources(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, path relative to its corpus root), sidecars and hidden files skipped."""
    seen: set[str] = set()
    for root in paths:
        if not root.exists():
            raise BuildError(f"no such file or folder: {root}")
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())
            base = root
        else:
            files, base = [root], root.parent
        for path in files:
            rel = path.relative_to(base).as_posix()
            if path.name.endswith(SIDECAR_SUFFIX) or any(part.startswith(".") for part in Path(rel).parts):
                continue
            if rel in seen:
                rel = f"{root.name}/{rel}"
            seen.add(rel)
            yield path, rel


@contextmanager
def build_lock(db_path: Path):
    lock_path = db_path.with_name(db_path.name + ".lock")
    try:
        handle = open(lock_path, "w")
    except OSError as e:
        raise BuildError(f"cannot write beside {db_path}: {e.strerror}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BuildError(f"another build is writing {db_path}; wait for it to finish") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


class FileTimeout(BaseException):
    """A file overran its budget.  A BaseException, so that the per-file
    ``except Exception`` in process_source does not record it as a bug."""


def _alarm(signum, frame):
    raise FileTimeout(f"took longer than the {FILE_TIME_BUDGET:g} s budget for one file")


def _failed(rel: str, data: bytes | None, reason: str) -> SourceResult:
    """A file whose processing was cut short: only its bytes are known."""
    return SourceResult(rel, hashlib.sha256(data).hexdigest() if data else None,
                        len(data) if data else None, reason)


def _process(job: tuple[Path, str, bytes | None, CleanOptions]) -> SourceResult:
    path, rel, data, options = job
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(FILE_TIME_BUDGET)
    try:
        return process_source(path, rel, options, data)
    except FileTimeout as e:
        return _failed(rel, data, str(e))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _warm() -> None:
    from extract.pipeline import load_pipeline

    load_pipeline()


def process_all(jobs: list, workers: int) -> list[SourceResult]:
    """Every job's result, in order.  Past a handful of files the jobs run in
    worker processes that are killed when a file overruns its budget: the
    alarm in ``_process`` cannot interrupt a regex stuck inside C."""
    if len(jobs) < POOL_THRESHOLD:
        return [_process(job) for job in jobs]
    results: list[SourceResult | None] = [None] * len(jobs)
    for i, outcome in run_jobs(_process, jobs, workers=max(1, workers), budget=FILE_TIME_BUDGET + 5,
                               initializer=_warm):
        if isinstance(outcome, (JobTimeout, JobCrash, JobError)):
            _, rel, data, _ = jobs[i]
            outcome = _failed(rel, data, outcome.reason)
        results[i] = outcome
    return results


def build(paths: list[Path], db_path: Path, options: CleanOptions = CleanOptions(),
          workers: int | None = None, log=None) -> BuildSummary:
    """Build (or bring up to date) the database at ``db_path`` from ``paths``."""
    started = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    db_path = Path(db_path)
    if db_path.exists() and db_path.is_dir():
        raise BuildError(f"{db_path} is a folder, not a database file")
    with build_lock(db_path):
        version = pipeline_version()
        previous = store.cached_hashes(db_path)
        jobs, hashes = [], {}
        for path, rel in iter_sources(paths):
            try:
                data = path.read_bytes()
                hashes[rel] = (hashlib.sha256(data).hexdigest(), version)
            except OSError:
                data = None  # recorded as unreadable by process_source
                hashes[rel] = ("", version)
            jobs.append((path, rel, data, options))
        if previous and previous == hashes:
            ok, failed = store.source_counts(db_path)
            return BuildSummary(ok + failed, ok, failed, 0, None, time.perf_counter() - started, True)
        reusable = {rel: h for rel, h in hashes.items() if h[0] and previous.get(rel) == h}
        cached = dict(store.cached_results(db_path, reusable))
        todo = [job for job in jobs if job[1] not in cached]
        if log:
            log(f"processing {len(todo)} of {len(jobs)} files on {min(workers, max(len(todo), 1))} cores")
        fresh = {r.path: r for r in process_all(todo, workers)}
        results = [cached.get(rel) or fresh[rel] for _, rel, _, _ in jobs]
        documents = write_database(db_path, results, version)
        ok = sum(r.ok for r in results)
        return BuildSummary(len(results), ok, len(results) - ok, len(todo), documents,
                            time.perf_counter() - started, False)


def write_database(db_path: Path, results: list[SourceResult], version: str) -> int:
    """Write everything to a temporary file, then swap it in."""
    documents = documents_from_sources(results)
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    # Under the lock: a temporary file is what a killed build left behind.
    for stale in db_path.parent.glob(f".{db_path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    try:
        db = store.open_db(tmp, fast_writes=True)
        store.create_schema(db)
        store.write_rows(db, "documents", (rows.document_row(d) for d in sorted(documents, key=lambda d: d.id)))
        doc_of = {path: d for d in documents for path in d.source_paths}
        store.write_rows(db, "sources", (rows.source_row(r, doc_of[r.path].id if r.path in doc_of else None,
                                                         r.path in doc_of and doc_of[r.path].primary.path == r.path)
                                         for r in results))
        for table, make in (("document_issuers", rows.issuer_rows), ("citations", rows.citation_rows),
                            ("targets", rows.target_rows), ("deadlines", rows.deadline_rows),
                            ("responsibilities", rows.responsibility_rows), ("duties", rows.duty_rows),
                            ("cleaning_edits", rows.edit_rows)):
            store.write_rows(db, table, (row for d in documents for row in make(d)))
        store.write_rows(db, "agencies", (rows.agency_row(a) for a in _agencies(documents)))
        store.write_rows(db, "build_cache", ({"path": r.path, "sha256": r.sha256 or "", "version": version,
                                              "result": store.pack(r)} for r in results))
        store.build_search_index(db)
        db.conn.execute("ANALYZE")
        db.conn.commit()
        db.close()
        os.replace(tmp, db_path)
    except (OSError, sqlite3.Error) as e:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"cannot write {db_path}: {getattr(e, 'strerror', None) or e}") from None
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    return len(documents)


def _agencies(documents) -> list[dict]:
    """Every central body, and every body the documents name or are issued by."""
    from extract.agencies import agency_rows

    mentions = [(r.agency, d.region) for d in documents
                for r in d.primary.extracted.responsibilities + d.primary.extracted.duties]
    mentions += [(issuer, d.region) for d in documents for issuer in d.issuers]
    return agency_rows(mentions)
