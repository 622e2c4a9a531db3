"""Pinyin glosses that some mirror sites print after characters: ``發(fā)展``.

A gloss is removed only where it is one: a tone-marked syllable right after a
Chinese character (tone marks never appear in real parentheses of these
documents), or a plain syllable that pypinyin confirms is a reading of the
character before it (``關(guan)``), so ``(AHK)``, ``(GIZ)``, ``(一)``,
``(a)`` and ``(教委)`` stay.
"""

from __future__ import annotations

import re
from functools import lru_cache

from policykb.ingest.edits import Proposal

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A character (or the 〓 that marks one lost to mojibake, or the ? a broken
# GBK byte leaves) followed by a parenthesised lowercase syllable.
# The scraper may leave a blank inside the brackets, (huì ), and writes one
# after a gloss, 产(chǎn) 教: both go with the gloss, so the text reads as
# it was written (not the blank of a table's " | ", which the page writes).
GLOSS = re.compile(
    r"(?P<char>[\u3400-\u9fff\uf900-\ufaff〓?])[(（](?P<syllable>[a-zü" + _TONED + r"]{1,7}) ?[)）](?: (?=[^\s|]))?")


@lru_cache(maxsize=4096)
def _readings(char: str) -> frozenset[str]:
    from pypinyin import Style, pinyin

    plain = pinyin(char, heteronym=True, style=Style.NORMAL, errors="ignore")
    return frozenset(r.replace("ü", "v") for r in (plain[0] if plain else []))


def is_gloss(char: str, syllable: str) -> bool:
    """Is ``(syllable)`` after ``char`` a pinyin gloss?

    >>> is_gloss("發", "fā"), is_gloss("關", "guan"), is_gloss("中", "a")
    (True, True, False)
    """
    if any(ch in _TONED for ch in syllable):
        return True
    return syllable.replace("ü", "v") in _readings(char)


def find_glosses(text: str) -> list[Proposal]:
    """Deletions of every pinyin gloss in ``text``.

    >>> find_glosses("發(fā)展(AHK)")
    [(1, 5, '')]
    >>> find_glosses("产(chǎn) 教会(huì ) 于")
    [(1, 8, ''), (10, 17, '')]
    """
    return [(m.start() + 1, m.end(), "") for m in GLOSS.finditer(text)
            if is_gloss(m.group("char"), m.group("syllable"))]
