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
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Iterable, Iterator

from policykb.db import rows, store
from policykb import merge, process as process_module
from policykb.process import (SIDECAR_SUFFIX, SourceError, file_kind, load_sidecar, process_source,
                              read_regular, too_large)
from policykb.records import CleanOptions, Sidecar, SourceResult, SourceSummary
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
    added: int = 0  # sources new to the base
    changed: int = 0  # sources whose bytes changed
    removed: int = 0  # sources gone: vanished under the given paths (or dropped by force)
    kept: int = 0  # sources under other paths, kept
    warnings: int = 0  # sidecars partly or wholly ignored

    def line(self) -> str:
        """``225 sources: 223 ok, 2 failed``."""
        return f"{self.sources} sources: {self.ok} ok, {self.failed} failed"

    def changes(self) -> str:
        """``3 added, 1 changed, 0 removed; 60 under other paths kept``, and how
        many files were processed when that is not the added and changed ones
        (the pipeline changed: ``; 225 processed``)."""
        text = f"{self.added} added, {self.changed} changed, {self.removed} removed"
        if self.kept:
            text += f"; {self.kept} under other paths kept"
        if self.processed != self.added + self.changed:
            text += f"; {self.processed} processed"
        return text


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


def shown(name: str) -> str:
    r"""A file name as stored: unchanged when it is UTF-8; otherwise each byte
    that is not shows as ``\xNN`` and a backslash as ``\\``, so no two names
    are stored alike and the bytes can be told back.

    >>> print(shown("bad_\udcff\udcfe.txt"), shown("ok\\name.txt"), shown("b\\\udcff"))
    bad_\xff\xfe.txt ok\name.txt b\\\xff
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else "\\\\" if c == "\\" else c
                       for c in name)


def shown_path(path: str) -> str:
    return "/".join(shown(part) for part in path.split("/"))


@dataclass(frozen=True)
class Entry:
    """One entry found under the paths given to a build.

    ``rel``: its path relative to the given path it was found under, as
    stored (``shown``); ``file``: where it is, relative to the base's folder
    (its identity from one build to the next); ``path``: as found (a link's
    own name says the file type); ``read``: what to read (a followed link's
    target), None when it is not read, ``skip`` saying why; ``sidecar``: its
    sidecar's path when the folder holds one (``sidecar_skip``: why it is not
    read)."""

    rel: str
    file: str
    root_name: str
    path: Path
    read: Path | None
    skip: str | None
    sidecar: Path | None = None
    sidecar_skip: str | None = None  # why the sidecar is not read


def _inside(target: str, allowed: tuple[str, ...]) -> bool:
    return any(target == a or target.startswith(a.rstrip("/") + "/") for a in allowed)


def classify(path: str, allowed: tuple[str, ...], limit: int | None = None) -> tuple[str | None, str | None]:
    """(what to read, None) for a regular file or a link to one inside
    ``allowed`` (real paths), else (None, why it is not read).  Opens
    nothing: a FIFO or a device is known by its stat.  ``limit``: bytes at
    most (default ``process.MAX_FILE_BYTES``)."""
    limit = process_module.MAX_FILE_BYTES if limit is None else limit
    try:
        found = os.lstat(path)
        if stat.S_ISLNK(found.st_mode):
            target = os.path.realpath(path)
            if not _inside(target, allowed):
                return None, "skipped: a symlink to somewhere outside the given paths"
            found = os.stat(target)
            if stat.S_ISDIR(found.st_mode):
                return None, "skipped: a symlink to a folder (links to folders are not followed)"
            if not stat.S_ISREG(found.st_mode):
                return None, f"skipped: a symlink to {file_kind(found.st_mode)}, not a regular file"
            path = target
        elif not stat.S_ISREG(found.st_mode):
            return None, f"skipped: {file_kind(found.st_mode)}, not a regular file"
    except OSError as e:
        return None, f"unreadable: {e.strerror or e}"
    if found.st_size > limit:
        return None, too_large(found.st_size, limit)
    return path, None


def _files_under(root: str) -> list[tuple[tuple[str, ...], str, str | None, str | None]]:
    """(path parts relative to ``root``, path, its sidecar's path or None, why
    its folder could not be listed or None) for every entry under ``root``
    but folders, hidden entries and sidecars, in the order sorted Paths come
    (part by part).  os.scandir, not Path.rglob: 100,000 files in 0.3 s of
    CPU instead of 1.9 s (most of an unchanged rebuild); a loop, not
    recursion, so no depth of folders is too deep."""
    found = []
    stack: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as e:  # an unreadable folder is accounted for, like a file
            found.append((prefix, folder, None, f"unreadable folder: {e.strerror or e}"))
            continue
        # name → whether it is a link (the listing knows: no system call)
        names = {entry.name: entry.is_symlink() for entry in entries}
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name.endswith(SIDECAR_SUFFIX):
                continue
            parts = (*prefix, name)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append((entry.path, parts))
            else:
                side = name + SIDECAR_SUFFIX
                side = (os.path.join(folder, side), names[side]) if side in names else None
                found.append((parts, entry.path, side, None))
    found.sort(key=lambda item: item[0])
    return found


def iter_entries(paths: list[Path], base_dir: Path) -> Iterator[Entry]:
    """Every entry under ``paths`` (``Entry``), hidden files and sidecars left
    out, ``file`` relative to ``base_dir``.  Regular files are read; a symlink
    is followed only when its target is inside the given paths; anything else
    (a FIFO, a socket, a device, a link to one or to a folder, a file over
    MAX_FILE_BYTES, an unreadable folder) is an entry with the reason it is
    not read.  A path named itself may be a link to anywhere."""
    roots = []
    for root in paths:
        root = Path(root)
        if not os.path.lexists(root) or not os.path.exists(root):
            raise BuildError(f"no such file or folder: {shown_path(str(root))}")
        roots.append((root, os.path.realpath(root)))
    allowed = tuple(real for _, real in roots)
    base = os.path.realpath(base_dir)
    seen: set[str] = set()  # a file under two of the given paths is one entry
    for root, real in roots:
        name = shown(os.path.basename(real) or real)
        if not os.path.isdir(real):
            name = shown(root.name)
        if os.path.isdir(real):
            found = _files_under(real)
        elif root.name.startswith(".") or root.name.endswith(SIDECAR_SUFFIX):
            continue
        else:  # a file named on the command line
            side = str(root) + SIDECAR_SUFFIX
            found = [((), real, (side, os.path.islink(side)) if os.path.lexists(side) else None, None)]
        # Where the root is from the base's folder, once (relpath per file
        # would cost 0.5 s per 100,000 files).
        root_file = shown_path(os.path.relpath(real, base))
        for parts, path, side, folder_error in found:
            rel = "/".join(shown(p) for p in parts) if parts else name
            file = root_file if not parts else rel if root_file == "." else f"{root_file}/{rel}"
            if file in seen:
                continue
            seen.add(file)
            if folder_error:
                yield Entry(rel or name, file, name, Path(path), None, folder_error)
                continue
            read, skip = classify(path, allowed)
            sidecar = side_skip = None
            if side:  # a sidecar that is a link is read only when it stays inside too
                side, is_link = side
                if is_link and not _inside(os.path.realpath(side), allowed):
                    side_skip = "sidecar ignored: a symlink to somewhere outside the given paths"
                else:
                    sidecar = Path(side)
            yield Entry(rel, file, name, Path(path) if parts else root, Path(read) if read else None, skip,
                        sidecar, side_skip)


def iter_sources(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, path relative to its corpus root) of every entry, sidecars and
    hidden files skipped (``iter_entries`` says more)."""
    for entry in iter_entries(paths, Path.cwd()):
        yield entry.path, entry.rel


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
def build_lock(db_path: Path, shown_as: Path | None = None):
    """Hold the lock of the base at ``db_path`` (its real path: a link to a
    base and the base share one lock); messages name ``shown_as``."""
    shown_as = shown_as or db_path
    lock_path = db_path.with_name(db_path.name + ".lock")
    try:
        handle = open(lock_path, "w")
    except OSError as e:
        raise BuildError(f"cannot write beside {shown_as}: {e.strerror}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BuildError(f"another build is writing {shown_as}; wait for it to finish") from None
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
    """The SHA-256 of a regular file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(read_regular(path)).hexdigest()
    except SourceError:
        return None


def _skip_key(reason: str) -> str:
    """What the build cache records for an entry that is not read, in place of
    its bytes' hash: a hash of the reason, so a rebuild sees it unchanged."""
    return hashlib.sha256(f"not read: {reason}".encode()).hexdigest()


@dataclass(frozen=True)
class Job:
    """One file for a worker: ``path`` as found (its suffix says the type),
    ``read`` what to read, ``sidecar`` its sidecar if the folder holds one."""

    path: Path
    rel: str
    read: Path
    sidecar: Path | None
    options: CleanOptions
    sidecar_skip: str | None = None


def _failed(rel: str, path: Path, reason: str) -> SourceResult:
    """A file whose processing was cut short: only its bytes are known."""
    try:
        data = read_regular(path)
    except SourceError:
        data = None
    return SourceResult(rel, hashlib.sha256(data).hexdigest() if data else None,
                        len(data) if data else None, reason)


def _process(job: Job) -> tuple[SourceResult, str | None]:
    """The job's result, and what was wrong with its sidecar (None: nothing)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(FILE_TIME_BUDGET)
    try:
        sidecar, warning = (Sidecar(), job.sidecar_skip) if job.sidecar_skip else load_sidecar(job.sidecar)
        try:
            data = read_regular(job.read)
        except SourceError as e:
            return SourceResult(job.rel, None, None, str(e), sidecar=sidecar), warning
        return process_source(job.path, job.rel, job.options, data, sidecar), warning
    except FileTimeout as e:
        return _failed(job.rel, job.read, str(e)), None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class StagedSource:
    """One source ready to be written: its staging rows (``rows.staged_rows``,
    the search index's text of its body among them), its build-cache blob
    and, when it is ok, the summary merging needs."""

    path: str
    sha256: str | None  # what the build cache records: the bytes' hash, or _skip_key
    rows: list[tuple[str, dict]]
    blob: bytes
    summary: SourceSummary | None
    warning: str | None = None  # what was wrong with its sidecar


def staged(result: SourceResult, seq: int, blob: bytes | None = None, key: str | None = None,
           warning: str | None = None) -> StagedSource:
    """What the parent writes of one result (``seq``: the source's position;
    ``key``: what the cache records in place of its hash)."""
    return StagedSource(result.path, key or result.sha256, list(rows.staged_rows(result, seq)),
                        blob or store.pack(result), merge.summarise(result) if result.ok else None, warning)


def _staged_in_worker(job: Job, seq: dict[str, int]) -> StagedSource:
    """``_process`` in a worker, and everything the parent would do with the
    result before writing it: pack it as the build cache stores it, make its
    rows (the index text of its body: ``db.search.spaced``, a regex pass over
    every character) and summarise it.  The parent, which writes every
    result serially, then only inserts: per 1,000 laws 2.2 s of index text,
    0.5 s of unpacking, 1.2 s of summaries and 0.5 s of pickle and zlib off
    the serial path."""
    result, warning = _process(job)
    return staged(result, seq[job.rel], warning=warning)


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


def _freeze_parent() -> None:
    """Freeze what this process has loaded out of the garbage collector's
    reach, so forked workers share the pages instead of each copying its own.
    ``check_rules`` has loaded every stage's tables by then (it runs one page
    through the pipeline before any file is processed)."""
    import gc

    gc.collect()
    gc.freeze()


def process_all(jobs: list, workers: int, seq: dict[str, int]) -> Iterator[StagedSource]:
    """Every job's result staged (``seq``: each path's position), as each
    finishes.  Past a handful of files the jobs run in worker processes that
    are killed when a file overruns its budget: the alarm in ``_process``
    cannot interrupt a regex stuck inside C."""
    if len(jobs) < POOL_THRESHOLD:
        for job in jobs:
            result, warning = _process(job)
            yield staged(result, seq[job.rel], warning=warning)
        return
    import gc

    _freeze_parent()
    try:
        # Forked: the workers share ``seq`` instead of receiving it.
        for i, outcome in run_jobs(partial(_staged_in_worker, seq=seq), jobs, workers=max(1, workers),
                                   budget=FILE_TIME_BUDGET + 5, initializer=_warm,
                                   max_private_mb=WORKER_MAX_PRIVATE_MB):
            job = jobs[i]
            if isinstance(outcome, JobFailure):
                # The parent's kill comes a few seconds after the file's own
                # budget (its alarm could not fire inside C): same verdict.
                reason = _over_budget() if isinstance(outcome, JobTimeout) else outcome.reason
                yield staged(_failed(job.rel, job.read, reason), seq[job.rel])
                continue
            yield outcome
    finally:
        gc.unfreeze()


# Sidecar warnings printed one by one before the rest are only counted.
WARNINGS_SHOWN = 20


class Progress:
    """What a build reports while it processes files; this one reports
    nothing.  ``start`` comes once, before the first file (``todo`` files to
    process of ``sources``, on ``cores``), ``done`` after each processed
    file, ``end`` when processing is over (and again when the build ends or
    stops: a reporter ignores all but the first).  Called from
    the build's own loop once per file, so a reporter keeps ``done`` cheap
    (the command line's only reads the clock)."""

    def start(self, todo: int, sources: int, cores: int) -> None:
        pass

    def done(self, failed: bool) -> None:
        pass

    def end(self) -> None:
        pass


def target_of(db_path: Path, force: bool = False) -> Path:
    """The file a build of ``db_path`` writes: the real file behind a link
    (the link stays a link).  Refuses a folder, a FIFO or a device, and,
    without ``force``, a file that is not a policykb base."""
    real = Path(os.path.realpath(db_path))
    if real.is_dir():
        raise BuildError(f"{db_path} is a folder, not a database file")
    if real.exists() and not real.is_file():
        raise BuildError(f"{db_path} is {file_kind(real.stat().st_mode)}, not a database file")
    why = None if force else store.not_a_base(real)
    if why:
        raise BuildError(f"{db_path} is not a policykb base ({why}); use --force to overwrite it")
    return real


@dataclass
class Plan:
    """What a build writes: ``sources`` (rel → the Entry found under the
    given paths, or None for a source under other paths, kept), in order;
    ``hashes`` what the build cache will record of each (rel → (hash,
    version)), ``files`` where each is (rel → path from the base's folder)."""

    sources: dict[str, Entry | None]
    hashes: dict[str, tuple[str, str]]
    files: dict[str, str | None]


def _under(file: str | None, base: str, roots: tuple[str, ...]) -> bool:
    return file is not None and _inside(os.path.normpath(os.path.join(base, file)), roots)


def plan(entries: list[Entry], hashes: list[str | None] | None, previous: dict[str, tuple[str, str]],
         files_before: dict[str, str | None], roots: tuple[str, ...], base: str, version: str,
         force: bool = False) -> Plan:
    """Which source each entry is (``rel``) and which sources of the base stay.

    An entry keeps the ``rel`` the base knows its file by; a base that does
    not record files knows it by its ``rel``.  A new file takes its path
    under its given path, or, when a source of another path holds that name,
    its given path's name in front, or its path from the base's folder.
    Sources whose file is under the given paths but was not found are gone;
    sources under other paths are kept (with ``force`` nothing is).
    ``roots`` and ``base``: the real paths given and the base's folder, as
    ``shown_path`` shows them."""
    known = {file: rel for rel, file in files_before.items() if file}
    rels: list[str | None] = [None] * len(entries)
    taken: set[str] = set()
    for i, entry in enumerate(entries):
        rel = known.get(entry.file)
        if rel is not None and rel not in taken:
            rels[i] = rel
            taken.add(rel)
    for i, entry in enumerate(entries):  # a base from before files were recorded
        if rels[i] is None and entry.rel in previous and files_before.get(entry.rel) is None \
                and entry.rel not in taken:
            rels[i] = entry.rel
            taken.add(entry.rel)
    order = list(files_before) + [rel for rel in previous if rel not in files_before]
    kept = [] if force else [rel for rel in order if rel in previous and rel not in taken
                             and not _under(files_before.get(rel), base, roots)]
    taken.update(kept)
    for i, entry in enumerate(entries):
        if rels[i] is None:
            candidates = [entry.rel, f"{entry.root_name}/{entry.rel}", entry.file]
            rel = next((c for c in candidates if c not in taken), None)
            n = 2
            while rel is None or rel in taken:
                rel, n = f"{entry.file} ({n})", n + 1
            rels[i] = rel
            taken.add(rel)
    sources: dict[str, Entry | None] = {rel: None for rel in kept}
    # A kept source is reused from the cache only when the pipeline that
    # made it is this one; otherwise it is read again where it is.
    new_hashes = {rel: (previous[rel][0], version) for rel in kept}
    files = {rel: files_before.get(rel) for rel in kept}
    for i, (rel, entry) in enumerate(zip(rels, entries)):
        sources[rel] = entry
        files[rel] = entry.file
        key = _skip_key(entry.skip) if entry.skip else (hashes[i] or "") if hashes is not None else ""
        new_hashes[rel] = (key, version)
    return Plan(sources, new_hashes, files)


def build(paths: list[Path], db_path: Path, options: CleanOptions = CleanOptions(),
          workers: int | None = None, log=None, force: bool = False,
          progress: Progress | None = None) -> BuildSummary:
    """Build the base at ``db_path`` from ``paths``, or bring it up to date
    for them: files new or changed under those paths are processed, files
    gone from them removed, sources under other paths kept.  Refuses a file
    that is not a base unless ``force``; with ``force`` the base holds only
    ``paths`` (its cache still serves unchanged files).  ``progress``
    hears of each processed file; without it, ``log`` gets one line
    (``processing 3 of 225 files on 8 cores``)."""
    started = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    db_path = Path(db_path)
    target = target_of(db_path, force)
    with build_lock(target, db_path):
        version = pipeline_version()
        base = shown_path(str(target.parent))
        entries = list(iter_entries(paths, target.parent))
        roots = tuple(shown_path(os.path.realpath(p)) for p in paths)
        previous = {rel: (sha or "", v) for rel, (sha, v) in store.cached_hashes(target).items()}
        files_before = store.source_files(target) if previous else {}
        # Hash only to compare with a previous build: from scratch, the
        # workers hash what they read.  Bytes are not kept.
        hashes = hash_files([e.read for e in entries if e.read], workers) if previous else None
        if hashes is not None:
            it = iter(hashes)
            hashes = [next(it) if e.read else None for e in entries]
        todo_plan = plan(entries, hashes, previous, files_before, roots, base, version, force)
        # A base of an older schema, or written by other code in db/, is
        # rewritten even when no file changed; its cached results (pipeline
        # output, keyed by pipeline_version) are still valid and reused.
        if previous and previous == todo_plan.hashes and files_before == todo_plan.files \
                and store.base_is_current(target):
            ok, failed = store.source_counts(target)
            return BuildSummary(ok + failed, ok, failed, 0, None, time.perf_counter() - started, True)
        check_rules()
        sources = todo_plan.sources
        reusable = {rel: h for rel, h in todo_plan.hashes.items()
                    if h[0] and previous.get(rel) == h and not (sources[rel] and sources[rel].skip)}
        seq = {rel: i for i, rel in enumerate(sources)}
        written: dict[str, str | None] = {}  # rel → file, as each source is written
        keys: dict[str, str] = {}  # rel → the hash the cache records
        counts = {"processed": 0, "warnings": 0}

        def note(source: StagedSource) -> StagedSource:
            written[source.path] = todo_plan.files[source.path]
            keys[source.path] = source.sha256 or ""
            if source.warning:
                counts["warnings"] += 1
                if log and counts["warnings"] <= WARNINGS_SHOWN:
                    log(f"warning: {source.path}: {source.warning}")
            return source

        def results() -> Iterator[StagedSource]:
            reused = set()
            for rel, blob, result in store.cached_results(target, reusable):
                reused.add(rel)
                yield note(staged(result, seq[rel], blob))
            todo = []
            for rel, entry in sources.items():
                if rel in reused:
                    continue
                if entry is None:  # kept, but its cached result is stale: read it again where it is
                    entry = _kept_entry(rel, todo_plan.files[rel], target.parent)
                    if entry is None:
                        continue  # gone: nothing to keep
                if entry.skip:
                    yield note(staged(SourceResult(rel, None, None, entry.skip), seq[rel], key=_skip_key(entry.skip)))
                else:
                    todo.append(Job(entry.path, rel, entry.read, entry.sidecar, options, entry.sidecar_skip))
            counts["processed"] = len(todo)
            cores = min(workers, max(len(todo), 1))
            if progress is not None:
                progress.start(len(todo), len(sources), cores)
            elif log:
                log(f"processing {len(todo)} of {len(sources)} files on {cores} cores")
            for source in process_all(todo, workers, seq):
                if progress is not None:
                    progress.done(source.summary is None)
                yield note(source)
            if progress is not None:
                progress.end()

        try:
            documents, ok = _write(target, results(), version, written, shown_as=db_path)
        finally:
            if progress is not None:
                progress.end()  # a build that stops: the bar is closed before the error shows
        if log and counts["warnings"] > WARNINGS_SHOWN:
            log(f"warning: {counts['warnings'] - WARNINGS_SHOWN} more sidecars partly or wholly ignored")
        added = sum(1 for rel in keys if rel not in previous)
        changed = sum(1 for rel, key in keys.items() if rel in previous and key != previous[rel][0])
        kept = sum(1 for rel, entry in sources.items() if entry is None and rel in keys)
        return BuildSummary(len(keys), ok, len(keys) - ok, counts["processed"], documents,
                            time.perf_counter() - started, False, added=added, changed=changed,
                            removed=sum(1 for rel in previous if rel not in keys), kept=kept,
                            warnings=counts["warnings"])


def _kept_entry(rel: str, file: str | None, base_dir: Path) -> Entry | None:
    """A source under other paths whose cached result is stale (the pipeline
    changed): its file, read again where the base recorded it when it is a
    regular file there; None when it is not (it is then removed)."""
    if file is None:
        return None
    path = os.path.join(base_dir, file)
    read, skip = classify(path, ())
    if skip:
        return None
    side = path + SIDECAR_SUFFIX
    return Entry(rel, file, "", Path(path), Path(read), None, None if os.path.islink(side) else Path(side))


def write_database(db_path: Path, results: list[SourceResult], version: str) -> int:
    """Write these results as a database (in one go: the build streams them)."""
    return _write(db_path, (staged(r, i) for i, r in enumerate(results)), version)[0]


def _fsync(path: Path, folder: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if folder else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(db_path: Path, sources: Iterable[StagedSource], version: str, files: dict | None = None,
           shown_as: Path | None = None) -> tuple[int, int]:
    """Stage every source as it comes, merge, assemble, then swap the new
    database in.  ``files``: where each source's file is (filled while the
    sources come), recorded for the next build.  Returns (documents, ok
    sources)."""
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
        if files is not None:
            store.write_source_files(writer.db, files.items())
        ok = len(summaries)
        documents = assemble(writer, summaries)
        writer.close()
        # The base is written without a journal or syncs (a crash loses only
        # the temporary file): its bytes reach the disk before the rename
        # does, and the rename before the build says it is done.
        _fsync(tmp)
        os.replace(tmp, db_path)
        _fsync(db_path.parent, folder=True)
    except _Upstream as e:
        _discard(writer, tmp, stage)
        raise e.args[0]
    except (OSError, sqlite3.Error) as e:
        _discard(writer, tmp, stage)
        raise BuildError(f"cannot write {shown_as or db_path}: {getattr(e, 'strerror', None) or e}") from None
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
    # Validity as of the day of the build: a term that ended yesterday is expired.
    docs = merge.assess_validity(docs, writer.cited_as("repeals"), writer.cited_as("amends"),
                                 datetime.date.today().isoformat())
    writer.write_documents((rows.document_row(d) for d in docs), (row for d in docs for row in rows.issuer_rows(d)))
    store.write_rows(writer.db, "agencies", (rows.agency_row(a) for a in agency_rows(writer.agency_mentions())))
    return len(docs)
