"""A process pool with a deadline on every job.

``signal.alarm`` cannot stop a file whose processing is stuck inside one C
call: Python's ``re`` does not check for signals while it matches, so a
catastrophic pattern would hang the build for good.  Here each job runs in a
worker process and the parent watches the clock; a worker still on the same
job after ``budget`` seconds is killed (SIGKILL) and replaced, and the job is
reported as a ``JobTimeout``.  A worker that dies (segfault, OOM killer,
``os._exit``) costs only its current job, reported as a ``JobCrash`` with the
exit status.  An exception raised by the job function is a ``JobError``.

Jobs are pulled from the iterable as workers need them (at most
``workers * batch`` ahead), so a corpus of 100,000 files is never queued at
once.  Jobs go to an idle worker a few at a time (``batch``) to keep the cost
per job low; results come back one by one, which is how the parent knows
when each job started.  With ``max_jobs`` a worker that has run that many
jobs is let go when idle and replaced, so whatever its caches gather stays
bounded.

>>> sorted(run_jobs(abs, [-1, 2, -3], workers=2, budget=10))
[(0, 1), (1, 2), (2, 3)]

Uses the ``fork`` start method (Linux, macOS): the job function and the
initializer need not be picklable, the jobs and results must be.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator

# Jobs sent to an idle worker in one message.  At ~10 ms a file a pipe round
# trip (~0.1 ms) is already small; batching removes the idle gap between jobs
# without holding many jobs hostage to a worker that gets killed.
DEFAULT_BATCH = 4
# A worker's memory is read (/proc/<pid>/smaps_rollup, a few ms) at most once
# every this many of its jobs.
MEASURE_EVERY = 100


class PoolError(RuntimeError):
    """The pool cannot run at all (a worker's initializer failed or crashed)."""


@dataclass(frozen=True)
class JobTimeout:
    """The job was still running after ``budget`` seconds; its worker was killed."""

    budget: float

    @property
    def reason(self) -> str:
        return f"took longer than the {self.budget:g} s budget for one file"


@dataclass(frozen=True)
class JobCrash:
    """The worker died during the job; ``exitcode`` is negative for a signal."""

    exitcode: int | None

    @property
    def reason(self) -> str:
        if self.exitcode is not None and self.exitcode < 0:
            try:
                name = signal.Signals(-self.exitcode).name
            except ValueError:
                name = f"signal {-self.exitcode}"
            return f"worker process killed by {name} while processing the file"
        return f"worker process died (exit code {self.exitcode}) while processing the file"


@dataclass(frozen=True)
class JobError:
    """The job function raised; the worker lives on."""

    error: str  # "ValueError: bad value", one line

    @property
    def reason(self) -> str:
        return f"internal error: {self.error}"


JobFailure = (JobTimeout, JobCrash, JobError)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{error.__class__.__name__}: {text}"[:300] if text else error.__class__.__name__


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when the parent dies (PR_SET_PDEATHSIG),
    so a worker stuck in a regex does not outlive a killed build."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the EOF on the pipe still ends an idle worker
        pass


def _worker_main(conn: Connection, func: Callable, initializer: Callable | None,
                 inherited: list[Connection], parent_pid: int) -> None:
    # Other workers' pipe ends came along with the fork: holding them would
    # keep those pipes open after their owners die.
    for other in inherited:
        other.close()
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)
    # Ctrl-C is the parent's to handle: it kills the workers on the way out.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if initializer is not None:
            initializer()
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises
        conn.send(("init-failed", _one_line(e)))
        return
    conn.send(("ready", None))
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for index, job in batch:
            try:
                outcome = func(job)
            except Exception as e:  # noqa: BLE001 - one job's bug must not end the worker
                outcome = JobError(_one_line(e))
            try:
                conn.send((index, outcome))
            except (EOFError, OSError):
                return
            except Exception as e:  # the result does not pickle
                conn.send((index, JobError(f"result cannot be sent back: {_one_line(e)}")))


class _Worker:
    def __init__(self, ctx, func, initializer, others: list[Connection]):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, daemon=True,
                                   args=(child, func, initializer, others, os.getpid()))
        self.process.start()
        child.close()
        self.ready = False
        self.batch: deque[tuple[int, Any]] = deque()  # sent, result not back yet; [0] is running
        self.deadline = math.inf
        self.done = 0  # jobs finished
        self.measured_at = 0  # jobs finished when its memory was last read

    def private_mb(self) -> float | None:
        """Memory this worker holds alone (pages shared with the parent after
        the fork are not counted), or None where Linux's smaps_rollup is missing."""
        try:
            with open(f"/proc/{self.process.pid}/smaps_rollup") as fh:
                kb = sum(int(line.split()[1]) for line in fh
                         if line.startswith(("Private_Clean:", "Private_Dirty:")))
        except (OSError, ValueError, IndexError):
            return None
        return kb / 1024

    def outgrown(self, max_jobs: int | None, max_private_mb: float | None) -> bool:
        """Finished with ``max_jobs`` jobs, or holding more than ``max_private_mb``
        (read at most every MEASURE_EVERY jobs)."""
        if max_jobs is not None and self.done >= max_jobs:
            return True
        if max_private_mb is None or self.done - self.measured_at < MEASURE_EVERY:
            return False
        self.measured_at = self.done
        held = self.private_mb()
        return held is not None and held > max_private_mb

    def stop(self, grace: float = 0.0) -> int | None:
        """Kill the worker (idle, stuck or already dead) and return its exit status.

        ``grace``: for a worker whose pipe closed, time to finish dying on its
        own, so its own exit status is reported rather than our SIGKILL."""
        if grace:
            self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        return self.process.exitcode


def run_jobs(func: Callable[[Any], Any], jobs: Iterable, workers: int, budget: float | None,
             initializer: Callable[[], None] | None = None, *, batch: int = DEFAULT_BATCH,
             ordered: bool = False, max_jobs: int | None = None,
             max_private_mb: float | None = None) -> Iterator[tuple[int, Any]]:
    """Run ``func(job)`` for every job on ``workers`` processes.

    Yields ``(index, outcome)`` for every job exactly once, where ``index`` is
    the job's position in ``jobs`` and ``outcome`` is ``func(job)``, or a
    ``JobTimeout`` (over ``budget`` seconds; ``None`` for no limit), a
    ``JobCrash`` or a ``JobError``.  In completion order, or in input order
    with ``ordered=True`` (which holds finished results back while an earlier
    job is still running).  ``initializer()`` runs once in every worker,
    including replacements, before it gets any job; its time does not count
    against any job's budget.  ``max_jobs``: a worker that has finished that
    many jobs is stopped once idle and replaced (memory held by caches in the
    job function is returned); ``max_private_mb``: the same for a worker whose
    own memory has grown past that.  Closing the iterator early stops the
    workers.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    ctx = multiprocessing.get_context("fork")
    source = iter(enumerate(jobs))
    pending: deque[tuple[int, Any]] = deque()  # taken from source (or given back), not sent
    source_done = False
    pool: list[_Worker] = []
    held: dict[int, Any] = {}
    next_out = 0

    def fill(n: int) -> None:
        nonlocal source_done
        while not source_done and len(pending) < n:
            try:
                pending.append(next(source))
            except StopIteration:
                source_done = True

    def emit(index: int, outcome) -> Iterator[tuple[int, Any]]:
        nonlocal next_out
        if not ordered:
            yield index, outcome
            return
        held[index] = outcome
        while next_out in held:
            yield next_out, held.pop(next_out)
            next_out += 1

    def lost(worker: _Worker, outcome) -> Iterator[tuple[int, Any]]:
        """The worker is gone: its running job gets ``outcome``, the rest go back."""
        pool.remove(worker)
        if worker.batch:
            index, _ = worker.batch.popleft()
            pending.extendleft(reversed(worker.batch))
            yield from emit(index, outcome)

    try:
        while True:
            if max_jobs is not None or max_private_mb is not None:
                for w in [w for w in pool if not w.batch and w.outgrown(max_jobs, max_private_mb)]:
                    w.stop()
                    pool.remove(w)
            fill(workers * batch)
            # Start a worker for work that no idle or starting worker will take.
            while len(pool) < workers and len(pending) > sum(1 for w in pool if not w.batch):
                pool.append(_Worker(ctx, func, initializer, [w.conn for w in pool]))
            idle = [w for w in pool if w.ready and not w.batch]
            free = sum(1 for w in pool if not w.batch)
            for w in idle:
                if not pending:
                    break
                # Near the end, share what is left instead of giving it all to one worker.
                size = batch if not source_done else max(1, min(batch, math.ceil(len(pending) / free)))
                if max_jobs is not None:
                    size = max(1, min(size, max_jobs - w.done))
                chunk = [pending.popleft() for _ in range(min(size, len(pending)))]
                free -= 1
                w.batch.extend(chunk)
                w.deadline = time.monotonic() + budget if budget is not None else math.inf
                try:
                    w.conn.send(chunk)
                except OSError:
                    pass  # it died: the EOF below reports it
            if source_done and not pending:
                # Idle workers with nothing left to do are let go (each holds
                # a loaded pipeline); the pool ends with the last result.
                for w in [w for w in pool if not w.batch]:
                    w.stop()
                    pool.remove(w)
                if not pool:
                    break
            now = time.monotonic()
            timeout = min((w.deadline for w in pool if w.batch), default=math.inf) - now
            ready = wait([w.conn for w in pool], timeout=None if timeout == math.inf else max(timeout, 0))
            for conn in ready:
                w = next(w for w in pool if w.conn is conn)
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    exitcode = w.stop(grace=2.0)
                    if not w.ready:
                        raise PoolError(f"a worker died while starting (exit code {exitcode})") from None
                    yield from lost(w, JobCrash(exitcode))
                    continue
                tag, payload = message
                if tag == "ready":
                    w.ready = True
                elif tag == "init-failed":
                    w.stop()
                    raise PoolError(f"worker initializer failed: {payload}")
                else:
                    index, outcome = tag, payload
                    w.batch.popleft()
                    w.done += 1
                    w.deadline = time.monotonic() + budget if budget is not None and w.batch else math.inf
                    yield from emit(index, outcome)
            now = time.monotonic()
            for w in [w for w in pool if w.batch and w.deadline <= now]:
                w.stop()
                yield from lost(w, JobTimeout(budget))
    finally:
        for w in pool:
            w.stop()
