"""Write ingest/data/mojibake_grams.tsv.gz: the character model the mojibake repair scores with.

Counts of one-, two- and three-character sequences of model symbols
(``ingest.mojibake.lm_key``: simplified, NFKC, digits and Latin letters
folded) in Chinese administrative text: the laws of ``lawref/`` and the
government pages of ``gov_html/`` (both under ../shared/corpora), and the
words of jieba's dictionary (so that words rare in laws, 支撑 or 对接, are
known).  Never the seeds: they are what the repair is judged on.

Three-character counts let the repair tell 完善政策支持 from 完善者支持: both
read the same damaged bytes, and pairs alone score them alike.

Run: python scripts/make_mojibake_model.py ../shared/corpora
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policykb.ingest.mojibake import GRAMS_PATH, MIN_GRAM_COUNT, lm_key  # noqa: E402

_SPACE = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]*>")


class _Keys(dict):
    """str.translate table that maps each character to its model symbol on first sight."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        key = "" if ch.isspace() else lm_key(ch)
        self[code] = key
        return key


def count_text(text: str, counts: Counter, keys: _Keys) -> None:
    for line in text.split("\n"):
        symbols = "\x02" + line.translate(keys)
        if len(symbols) < 2:
            continue
        counts.update(symbols[1:])
        counts.update(symbols[i:i + 2] for i in range(len(symbols) - 1))
        counts.update(symbols[i:i + 3] for i in range(len(symbols) - 2))


def html_text(path: Path) -> str:
    from lxml import html

    raw = path.read_bytes()
    try:
        tree = html.fromstring(raw)
    except Exception:  # a page lxml cannot parse adds nothing
        return ""
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    return "\n".join(t.strip() for t in tree.itertext() if t.strip())


def dictionary_counts(counts: Counter, keys: _Keys, scale: float = 0.05) -> None:
    import jieba

    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2 or not parts[1].isdigit():
                continue
            n = int(int(parts[1]) * scale)
            if n < 1:
                continue
            symbols = parts[0].translate(keys)
            for size in (1, 2, 3):
                for i in range(len(symbols) - size + 1):
                    counts[symbols[i:i + size]] += n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", type=Path, help="the shared corpora folder (lawref/, gov_html/)")
    ap.add_argument("--out", type=Path, default=GRAMS_PATH)
    args = ap.parse_args()
    counts: Counter = Counter()
    keys = _Keys()
    files = sorted((args.corpora / "lawref").rglob("*.md"))
    for path in files:
        count_text(path.read_text(encoding="utf-8", errors="replace"), counts, keys)
    pages = sorted((args.corpora / "gov_html").rglob("*.html"))
    for path in pages:
        count_text(html_text(path), counts, keys)
    dictionary_counts(counts, keys)
    # How many different symbols follow each context, counted before the
    # rare sequences are dropped, so the model backs off as much as the
    # whole corpus says (an unshipped 撑的科 must not look impossible).
    followers: Counter = Counter(gram[:-1] for gram in counts if len(gram) > 1)
    kept = 0
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as fh:
        for gram, n in sorted(counts.items()):
            if len(gram) == 1 or n >= MIN_GRAM_COUNT[len(gram)]:
                after = followers.get(gram, 0)
                fh.write(f"{gram}\t{n}\t{after}\n" if after else f"{gram}\t{n}\n")
                kept += 1
    print(f"{len(files)} laws, {len(pages)} pages: {len(counts):,} grams, {kept:,} kept "
          f"-> {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
