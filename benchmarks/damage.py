"""The damage benchmark: real paragraphs damaged every way scraped pages are, cleaned back.

Usage: python benchmarks/damage.py [--n 40] [--seed 1] [--json out.json]

Each sample is a short page of three consecutive real paragraphs (lawref in
simplified script, tw_laws in traditional, the web pages' document lines).
One kind of damage is applied to the middle paragraph (``mixed``: a different
kind to each paragraph); the page is cleaned as a text scrape and compared
with the same page cleaned undamaged.  Kinds, as issue 16 lists them:

- utf8_as_gbk / utf8_as_gb18030 / utf8_as_big5: UTF-8 bytes read in a
  Chinese code page (invalid pairs become U+FFFD), the commonest mojibake;
- utf8_as_cp1252 (invalid bytes U+FFFD, as browsers do) and utf8_as_latin1
  (lossless);
- gbk_as_big5 and big5_as_gbk: one Chinese code page read as the other;
- shift_question / shift_fffd / shift_dropped / shift_farm: GBK text with
  one stray byte inserted, so the pairs after it fall out of step, decoded
  with ``?`` / U+FFFD / nothing for invalid pairs, and the seed's decoder;
- gloss_space: toned pinyin glosses after one character in five, with the
  scraper's space after each (and one space inside: ``(huì )``);
- site_tag: ``[某某网 资讯]`` before the first paragraph;
- traditional: the page in traditional script;
- mixed: three kinds in one page.

Reported per kind: pages cleaned back exactly (the measure) and the mean
character error.  ``clean``: the same pages undamaged, cleaned once; a line
changed by a mojibake edit there is a false repair (its measure: pages with
none).  Numbers, not a test, but tests/test_eval_gate.py runs ``run()``
with the floors of benchmarks/damage_floors.json.
"""

from __future__ import annotations

import argparse
import difflib
import glob
import json
import random
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
sys.path.insert(0, str(ROOT))

import opencc  # noqa: E402
from pypinyin import Style, pinyin  # noqa: E402

from policykb.ingest.clean import clean_page  # noqa: E402
from policykb.ingest.mojibake import farm_decode  # noqa: E402
from policykb.ingest.page import page_from_text  # noqa: E402

SITE_TAGS = ["[中国网 资讯]", "【新华网 时政】", "[人民网 地方]"]
CJK = re.compile(r"[\u4e00-\u9fff]")


class MissingInput(Exception):
    """A corpus the benchmark reads is not there (the gate fails on it, never skips)."""


# --- paragraphs ------------------------------------------------------------------


def _good(line: str) -> bool:
    line = line.strip()
    return 20 <= len(line) <= 120 and len(CJK.findall(line)) >= 0.6 * len(line) and not line.startswith(("#", "<", "|"))


def paragraph_groups(rng: random.Random, n: int) -> list[list[str]]:
    """n groups of three consecutive real paragraphs, from three corpora in turn."""
    sources = {
        "lawref": sorted(glob.glob(str(CORPORA / "lawref" / "**" / "*.md"), recursive=True)),
        "tw_laws": sorted(glob.glob(str(CORPORA / "tw_laws" / "FalVMingLing" / "*.json"))),
        "web_pages": sorted(glob.glob(str(CORPORA / "web_pages" / "*.txt"))),
    }
    for name, files in sources.items():
        if not files:
            raise MissingInput(f"damage benchmark: no {name} files under {CORPORA}")
    groups: list[list[str]] = []
    order = list(sources)
    attempts = 0
    while len(groups) < n and attempts < 50 * n:
        attempts += 1
        files = sources[order[len(groups) % len(order)]]
        path = rng.choice(files)
        if path.endswith(".json"):
            law = json.loads(Path(path).read_text(encoding="utf-8"))
            lines = []
            for article in law.get("法規內容") or []:
                lines += str(article.get("條文內容", "")).replace("\r\n", "\n").split("\n")
        else:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        lines = [line.strip() for line in lines if _good(line)]
        if len(lines) < 3:
            continue
        start = rng.randrange(len(lines) - 2)
        groups.append(lines[start:start + 3])
    return groups


# --- kinds of damage --------------------------------------------------------------


def _misread(source: str, target: str, errors: str = "replace") -> Callable[[str, random.Random], str]:
    def damage(text: str, rng: random.Random) -> str:
        try:
            data = text.encode(source)
        except UnicodeEncodeError:
            data = text.encode(source, errors="ignore")
        return data.decode(target, errors=errors)
    return damage


def _shift(errors: str) -> Callable[[str, random.Random], str]:
    """A stray ASCII byte inside the GBK bytes: every pair after it is read out of step."""
    def damage(text: str, rng: random.Random) -> str:
        data = text.encode("gbk", errors="ignore")
        odd = [i for i in range(1, len(data), 2)]
        at = rng.choice(odd[: max(1, len(odd) // 2)])
        data = data[:at] + rng.choice(b"!#%&*+-.;=").to_bytes(1, "big") + data[at:]
        if errors == "farm":
            return farm_decode(data)
        if errors == "question":
            return data.decode("gbk", errors="replace").replace("\ufffd", "?")
        return data.decode("gbk", errors="replace" if errors == "fffd" else "ignore")
    return damage


def _glosses(text: str, rng: random.Random) -> str:
    out = []
    for ch in text:
        out.append(ch)
        if CJK.match(ch) and rng.random() < 0.2:
            reading = pinyin(ch, style=Style.TONE)[0][0]
            inside = " " if rng.random() < 0.1 else ""
            out.append(f"({reading}{inside}) ")
    return "".join(out)


_S2T = None


def _traditional(text: str, rng: random.Random) -> str:
    global _S2T
    _S2T = _S2T or opencc.OpenCC("s2t")
    return _S2T.convert(text)


def _big5_as_gbk(text: str, rng: random.Random) -> str:
    return _misread("big5", "gbk")(_traditional(text, rng), rng)


KINDS: dict[str, Callable[[str, random.Random], str]] = {
    "utf8_as_gbk": _misread("utf-8", "gbk"),
    "utf8_as_gb18030": _misread("utf-8", "gb18030"),
    "utf8_as_big5": _misread("utf-8", "big5"),
    "utf8_as_cp1252": _misread("utf-8", "cp1252"),
    "utf8_as_latin1": _misread("utf-8", "latin-1"),
    "gbk_as_big5": _misread("gbk", "big5"),
    "big5_as_gbk": _big5_as_gbk,
    "shift_question": _shift("question"),
    "shift_fffd": _shift("fffd"),
    "shift_dropped": _shift("dropped"),
    "shift_farm": _shift("farm"),
    "gloss_space": _glosses,
    "traditional": _traditional,
}
PAGE_KINDS = ("site_tag", "mixed")


# --- cleaning and comparing ---------------------------------------------------------


def cleaned(text: str):
    return clean_page(page_from_text(text))


def folded(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def damaged_page(kind: str, group: list[str], rng: random.Random) -> str:
    lines = list(group)
    if kind == "site_tag":
        return rng.choice(SITE_TAGS) + " " + "\n".join(lines)
    if kind == "mixed":
        kinds = rng.sample(sorted(KINDS), 3)
        return "\n".join(KINDS[k](line, rng) for k, line in zip(kinds, lines))
    lines[1] = KINDS[kind](lines[1], rng)
    return "\n".join(lines)


def run(n: int = 40, seed: int = 1) -> dict:
    """Per kind: exact recoveries, mean character error, examples of what was left."""
    rng = random.Random(seed)
    groups = paragraph_groups(rng, n)
    started = time.perf_counter()
    references, false_repairs = [], 0
    for group in groups:
        clean = cleaned("\n".join(group))
        references.append(folded(clean.body))
        if any("mojibake" in e.kind for e in clean.edits):
            false_repairs += 1
    result = {"pages": len(groups), "seed": seed,
              "kinds": {"clean": {"exact": (len(groups) - false_repairs) / len(groups),
                                  "false_repairs": false_repairs, "char_error": 0.0, "left": []}}}
    for kind in list(KINDS) + list(PAGE_KINDS):
        exact, error, left = 0, 0.0, []
        for group, want in zip(groups, references):
            got = folded(cleaned(damaged_page(kind, group, rng)).body)
            if got == want:
                exact += 1
                continue
            error += 1 - difflib.SequenceMatcher(None, want, got, autojunk=False).ratio()
            if len(left) < 3:
                left.append(_first_difference(want, got))
        result["kinds"][kind] = {"exact": exact / len(groups), "char_error": error / len(groups), "left": left}
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _first_difference(want: str, got: str) -> str:
    i = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
    return f"want …{want[max(0, i - 5):i + 15]}… got …{got[max(0, i - 5):i + 15]}…"


def format_result(result: dict) -> str:
    lines = [f"{result['pages']} pages a kind, seed {result['seed']}, {result['seconds']} s", "",
             f"{'kind':<18}{'exact':>7}{'char err':>10}  first difference"]
    for kind, r in result["kinds"].items():
        lines.append(f"{kind:<18}{r['exact']:>7.3f}{r['char_error']:>10.4f}  {(r['left'] or [''])[0][:70]}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    try:
        result = run(args.n, args.seed)
    except MissingInput as e:
        sys.exit(str(e))
    print(format_result(result))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
