"""Compare Chinese full-text search options against a plain substring scan.

Usage: python benchmarks/search_options.py --db policies.db [--json out.json]

For each query, every option's result set is compared with the documents
that contain the query string (the truth a reader expects).  Prints recall,
precision, query CPU time, index size and indexing CPU time per option; this
is how the index of db/search.py was chosen (character pairs, after one
token per character: as exact, 2-4 times faster phrases, 60% larger).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time

import re
import unicodedata

import jieba

from policykb.db.search import _CJK, TOKEN_PUNCT, TOKENIZE, fts_query, spaced

QUERIES = ["教育", "公积金", "产教融合", "住房公积金贷款", "职业教育", "提取", "贷款", "二手房", "人才", "实训基地",
           "人民政府", "府", "房公", "住房，公积金"]

# The index before character pairs: every CJK character and punctuation
# mark a token, the query a phrase of characters.
_SINGLE = re.compile(f"([{_CJK}]|[{re.escape(TOKEN_PUNCT)}])")
_TERM = re.compile(f"[{_CJK}]|[{re.escape(TOKEN_PUNCT)}]|[^\\s{_CJK}{re.escape(TOKEN_PUNCT)}\"']+")


def char_spaced(text: str) -> str:
    return _SINGLE.sub(r" \1 ", unicodedata.normalize("NFKC", text or ""))


def char_query(query: str) -> str:
    words = [_TERM.findall(w) for w in unicodedata.normalize("NFKC", query).split()]
    return " ".join('"' + " ".join(t) + '"' for t in words if t) or '""'


def folded(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def options():
    """name → (tokenizer clause, document transform, query transform)."""
    return {
        "unicode61 (default)": ("unicode61", lambda t: t, lambda q: '"' + q + '"'),
        "trigram": ("trigram", lambda t: t, lambda q: '"' + q + '"'),
        "jieba-segmented": ("unicode61", lambda t: " ".join(jieba.cut(t)),
                            lambda q: '"' + " ".join(jieba.cut(q)) + '"'),
        "char-per-token": (TOKENIZE, char_spaced, char_query),
        "char pairs (chosen)": (TOKENIZE, spaced, fts_query),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--json")
    args = ap.parse_args()
    rows = sqlite3.connect(args.db).execute("select rowid, coalesce(title, ''), body from documents").fetchall()
    # The truth a reader expects: the string is in the title or the body,
    # ignoring line breaks and character width.
    truth = {q: {rowid for rowid, title, body in rows if folded(q) in folded(title) or folded(q) in folded(body)}
             for q in QUERIES}
    report = {}
    for name, (tokenizer, transform, to_query) in options().items():
        conn = sqlite3.connect(":memory:")
        conn.execute(f"create virtual table fts using fts5(title, body, tokenize=\"{tokenizer}\")")
        started = time.process_time()
        conn.executemany("insert into fts(rowid, title, body) values (?, ?, ?)",
                         ((r, transform(t), transform(b)) for r, t, b in rows))
        conn.commit()
        index_s = time.process_time() - started
        size = conn.execute("select sum(length(block)) from fts_data").fetchone()[0]
        tp = fp = fn = 0
        wrong = []
        started = time.process_time()
        for q in QUERIES:
            try:
                found = {r for (r,) in conn.execute("select rowid from fts where fts match ?", (to_query(q),))}
            except sqlite3.OperationalError:
                found = set()
            tp += len(found & truth[q])
            fp += len(found - truth[q])
            fn += len(truth[q] - found)
            if found != truth[q]:
                wrong.append(q)
        elapsed = (time.process_time() - started) / len(QUERIES) * 1000
        report[name] = {"recall": tp / max(tp + fn, 1), "precision": tp / max(tp + fp, 1), "ms_per_query": elapsed,
                        "index_bytes_per_doc": size / max(len(rows), 1), "index_cpu_s": index_s, "wrong": wrong}
    print(f"{len(rows)} documents, {len(QUERIES)} queries (CPU ms)")
    print(f"{'option':22}{'recall':>8}{'precision':>11}{'ms/query':>10}{'KB/doc':>8}{'index s':>9}  queries not exact")
    for name, r in report.items():
        print(f"{name:22}{r['recall']:8.3f}{r['precision']:11.3f}{r['ms_per_query']:10.2f}"
              f"{r['index_bytes_per_doc'] / 1000:8.2f}{r['index_cpu_s']:9.2f}  {' '.join(r['wrong'])}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
