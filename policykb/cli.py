"""The command line: a thin wrapper over the library.

This is the only place that turns exceptions into one-line messages and exit
statuses.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

import click

from policykb.build import BuildError, Progress, build as build_database, shown_path
from policykb.process import process_source
from policykb.workers import PoolError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "corpus"
DEFAULT_METADATA = ROOT / "datasette_metadata.json"


@click.group()
@click.version_option(package_name="policykb")
def cli():
    """Chinese government policy notices as a searchable knowledge base."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--db", "db_path", default="policies.db", show_default=True, type=click.Path(path_type=Path),
              help="Database file to create or bring up to date.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any file fails.")
@click.option("--workers", type=int, default=None, help="Processes to use (default: one per core).")
@click.option("--force", is_flag=True,
              help="Overwrite FILE even if it is not a policykb base; a base then holds only PATHS.")
def build(paths, db_path, strict, workers, force):
    """Ingest files and folders (default: the bundled corpus) into a database.

    An existing base is brought up to date for PATHS only: new and changed
    files are processed, files gone from PATHS removed, sources under other
    paths kept."""
    paths = list(paths) or [DEFAULT_CORPUS]
    try:
        summary = build_database(paths, db_path, workers=workers, log=lambda m: click.echo(m, err=True),
                                 force=force, progress=BuildProgress(sys.stderr))
    except (BuildError, PoolError) as e:
        # A worker pool that cannot start (no memory, a broken install) is a
        # one-line error like any other, never a traceback.
        raise click.ClickException(str(e))
    tail = " (unchanged)" if summary.unchanged else f" ({summary.changes()}), {summary.documents} documents"
    click.echo(f"{summary.line()}{tail} in {summary.seconds:.2f} s → {shown_path(str(db_path))}")
    if summary.failed:
        click.echo("failures: select path, status from sources where status != 'ok'", err=True)
    if strict and summary.failed:
        sys.exit(1)


# A build whose processing ends within these seconds shows only its summary
# line; past them, progress: a bar on a terminal, redrawn at most every
# BAR_REDRAW s, or, when stderr is a file or a pipe (CI, nohup), one plain
# line every LINE_EVERY s.
BAR_AFTER = 2.0
BAR_REDRAW = 0.2
LINE_EVERY = 10.0


def duration(seconds: float) -> str:
    """``duration(42.4)`` → ``'42 s'``; ``duration(367)`` → ``'6 min 07 s'``;
    ``duration(3900)`` → ``'1 h 05 min'``."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s // 60 % 60:02d} min"


class BuildProgress(Progress):
    """Progress of a build on ``stream`` (stderr): files done of total,
    rate, time left, failures so far.  A click progress bar when ``stream``
    is a terminal, plain lines otherwise; nothing at all for a build that
    processes its files within BAR_AFTER (terminal) or LINE_EVERY seconds.
    ``done`` costs one clock read per file until it is time to draw."""

    def __init__(self, stream, clock=time.monotonic):
        self.stream, self.clock = stream, clock
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.todo = self.count = self.failed = 0
        self.bar = None
        self.shown = self.ended = False
        self.drawn = 0  # files done when the bar was last drawn

    def start(self, todo: int, sources: int, cores: int) -> None:
        self.todo = todo
        self.header = f"processing {todo:,} of {sources:,} files on {cores} cores"
        self.started = self.clock()
        self.next_draw = self.started + (BAR_AFTER if self.tty else LINE_EVERY)

    def done(self, failed: bool) -> None:
        self.count += 1
        self.failed += failed
        if self.clock() >= self.next_draw:
            self._draw()

    def status(self) -> str:
        """``240 files/s, 6 min 07 s left, 3 failed``."""
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.count / elapsed
        left = f"{duration((self.todo - self.count) / rate)} left" if rate else "time left unknown"
        return f"{rate:,.0f} files/s, {left}, {self.failed:,} failed"

    def _draw(self) -> None:
        now = self.clock()
        if self.tty:
            if self.bar is None:
                self.bar = click.progressbar(length=self.todo, label=self.header, file=self.stream, show_pos=True,
                                             show_eta=False, item_show_func=lambda _: self.status())
                self.bar.make_step(self.count)  # drawn first where processing is, not at 0
                self.bar.__enter__()
            else:
                self.bar.update(self.count - self.drawn)
            self.drawn = self.count
            self.next_draw = now + BAR_REDRAW
        else:
            if not self.shown:
                click.echo(self.header, file=self.stream)
            click.echo(f"processing: {self.count:,} of {self.todo:,} files, {self.status()}", file=self.stream)
            self.next_draw = now + LINE_EVERY
        self.shown = True

    def end(self) -> None:
        if self.ended or not hasattr(self, "started"):
            return
        self.ended = True
        if not self.shown:
            return
        if self.bar is not None:
            self.bar.update(self.count - self.drawn)
            self.bar.__exit__(None, None, None)
        else:
            click.echo(f"processed {self.count:,} files in {duration(self.clock() - self.started)}, "
                       f"{self.failed:,} failed", file=self.stream)


@cli.command()
@click.option("--db", "db_path", default="policies.db", show_default=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--metadata", default=DEFAULT_METADATA, show_default=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
def serve(db_path, port, host, metadata):
    """Serve a database read-only with Datasette."""
    from policykb.db.store import not_a_base

    why = not_a_base(db_path) or ("an empty file" if db_path.stat().st_size == 0 else None)
    if why:
        raise click.ClickException(f"{db_path} is not a policykb base ({why}); "
                                   f"build one with: policykb build --db {db_path}")
    from datasette.cli import cli as datasette_cli

    from policykb.datasette_plugin import stale_base

    stale = stale_base(db_path)
    if stale:
        raise click.ClickException(stale)
    quiet_datasette_errors()
    click.echo(f"policykb: serving {db_path} at http://{host}:{port}/", err=True)
    args = datasette_serve_args(db_path, port, host, metadata)
    try:
        datasette_cli.main(args=args, prog_name="datasette", standalone_mode=True)
    except Exception as e:  # noqa: BLE001 - whatever stops Datasette starting is one line, not a traceback
        raise click.ClickException(f"cannot serve {db_path}: {_reason(e)}")


def _reason(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


class _OneLineTraceback:
    """Stands in for ``traceback`` in Datasette's error handler: an error
    behind a 500 is one line on stderr (the access log has the request)."""

    @staticmethod
    def print_exc(*args, **kwargs) -> None:
        e = sys.exc_info()[1]
        if e is not None:
            click.echo(f"error: {_reason(e)}", err=True)


def quiet_datasette_errors() -> None:
    """Datasette's error handler prints a Rich traceback with every frame's
    locals for each error, a 404 included (~150 lines each), and a plain
    traceback again for a 500.  Served by policykb, a 404 is its access-log
    line and a 500 that line and one more (``error: KeyError: 'x'``).
    Datasette runs without Rich when it is not installed: the same path."""
    import datasette.handle_exception as handler

    handler.rich = None
    handler.traceback = _OneLineTraceback


def datasette_serve_args(db_path: Path, port: int, host: str, metadata: Path) -> list[str]:
    """Datasette's arguments: immutable (read-only) database, time and row limits."""
    return ["serve", "--immutable", str(db_path), "--metadata", str(metadata), "--host", host,
            "--port", str(port), "--setting", "sql_time_limit_ms", "3000",
            "--setting", "max_returned_rows", "1000", "--setting", "facet_time_limit_ms", "500",
            # Suggesting facets costs 85% of a search request at 10,000 documents.
            "--setting", "suggest_facets", "off",
            "--setting", "allow_download", "off"]


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--edits", "with_edits", is_flag=True, help="Add every cleaning edit (thousands on a traditional page).")
def show(file, with_edits):
    """Print what one file yields, as JSON, without touching a database:
    the document, its records, a cleaning summary (edits by kind), the clean
    text, and with --edits every edit last."""
    result = process_source(file, file.name)
    out = {"path": result.path, "sha256": result.sha256, "status": result.status, "encoding": result.encoding,
           "sidecar": _plain(result.sidecar)}
    if result.ok:
        clean, extracted = result.clean, result.extracted
        out["document"] = _plain(extracted.docinfo)
        for name in ("citations", "targets", "deadlines", "periods", "responsibilities", "duties"):
            out[name] = _plain(getattr(extracted, name))
        out["cleaning"] = {"traditional": clean.traditional, "spammed": clean.spammed,
                           "spin_confidence": clean.spin_confidence, "mojibake_unrecovered": clean.unrecovered,
                           "edit_count": len(clean.edits), "edits_by_kind": edits_by_kind(clean.edits)}
        out["body"] = clean.body
        if with_edits:
            out["edits"] = _plain(clean.edits)
    click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    if not result.ok:
        sys.exit(1)


def edits_by_kind(edits) -> dict[str, int]:
    """How many edits of each kind, most first: ``{"convert": 3, "spam": 1}``."""
    counts: dict[str, int] = {}
    for edit in edits:
        counts[edit.kind] = counts.get(edit.kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@cli.command(name="eval")
@click.option("--db", "db_path", default="policies.db", show_default=True, type=click.Path(path_type=Path),
              help="The base to score.")
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of gold files (format: tests/devset/README.md).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--worst", default=10, show_default=True, help="How many of the worst files to show.")
@click.option("--floors", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON of pinned floors ({measure: {f1|precision|recall: value}}); exit 1 below any.")
def eval_command(db_path, gold_dir, as_json, worst, floors):
    """Score a base against gold files: precision, recall and F1 per measure."""
    from policykb.db.evaluation import NotABase
    from policykb.evaluate import GoldError, below_floors, evaluate, format_table

    try:
        result = evaluate(db_path, gold_dir)
        pinned = json.loads(floors.read_text(encoding="utf-8")) if floors else {}
    except (NotABase, GoldError) as e:
        raise click.ClickException(str(e))
    except json.JSONDecodeError as e:
        raise click.ClickException(f"{floors}: not JSON (line {e.lineno}: {e.msg})")
    failures = below_floors(result, pinned)
    if as_json:
        out = result.as_dict(worst)
        out["below_floors"] = failures
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        click.echo(format_table(result, worst))
        for line in failures:
            click.echo(f"below floor: {line}", err=True)
    if result.gold_errors:
        raise click.ClickException(f"{len(result.gold_errors)} gold files could not be read")
    if failures:
        sys.exit(1)


def main():
    cli()


if __name__ == "__main__":
    main()
