"""Mojibake repair on synthetic damage: how often the repair is exact.

Usage: python benchmarks/mojibake_synthetic.py [--n 200] [--seed 1] [--json out.json]

Clean sentences (lawref converted to traditional script, and tw_laws) are
damaged the way the content farm damaged seed 001 (``farm_decode``): pinyin
glosses inserted byte-wise after traditional characters, a stray ASCII byte
inside a character, or an ideographic-space indent split by a space.  Each
damaged line is repaired, glosses are removed, and the result is compared
with the clean sentence:

- exact: the clean sentence back;
- marked: right except for characters marked 〓 (honest);
- wrong: anything else (a silent error);
- untouched: no repair proposed.

Unseen damaged pages look like this, not like the seed, so tune here.
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import re
import time
import unicodedata

import opencc
from pypinyin import Style, pinyin

from policykb.ingest.edits import apply_proposals
from policykb.ingest.mojibake import MARK, farm_decode, find_mojibake_repairs

GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")
STRAY = b"!#%&*+,-.;:="


def folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def sentences(rng: random.Random) -> list[str]:
    s2t = opencc.OpenCC("s2t")
    out = []
    files = sorted(glob.glob("/work/shared/corpora/lawref/**/*.md", recursive=True) +
                   glob.glob("../shared/corpora/lawref/**/*.md", recursive=True))
    rng.shuffle(files)
    for path in files[:150]:
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if 15 <= len(line) <= 60 and not line.startswith(("#", "<", "|")):
                out.append(s2t.convert(line))
    laws = sorted(glob.glob("/work/shared/corpora/tw_laws/FalVMingLing/*.json") +
                  glob.glob("../shared/corpora/tw_laws/FalVMingLing/*.json"))
    rng.shuffle(laws)
    for path in laws[:80]:
        for article in json.load(open(path, encoding="utf-8")).get("法規內容", []):
            text = article.get("條文內容", "") if isinstance(article, dict) else ""
            out += [part.strip() for part in text.split("\n") if 15 <= len(part) <= 60]
    rng.shuffle(out)
    return out


def gloss_table(lines: list[str]) -> dict[str, str]:
    """Traditional characters that differ from their simplified form → toned reading."""
    t2s = opencc.OpenCC("t2s")
    table: dict[str, str] = {}
    for line in lines[:3000]:
        for ch in line:
            if "\u4e00" <= ch <= "\u9fff" and ch not in table and t2s.convert(ch) != ch:
                try:
                    ch.encode("gbk")
                except UnicodeEncodeError:
                    continue
                table[ch] = pinyin(ch, style=Style.TONE)[0][0]
    return table


def damage(sentence: str, glosses: dict[str, str], rng: random.Random) -> tuple[str, str, str] | None:
    """(damaged text, clean text, kind of damage)."""
    try:
        data = sentence.encode("gbk")
    except UnicodeEncodeError:
        return None
    kind = rng.choice(["gloss", "indent", "stray", "gloss"])
    if kind == "indent":
        data = b"\xa1 " + "\u3000（一）".encode("gbk")[1:] + data
        sentence = "（一）" + sentence
    elif kind == "stray":
        starts, i = [], 0
        while i < len(data):
            starts.append(i)
            i += 2 if data[i] >= 0x81 else 1
        candidates = [i for i in starts if data[i] >= 0x81 and i >= 4]
        if not candidates:
            return None
        i = rng.choice(candidates)
        data = data[:i + 1] + bytes([rng.choice(STRAY)]) + data[i + 1:]
    for ch, reading in glosses.items():
        encoded = ch.encode("gbk")
        data = data.replace(encoded, encoded + f"({reading})".encode("gbk"))
    return farm_decode(data), sentence, kind


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="damaged lines to repair")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="write the counts and every case here")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lines = sentences(rng)
    glosses = gloss_table(lines)
    counts = {"exact": 0, "marked": 0, "wrong": 0, "untouched": 0}
    cases, seconds = [], 0.0
    for sentence in lines:
        damaged = damage(sentence, glosses, rng)
        if damaged is None:
            continue
        text, clean, kind = damaged
        if folded(GLOSS.sub("", text)) == folded(clean):
            continue  # the damage happened to leave no trace
        started = time.perf_counter()
        repairs = find_mojibake_repairs(text)
        seconds += time.perf_counter() - started
        repaired = apply_proposals(text, [(r.start, r.end, r.replacement) for r in repairs])
        got, want = folded(GLOSS.sub("", repaired)), folded(clean)
        if got == want:
            verdict = "exact"
        elif not repairs:
            verdict = "untouched"
        elif MARK in got and len(got) == len(want) and all(a == b or a == MARK for a, b in zip(got, want)):
            verdict = "marked"
        else:
            verdict = "wrong"
        counts[verdict] += 1
        cases.append({"verdict": verdict, "kind": kind, "damaged": text, "repaired": got, "clean": want})
        if len(cases) >= args.n:
            break
    total = max(len(cases), 1)
    print(f"{len(cases)} damaged lines, seed {args.seed}: " +
          ", ".join(f"{k} {v} ({v / total:.0%})" for k, v in counts.items()) +
          f"; repair time {seconds:.1f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"counts": counts, "seconds": seconds, "cases": cases}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
