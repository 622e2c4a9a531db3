"""Cleaning on synthetic damage other than mojibake: how much of it is undone.

Usage: python benchmarks/damage_synthetic.py [--n 60] [--seed 1] [--json out.json]

Real notices (the bodies of corpus/gov_html, as the pipeline cleans them)
are damaged one way at a time, the way mirror sites damage them, then cleaned
again as a text scrape; the result is compared with the clean body:

- traditional: converted to traditional script (OpenCC s2t), as Big5 and
  Hong Kong mirrors print them;
- pinyin: toned pinyin glosses after one character in twenty (``發(fā)``),
  on the traditional text, as seed 000's mirror does;
- spam_known / spam_unseen: a spam phrase dropped into one sentence in four,
  with a spam headline on top; "known" phrases are in ingest/data, "unseen"
  ones are not (what a new page would bring);
- spun: every swap of ingest/data/spin_table.tsv applied forwards (original
  to spun form).  Its own rows reversed, so this checks detection and the
  order of reversal, not the table's coverage.

Per kind: documents cleaned back exactly, the mean character error
(1 - difflib ratio against the clean body) and what was left behind.
Numbers, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import opencc
from pypinyin import Style, pinyin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policykb.ingest.clean import clean_page  # noqa: E402
from policykb.ingest.despin import load_table  # noqa: E402
from policykb.ingest.page import page_from_text  # noqa: E402

SPAM_KNOWN = ["上门服务", "西野翔qvod", "双城之战在线观看", "威尼斯人娱乐"]
# Not in ingest/data: what a page the project has never seen might carry.
SPAM_UNSEEN = ["澳门新葡京", "同城约炮", "代开发票", "办理假证", "网络兼职刷单", "彩票计划群"]
SPAM_HEADLINE = "国产精品一区二区_日韩无码在线观看_大香蕉网"


def clean_body(text: str) -> str:
    return clean_page(page_from_text(text)).body


def references(n: int, rng: random.Random) -> list[str]:
    """Clean bodies of real notices: build the bundled gov pages once."""
    from policykb.build import build

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ref.db"
        build([ROOT / "corpus" / "gov_html"], db, workers=2)
        conn = sqlite3.connect(db)
        bodies = [b for (b,) in conn.execute(
            "select body from documents where doc_type not in ('新闻', '解读') and length(body) between 400 and 6000 "
            "order by id")]
        conn.close()
    rng.shuffle(bodies)
    # The clean body cleaned again is the reference: cleaning twice must be stable.
    return [clean_body(b) for b in bodies[:n]]


def traditional(text: str, rng: random.Random) -> str:
    return opencc.OpenCC("s2t").convert(text)


def glossed(text: str, rng: random.Random) -> str:
    out = []
    for ch in opencc.OpenCC("s2t").convert(text):
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.05:
            reading = pinyin(ch, style=Style.TONE, errors="ignore")
            if reading and reading[0]:
                out.append(f"({reading[0][0]})")
    return "".join(out)


def spammed(phrases: list[str]):
    def damage(text: str, rng: random.Random) -> str:
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if len(line) > 20 and rng.random() < 0.25:
                cut = rng.randrange(5, len(line) - 5)
                lines[i] = line[:cut] + rng.choice(phrases) + line[cut:]
        return SPAM_HEADLINE + "\n" + "\n".join(lines)
    return damage


def spun(text: str, rng: random.Random) -> str:
    rows = sorted((r for r in load_table() if r.confidence in ("high", "medium") and r.priority > 0),
                  key=lambda r: -len(r.original))
    out, i = [], 0
    while i < len(text):
        for r in rows:
            if text.startswith(r.original, i):
                out.append(r.spun)
                i += len(r.original)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


KINDS = {
    "traditional": traditional,
    "pinyin": glossed,
    "spam_known": spammed(SPAM_KNOWN),
    "spam_unseen": spammed(SPAM_UNSEEN),
    "spun": spun,
}


def leftovers(reference: str, cleaned: str, limit: int = 3) -> list[str]:
    """Pieces of the cleaned text that are not in the reference."""
    out = []
    matcher = difflib.SequenceMatcher(None, reference, cleaned, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op != "equal":
            out.append(f"{reference[a1:a2]!r}->{cleaned[b1:b2]!r}")
            if len(out) >= limit:
                break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    refs = references(args.n, rng)
    results = {}
    print(f"{len(refs)} notices from corpus/gov_html, seed {args.seed}")
    print(f"{'damage':<13} {'exact':>7} {'char error':>11} {'seconds':>8}  examples of what is left")
    for kind, damage in KINDS.items():
        exact, errors, examples = 0, [], []
        started = time.process_time()
        for ref in refs:
            cleaned = clean_body(damage(ref, rng))
            error = 1 - difflib.SequenceMatcher(None, ref, cleaned, autojunk=False).ratio()
            errors.append(error)
            if cleaned == ref:
                exact += 1
            elif len(examples) < 3:
                examples += leftovers(ref, cleaned, 1)
        seconds = time.process_time() - started
        mean = sum(errors) / len(errors)
        results[kind] = {"documents": len(refs), "exact": exact, "mean_char_error": round(mean, 5),
                         "cpu_seconds": round(seconds, 2), "examples": examples}
        print(f"{kind:<13} {exact:>3}/{len(refs):<3} {mean:>11.4%} {seconds:>8.1f}  {'; '.join(examples)[:150]}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
