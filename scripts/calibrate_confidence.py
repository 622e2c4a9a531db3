"""Measure each rule path's precision on the development set: the rows of extract/data/confidence.tsv.

    policykb build corpus/gov_html ../shared/corpora/web_pages tests/devset/pages --db dev.db
    python scripts/calibrate_confidence.py --db dev.db [--write]

For each fact table and evidence (the rule path a row came from), the share
of its rows on gold documents that match a gold item, (right + 1) / (rows + 2).  A path with fewer than
MIN_ROWS rows keeps the unmeasured 0.5.  --write rewrites the data file
(its comment header kept); rebuild afterwards, since the rows carry it.
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date
from pathlib import Path

from policykb.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "extract" / "data" / "confidence.tsv"
MEASURE_TABLE = {"citations": "citations", "targets": "targets", "deadlines": "deadlines", "periods": "periods",
                 "responsibilities": "responsibilities"}
MIN_ROWS = 5


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--gold", default=ROOT / "tests" / "devset" / "gold", type=Path)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    result = evaluate(args.db, args.gold)
    found, right = Counter(), Counter()
    for f in result.files:
        for measure, row, matched in f.judged:
            if measure in MEASURE_TABLE:
                key = (MEASURE_TABLE[measure], row.get("evidence") or "none")
                found[key] += 1
                right[key] += matched
    lines = []
    for key in sorted(found):
        n, ok = found[key], right[key]
        # Laplace's rule of succession: 8 right of 8 is 0.9, not a certainty;
        # the rules were tuned on these pages, so even this is optimistic.
        value = round((ok + 1) / (n + 2), 2) if n >= MIN_ROWS else 0.5
        lines.append(f"{key[0]}\t{key[1]}\t{value}\t{ok}/{n} rows, {date.today()}")
    print("\n".join(lines))
    if args.write:
        header = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        TABLE.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
