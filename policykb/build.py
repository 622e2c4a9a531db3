"""Build a database from files and folders: incremental, parallel, atomic.

- Every file is hashed; a file whose bytes and pipeline code are unchanged is
  not processed again (its result is cached in the database).  When nothing
  changed at all, the database is not touched.
- Changed files are processed on every core.
- The new database is written to a temporary file beside the target and
  swapped in with one rename, so a crash leaves the previous database intact.
- One build at a time: a lock file beside the database.
- Memory stays flat whatever the corpus size: each file's rows are written to
  staging tables as its result arrives, and only a small summary per file
  (number, title, dates, a damage score) is kept to merge mirrors; the
  documents and their linked citations are then assembled in SQL
  (``db.store.BuildWriter``).
"""

from __future__ import annotations

import fcntl
import datetime
import hashlib
import os
import signal
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Iterable, Iterator

from policykb.db import rows, store
from policykb import merge
from policykb.process import SIDECAR_SUFFIX, process_source
from policykb.records import CleanOptions, SourceResult, SourceSummary
from policykb.workers import JobFailure, JobTimeout, run_jobs

# What makes a file's cached result: the cleaning and extraction code and
# their data, the records, the one-file pipeline and the summary merging
# reads.  Not the CLI, the build loop or the web plugin: a change there keeps
# every cached result.
FINGERPRINT = ("ingest", "extract", "policykb/records.py", "policykb/process.py", "policykb/merge.py")
# Files processed in-process below this count: starting workers (each loads
# spaCy and the dictionaries) costs more than it saves.
POOL_THRESHOLD = 8
# A file that takes longer than this is recorded as failed; a legitimate
# notice takes well under a second.
FILE_TIME_BUDGET = 60
# A worker is replaced (when idle) once it holds this much memory of its
# own: the stages' caches (the mojibake model's memoised scores, spaCy's
# vocabulary) grow with every new file.  Measured on the generated corpus: a
# worker holds ~310 MB of its own after its first files and ~440 MB after
# 5,000, and keeps growing.  100,000 documents: peak PSS 1,625 MB at 450
# (1,905 MB at 600), 567 s of CPU; replacing by count (every 2,000 files)
# cost 626 s (measured under load 6-8), each replacement warming its caches
# again (~2.5 s).
WORKER_MAX_PRIVATE_MB = 450
# What the parent runs once so every stage loads its tables and models
# before workers are forked (they then share those pages).  Not the mojibake
# repair's character model and word list: only a window that is searched
# needs them (none of 1,000 laws or 2,000 generated notices; 16 windows of
# the bundled corpus, 15 of them repaired), and a worker that searches loads
# them itself (~1 s), cheaper than every build loading them here.
WARM_TEXT = ("關於印發住房公积金管理办法的通知\n国办发〔2024〕3号\n各区人民政府：\n"
             "到2025年全市建成300个左右实训基地，于2024年12月31日前报送。市教育局牵头，市财政局配合。\n"
             "鍏充簬鍗板彂 zhù fáng 住房\n国务院办公厅\n2024年1月5日\n")


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
    changes, every cached result is stale.  Not db/: it turns cached results
    into rows and index text when writing, which a change there redoes
    without reprocessing (``db.store.writer_version``)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for entry in FINGERPRINT:
        for path in sorted((root / entry).rglob("*")) if (root / entry).is_dir() else [root / entry]:
            if path.is_file() and path.suffix in {".py", ".tsv", ".txt", ".json", ".jsonl"}:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _files_under(root: Path) -> list[tuple[str, ...]]:
    """Every file (and symlink, followed or not) under ``root`` as relative
    path parts, hidden files and folders left out, in the order sorted Paths
    come (part by part).  os.scandir, not Path.rglob: 100,000 files in 0.3 s
    of CPU instead of 1.9 s (most of an unchanged rebuild)."""
    found: list[tuple[str, ...]] = []

    def scan(folder: str, prefix: tuple[str, ...]) -> None:
        try:
            entries = list(os.scandir(folder))
        except (PermissionError, NotADirectoryError):  # as rglob: an unreadable folder is skipped
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            parts = (*prefix, entry.name)
            if entry.is_dir(follow_symlinks=False):
                scan(entry.path, parts)
            elif entry.is_symlink() or entry.is_file():
                found.append(parts)

    scan(str(root), ())
    found.sort()
    return found


def iter_sources(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, path relative to its corpus root), sidecars and hidden files skipped."""
    seen: set[str] = set()
    for root in paths:
        if not root.exists():
            raise BuildError(f"no such file or folder: {root}")
        if root.is_dir():
            files = [parts for parts in _files_under(root) if not parts[-1].endswith(SIDECAR_SUFFIX)]
        else:
            files = [] if root.name.startswith(".") or root.name.endswith(SIDECAR_SUFFIX) else [None]
        for parts in files:
            path, rel = (root.joinpath(*parts), "/".join(parts)) if parts else (root, root.name)
            if rel in seen:
                rel = f"{root.name}/{rel}"
            seen.add(rel)
            yield path, rel


def hash_files(paths: list[Path], threads: int) -> list[str | None]:
    """``file_sha256`` of every path, on a few threads (reading and hashing
    release the GIL)."""
    if threads <= 1 or len(paths) < 1000:
        return [file_sha256(p) for p in paths]
    from concurrent.futures import ThreadPoolExecutor

    chunks = [paths[i:i + 1000] for i in range(0, len(paths), 1000)]
    with ThreadPoolExecutor(threads) as pool:
        return [h for chunk in pool.map(lambda c: [file_sha256(p) for p in c], chunks) for h in chunk]


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
    raise FileTimeout(_over_budget())


def _over_budget() -> str:
    return f"took longer than the {FILE_TIME_BUDGET:g} s budget for one file"


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _failed(rel: str, path: Path, reason: str) -> SourceResult:
    """A file whose processing was cut short: only its bytes are known."""
    try:
        data = path.read_bytes()
    except OSError:
        data = None
    return SourceResult(rel, hashlib.sha256(data).hexdigest() if data else None,
                        len(data) if data else None, reason)


def _process(job: tuple[Path, str, bytes | None, CleanOptions]) -> SourceResult:
    path, rel, data, options = job
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(FILE_TIME_BUDGET)
    try:
        return process_source(path, rel, options, data)
    except FileTimeout as e:
        return _failed(rel, path, str(e))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class StagedSource:
    """One source ready to be written: its staging rows (``rows.staged_rows``,
    the search index's text of its body among them), its build-cache blob
    and, when it is ok, the summary merging needs."""

    path: str
    sha256: str | None
    rows: list[tuple[str, dict]]
    blob: bytes
    summary: SourceSummary | None


def staged(result: SourceResult, seq: int, blob: bytes | None = None) -> StagedSource:
    """What the parent writes of one result (``seq``: the source's position)."""
    return StagedSource(result.path, result.sha256, list(rows.staged_rows(result, seq)),
                        blob or store.pack(result), merge.summarise(result) if result.ok else None)


def _staged_in_worker(job: tuple[Path, str, bytes | None, CleanOptions], seq: dict[str, int]) -> StagedSource:
    """``_process`` in a worker, and everything the parent would do with the
    result before writing it: pack it as the build cache stores it, make its
    rows (the index text of its body: ``db.search.spaced``, a regex pass over
    every character) and summarise it.  The parent, which writes every
    result serially, then only inserts: per 1,000 laws 2.2 s of index text,
    0.5 s of unpacking, 1.2 s of summaries and 0.5 s of pickle and zlib off
    the serial path."""
    return staged(_process(job), seq[job[1]])


def _warm() -> None:
    from policykb.extract.pipeline import warm_up

    warm_up()


def check_rules() -> None:
    """Read every rule table once, before any file: a broken table stops the
    build with its file and line, instead of failing every file as an
    internal error while the build reports success."""
    from policykb.extract.tables import RuleTableError
    from policykb.process import process_bytes

    try:
        _warm()
        process_bytes(WARM_TEXT.encode("utf-8"), ".txt")
    except RuleTableError as e:
        raise BuildError(f"a rule table is broken: {e}") from None
    except Exception as e:  # noqa: BLE001 - any failure on a known-good page is a broken install
        raise BuildError(f"the pipeline fails on a known-good page ({type(e).__name__}: {e}); "
                         "is a rule table broken?") from None


def _warm_parent() -> None:
    """Load every stage's tables in this process, then freeze them out of the
    garbage collector's reach, so forked workers share the pages instead of
    each loading (and copying) its own."""
    import gc

    from policykb.process import process_bytes

    _warm()
    try:
        process_bytes(WARM_TEXT.encode("utf-8"), ".txt")
    except Exception:  # noqa: BLE001 - warming is an optimisation; a real file will show the bug
        pass
    gc.collect()
    gc.freeze()


def process_all(jobs: list, workers: int, seq: dict[str, int]) -> Iterator[StagedSource]:
    """Every job's result staged (``seq``: each path's position), as each
    finishes.  Past a handful of files the jobs run in worker processes that
    are killed when a file overruns its budget: the alarm in ``_process``
    cannot interrupt a regex stuck inside C."""
    if len(jobs) < POOL_THRESHOLD:
        for job in jobs:
            yield staged(_process(job), seq[job[1]])
        return
    import gc

    _warm_parent()
    try:
        # Forked: the workers share ``seq`` instead of receiving it.
        for i, outcome in run_jobs(partial(_staged_in_worker, seq=seq), jobs, workers=max(1, workers),
                                   budget=FILE_TIME_BUDGET + 5, initializer=_warm,
                                   max_private_mb=WORKER_MAX_PRIVATE_MB):
            path, rel, _, _ = jobs[i]
            if isinstance(outcome, JobFailure):
                # The parent's kill comes a few seconds after the file's own
                # budget (its alarm could not fire inside C): same verdict.
                reason = _over_budget() if isinstance(outcome, JobTimeout) else outcome.reason
                yield staged(_failed(rel, path, reason), seq[rel])
                continue
            yield outcome
    finally:
        gc.unfreeze()


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
        sources = list(iter_sources(paths))
        # Hash only to compare with a previous build: from scratch, the
        # workers hash what they read.  Bytes are not kept.
        hashes = {rel: (sha or "", version) for (_, rel), sha in
                  zip(sources, hash_files([path for path, _ in sources], workers))} if previous else {}
        # A base of an older schema, or written by other code in db/, is
        # rewritten even when no file changed; its cached results (pipeline
        # output, keyed by pipeline_version) are still valid and reused.
        if previous and previous == hashes and store.base_is_current(db_path):
            ok, failed = store.source_counts(db_path)
            return BuildSummary(ok + failed, ok, failed, 0, None, time.perf_counter() - started, True)
        check_rules()
        reusable = {rel: h for rel, h in hashes.items() if h[0] and previous.get(rel) == h}
        seq = {rel: i for i, (_, rel) in enumerate(sources)}

        def results() -> Iterator[StagedSource]:
            reused = set()
            for rel, blob, result in store.cached_results(db_path, reusable):
                reused.add(rel)
                yield staged(result, seq[rel], blob)
            todo = [(path, rel, None, options) for path, rel in sources if rel not in reused]
            counts["processed"] = len(todo)
            if log:
                log(f"processing {len(todo)} of {len(sources)} files on {min(workers, max(len(todo), 1))} cores")
            yield from process_all(todo, workers, seq)

        counts: dict[str, int] = {}
        documents, ok = _write(db_path, results(), version)
        return BuildSummary(len(sources), ok, len(sources) - ok, counts["processed"], documents,
                            time.perf_counter() - started, False)


def write_database(db_path: Path, results: list[SourceResult], version: str) -> int:
    """Write these results as a database (in one go: the build streams them)."""
    return _write(db_path, (staged(r, i) for i, r in enumerate(results)), version)[0]


def _write(db_path: Path, sources: Iterable[StagedSource], version: str) -> tuple[int, int]:
    """Stage every source as it comes, merge, assemble, then swap the new
    database in.  Returns (documents, ok sources)."""
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    stage = db_path.with_name(f".{db_path.name}.{os.getpid()}.stage.tmp")
    # Under the lock: a temporary file is what a killed build left behind.
    for stale in db_path.parent.glob(f".{db_path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    writer = None
    try:
        writer = store.BuildWriter(tmp, stage)
        summaries = []
        for source in _upstream(sources):
            writer.stage(source.rows, rows.cache_row(source.path, source.sha256, version, source.blob))
            if source.summary is not None:
                summaries.append(source.summary)
        writer.end_staging()
        ok = len(summaries)
        documents = assemble(writer, summaries)
        writer.close()
        os.replace(tmp, db_path)
    except _Upstream as e:
        _discard(writer, tmp, stage)
        raise e.args[0]
    except (OSError, sqlite3.Error) as e:
        _discard(writer, tmp, stage)
        raise BuildError(f"cannot write {db_path}: {getattr(e, 'strerror', None) or e}") from None
    except BaseException:
        _discard(writer, tmp, stage)
        raise
    return documents, ok


class _Upstream(Exception):
    """An error while producing results (processing, reading the old cache),
    not while writing: it is raised as it was, not as "cannot write"."""


def _upstream(results: Iterable):
    it = iter(results)
    while True:
        try:
            item = next(it)
        except StopIteration:
            return
        except Exception as e:
            raise _Upstream(e) from e
        yield item


def _discard(writer, *paths: Path) -> None:
    if writer is not None:
        writer.abandon()
    for path in paths:
        path.unlink(missing_ok=True)


def assemble(writer: store.BuildWriter, summaries: list[SourceSummary]) -> int:
    """Documents from the staged sources: mirrors merged, titles filled from
    citations, citations linked, repeals marked, agencies listed."""
    from policykb.extract.agencies import agency_rows

    docs = merge.documents_from_summaries(summaries, writer.body)
    summaries.clear()
    writer.set_documents((rows.member_row(d, path) for d in docs for path in d.source_paths),
                         (rows.primary_row(d, i) for i, d in enumerate(docs)))
    docs = merge.titles_from_citations(docs, writer.cited_titles)
    writer.write_citations(*merge.link_maps(docs))
    docs = merge.mark_repealed(docs, writer.repeals())
    # Validity as of the day of the build: a term that ended yesterday is expired.
    docs = merge.assess_validity(docs, writer.repeals("amends"), datetime.date.today().isoformat())
    writer.write_documents((rows.document_row(d) for d in docs), (row for d in docs for row in rows.issuer_rows(d)))
    store.write_rows(writer.db, "agencies", (rows.agency_row(a) for a in agency_rows(writer.agency_mentions())))
    return len(docs)
