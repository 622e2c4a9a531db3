"""Print floors for tests/devset/floors.json from a `policykb eval --json` result.

    policykb eval --db dev.db --gold tests/devset/gold --json > eval.json
    python scripts/pin_floors.py eval.json [--old tests/devset/floors.json]

Each measure's precision and F1, rounded down to two places: "at or just
under" the measured numbers.  With --old, a floor never goes down: the
larger of the old floor and the new one is kept (lowering one is a decision
to make by hand, with its reason in the commit).
"""

import argparse
import json
import math
from datetime import date


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("result")
    ap.add_argument("--old")
    args = ap.parse_args()
    measures = json.load(open(args.result, encoding="utf-8"))["measures"]
    old = json.load(open(args.old, encoding="utf-8")) if args.old else {}
    floors = {"_about": f"policykb eval on the development set, pinned {date.today()} at or just under the "
                        "measured precision and F1 (scripts/pin_floors.py); raise, never lower."}
    for name, m in measures.items():
        pinned = {}
        for stat in ("precision", "f1"):
            if m[stat] is not None:
                value = math.floor(m[stat] * 100) / 100
                pinned[stat] = max(value, old.get(name, {}).get(stat, 0))
        if pinned:
            floors[name] = pinned
    print(json.dumps(floors, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
