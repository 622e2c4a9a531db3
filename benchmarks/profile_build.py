"""Where a build's time goes, stage by stage, in one process.

Usage:
    python benchmarks/profile_build.py DIR [--limit 300] [--json out.json]

Wraps the pipeline's stage functions (by the names the calling modules bind)
with wall-clock timers — a few dozen calls per file, so unlike cProfile it
does not inflate code that makes millions of small calls — then runs every
file of DIR through ``process_source`` and the results through
``write_database``.  One-time loads (the extraction tables, the mojibake
pre-filter's tables, OpenCC) are done first and reported apart; the mojibake
model is loaded by the first window searched, if any.  In a build, the rows
marked "(in workers)" run in the worker processes, not in the parent that
writes the database.  Also times one plain ``jieba.lcut`` over the same
files.

Times are CPU time of this process (time.process_time), so other load on
the machine does not inflate them.  Nested rows are included in their parent
(clean_page includes its stages).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def timed(label: str, fn):
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label] += time.process_time() - started
            CALLS[label] += 1
    wrapper.__wrapped__ = fn
    return wrapper


def wrap(module, name: str, label: str) -> None:
    if hasattr(module, name):
        setattr(module, name, timed(label, getattr(module, name)))


# (label, module, attribute): the attribute as the *calling* module binds it.
STAGES = [
    ("decode", "policykb.process", "decode"),
    ("page: text zoning", "policykb.ingest.page", "page_from_text"),
    ("page: html zoning", "policykb.ingest.page", "page_from_html"),
    ("  page: prepare (OpenCC, keys)", "policykb.ingest.text_page", "prepare"),
    ("  page: classify (rule pass)", "policykb.ingest.text_page", "classify"),
    ("clean_page (all cleaning)", "policykb.process", "clean_page"),
    ("  clean: zone deletions", "policykb.ingest.clean", "zone_deletions"),
    ("  clean: invisible", "policykb.ingest.clean", "find_invisible"),
    ("  clean: mojibake (pre-filter + repair)", "policykb.ingest.clean", "find_mojibake_repairs"),
    # calls = windows searched; the first one loads the model and word list
    ("    mojibake: search", "policykb.ingest.mojibake", "_search"),
    ("  clean: markup", "policykb.ingest.clean", "find_markup"),
    ("  clean: pinyin glosses", "policykb.ingest.clean", "find_glosses"),
    ("  clean: opencc conversions", "policykb.ingest.clean", "conversions_and_script"),
    ("  clean: spam", "policykb.ingest.clean", "find_spam"),
    ("  clean: despin", "policykb.ingest.clean", "despin"),
    ("  clean: whitespace", "policykb.ingest.clean", "find_blank_space"),
    ("  clean: meta values", "policykb.ingest.clean", "clean_meta_value"),
    ("extract (all)", "policykb.extract.pipeline", "extract"),
    ("    finder: find_doc_numbers (in docinfo)", "policykb.extract.docinfo", "find_doc_numbers"),
    ("    finder: find_doc_numbers (in citations)", "policykb.extract.citations", "find_doc_numbers"),
    ("    finder: extract_docinfo", "policykb.extract.pipeline", "extract_docinfo"),
    ("    finder: find_citations", "policykb.extract.pipeline", "find_citations"),
    ("    finder: find_targets", "policykb.extract.pipeline", "find_targets"),
    ("    finder: find_deadlines", "policykb.extract.pipeline", "find_deadlines"),
    ("    finder: split_dates (obligations, periods)", "policykb.extract.pipeline", "split_dates"),
    ("    finder: find_responsibilities", "policykb.extract.pipeline", "find_responsibilities"),
    ("    finder: find_duty_sentences", "policykb.extract.pipeline", "find_duty_sentences"),
    ("merge: summarise (in workers)", "policykb.merge", "summarise"),
    ("merge: documents_from_summaries", "policykb.merge", "documents_from_summaries"),
    ("db: write rows", "policykb.db.store", "write_rows"),
    ("db: pack cache (pickle+zlib) (in workers)", "policykb.db.store", "pack"),
    ("db: spaced() bodies (in workers)", "policykb.db.rows", "spaced"),
    ("db: FTS index", "policykb.db.store", "build_search_index"),
    ("  db: spaced() titles", "policykb.db.store", "spaced"),
]


def install() -> None:
    import importlib

    for label, module, name in STAGES:
        wrap(importlib.import_module(module), name, label)
    from policykb.ingest.edits import EditLog

    from policykb.db.store import BuildWriter

    for name in ("stage", "set_documents", "write_citations", "write_documents", "close"):
        setattr(BuildWriter, name, timed(f"db: BuildWriter.{name}", getattr(BuildWriter, name)))
    EditLog.apply = timed("  clean: EditLog.apply", EditLog.apply)
    EditLog.edits = timed("  clean: EditLog.edits", EditLog.edits)


def warm() -> dict:
    """One-time loads, timed apart from the per-file work."""
    out = {}
    for label, call in (
        ("extraction tables", lambda: __import__("policykb.extract.pipeline", fromlist=["x"]).warm_up()),
        ("OpenCC", lambda: __import__("policykb.ingest.convert", fromlist=["x"]).to_simplified("預熱")),
        # What every build loads: the pre-filter's tables (the full model
        # is loaded by the first window searched, timed below on its own).
        ("mojibake pre-filter", lambda: __import__("policykb.ingest.mojibake", fromlist=["x"]).find_mojibake_repairs(
            "预热")),
    ):
        started = time.process_time()
        call()
        out[label] = time.process_time() - started
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix in (".txt", ".html"))[:args.limit]
    size = sum(p.stat().st_size for p in files)

    loads = warm()
    install()
    from policykb import build as build_module
    from policykb.process import process_source

    started = time.process_time()
    results = [process_source(p, p.relative_to(args.folder).as_posix()) for p in files]
    TIMES["process_source (per-file total)"] = time.process_time() - started
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        started = time.process_time()
        build_module.write_database(Path(tmp) / "p.db", results, "profile")
        TIMES["write_database (all)"] = time.process_time() - started

    # One plain jieba pass over the same files: the build's yardstick.
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    raw = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    t = time.process_time()
    for text in raw:
        jieba.lcut(text)
    jieba_s = time.process_time() - t
    total = TIMES["process_source (per-file total)"] + TIMES["write_database (all)"]

    print(f"{len(files)} files, {size / 1e6:.1f} MB; pipeline + DB {total:.1f} s "
          f"({size / 1e6 / total:.3f} MB/s single process); plain jieba.lcut {jieba_s:.1f} s")
    print("one-time loads: " + ", ".join(f"{k} {v:.2f} s" for k, v in loads.items()))
    labels = [s[0] for s in STAGES] + ["  clean: EditLog.apply", "  clean: EditLog.edits"]
    labels += sorted(k for k in TIMES if k.startswith("db: BuildWriter"))
    labels += ["process_source (per-file total)", "write_database (all)"]
    print(f"{'stage':44s} {'seconds':>8s} {'% of total':>10s} {'calls':>7s}")
    for label in labels:
        if label in TIMES:
            print(f"{label:44s} {TIMES[label]:8.2f} {100 * TIMES[label] / total:9.1f}% {CALLS.get(label, 1):7d}")
    print(f"{'(plain jieba.lcut, same files)':44s} {jieba_s:8.2f} {100 * jieba_s / total:9.1f}%")
    if args.json:
        args.json.write_text(json.dumps({"files": len(files), "mb": size / 1e6, "total_s": total,
                                         "jieba_s": jieba_s, "loads": loads,
                                         "stages": {k: {"s": TIMES[k], "calls": CALLS.get(k, 1)} for k in labels
                                                    if k in TIMES}}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
