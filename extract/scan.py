"""Regex scans that only try a pattern where a match can start.

Most finder patterns open with a lookbehind (``(?<![0-9])``) or an optional
group, which stops Python's regex engine from skipping ahead to the
characters a match can start with: it tries the whole alternation at every
position of the text.  When those first characters are rare (digits, 有, 自 …)
it is several times cheaper to find them with a one-class pattern and try the
full pattern only there.  On the lawref laws this took the masking of
document and phone numbers from 0.21 s to 0.02 s per 300 documents.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator


def finditer_from(pattern: re.Pattern, first: re.Pattern, text: str) -> Iterator[re.Match]:
    """The matches of ``pattern.finditer(text)``, trying ``pattern`` only
    where ``first`` (one character class) matches.

    The caller guarantees that every match of ``pattern`` is non-empty and
    starts on a character ``first`` matches; then these are exactly
    ``finditer``'s matches: the leftmost match from each position, the next
    search starting where it ended.  ``pattern.match(text, pos)`` still sees
    the characters before ``pos``, so lookbehinds read what they would.

    >>> digits = re.compile(r"(?<![0-9])[0-9]+年")
    >>> [m.group() for m in finditer_from(digits, re.compile("[0-9]"), "于2023年、12024年")]
    ['2023年', '12024年']
    """
    search, match = first.search, pattern.match
    pos, n = 0, len(text)
    while pos < n:
        candidate = search(text, pos)
        if candidate is None:
            return
        at = candidate.start()
        m = match(text, at)
        if m is None:
            pos = at + 1
        else:
            yield m
            pos = m.end()


def sub_from(pattern: re.Pattern, first: re.Pattern, repl: Callable[[re.Match], str], text: str) -> str:
    """``pattern.sub(repl, text)`` under the conditions of :func:`finditer_from`.

    >>> sub_from(re.compile("[0-9]+"), re.compile("[0-9]"), lambda m: "#" * len(m.group()), "第12号")
    '第##号'
    """
    parts, pos = [], 0
    for m in finditer_from(pattern, first, text):
        parts += [text[pos:m.start()], repl(m)]
        pos = m.end()
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


__all__ = ["finditer_from", "sub_from"]
