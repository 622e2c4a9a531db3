"""Traditional to simplified script with OpenCC, as recorded edits.

Only documents that are written in traditional script are converted: OpenCC's
t2s also rewrites a few characters that simplified text uses legitimately
(乾 in 乾隆, 著 in 著作), so converting every document would put spurious
edits into clean ones.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

import numpy as np

from policykb.ingest.edits import Proposal, code_points, runs_of_changes

# Corner brackets are the traditional-script quotation marks; mainland text
# uses curly quotes.  〔〕 are document-number brackets and stay.
QUOTES = str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’"})
_HAS_QUOTE = re.compile("[「」『』]")

# Share of CJK characters that t2s changes, above which a text is
# traditional.  Measured on the bundled corpus: simplified pages stay under
# 0.002, the traditional seeds are above 0.15.
TRADITIONAL_SHARE = 0.02


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Simplified form of a short string (a label, a metadata value).

    >>> to_simplified("發文機關「有效」")
    '发文机关“有效”'
    """
    return _t2s().convert(text).translate(QUOTES)


def traditional_share(text: str, converted: str | None = None) -> float:
    """Share of CJK characters that conversion changes."""
    converted = _t2s().convert(text) if converted is None else converted
    if len(converted) != len(text):
        return 1.0
    codes = code_points(text)
    cjk = int(np.count_nonzero((codes >= 0x3400) & (codes <= 0x9FFF)))
    if not cjk:
        return 0.0
    changed = int(np.count_nonzero(codes != code_points(converted)))
    return changed / cjk


def find_conversions(text: str) -> list[Proposal]:
    """Edits converting a traditional-script text to simplified (none otherwise).

    >>> find_conversions("教育部辦公廳關於「公布」")
    [(3, 4, '办'), (5, 9, '厅关于“'), (11, 12, '”')]
    """
    return conversions_and_script(text)[0]


def conversions_and_script(text: str) -> tuple[list[Proposal], bool]:
    """The conversion edits, and whether the text is traditional (one OpenCC pass)."""
    converted = _t2s().convert(text)
    traditional = traditional_share(text, converted) >= TRADITIONAL_SHARE
    if not traditional:
        converted = text
    if _HAS_QUOTE.search(converted):  # translate() reads every character through a dict
        converted = converted.translate(QUOTES)
    if len(converted) == len(text):
        return runs_of_changes(text, converted), traditional
    # Phrase conversions that change length are rare; diff line by line so
    # the cost stays linear in practice.
    proposals, offset = [], 0
    for before, after in zip(text.split("\n"), converted.split("\n")):
        if len(before) == len(after):
            proposals += [(offset + a, offset + b, r) for a, b, r in runs_of_changes(before, after)]
        else:
            matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
            for op, a1, a2, b1, b2 in matcher.get_opcodes():
                if op != "equal":
                    proposals.append((offset + a1, offset + a2, after[b1:b2]))
        offset += len(before) + 1
    return proposals, traditional
