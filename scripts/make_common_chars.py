"""Write ingest/data/common_chars.txt: the characters that make up most running text.

The encoding detector scores a candidate decoding by how much of it is made of
these characters.  They come from jieba's dictionary (word frequencies summed
per character), in simplified and traditional forms, so the list is derived,
not typed.  Run: python scripts/make_common_chars.py
"""

from collections import Counter
from pathlib import Path

import jieba
import opencc

TOP = 2000


def main() -> None:
    counts: Counter[str] = Counter()
    dict_path = Path(jieba.__file__).parent / "dict.txt"
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        for ch in word:
            if "\u4e00" <= ch <= "\u9fff":
                counts[ch] += int(freq)
    simplified = [ch for ch, _ in counts.most_common(TOP)]
    to_trad = opencc.OpenCC("s2t")
    chars = dict.fromkeys(simplified + [to_trad.convert(ch) for ch in simplified])
    out = Path(__file__).parent.parent / "ingest" / "data" / "common_chars.txt"
    out.write_text("".join(chars) + "\n", encoding="utf-8")
    print(f"{len(chars)} characters -> {out}")


if __name__ == "__main__":
    main()
