"""Reading the rule tables in ``extract/data/``: one loader for every finder."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@lru_cache(maxsize=None)
def rows(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of a tab-separated data file, comments and blank lines skipped.

    >>> rows("doc_types.tsv")[0]
    ('通知', '通知')
    """
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out.append(tuple(cell.strip() for cell in line.split("\t")))
    return tuple(out)


@lru_cache(maxsize=None)
def words_by_role(name: str) -> dict[str, tuple[str, ...]]:
    """A cue table (word, role, …) grouped by role."""
    by_role: dict[str, list[str]] = {}
    for row in rows(name):
        by_role.setdefault(row[1], []).append(row[0])
    return {role: tuple(words) for role, words in by_role.items()}


def alternation(words) -> str:
    """A regex alternative of literal words, longest first (so 以上 never
    shadows 以上的)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
