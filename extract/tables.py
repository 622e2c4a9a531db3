"""Reading the rule tables in ``extract/data/``: one loader for every finder."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


class RuleTableError(ValueError):
    """A rule table that cannot be read; the message names ``file:line`` and the bad value."""


@lru_cache(maxsize=None)
def rows(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of a tab-separated data file, comments and blank lines skipped.

    An empty cell or a file that is not UTF-8 is a RuleTableError naming the
    line, so a broken table stops the build at its start instead of failing
    every file.

    >>> rows("doc_types.tsv")[0]
    ('通知', '通知')
    """
    try:
        text = (DATA / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RuleTableError(f"extract/data/{name}: cannot be read ({e})") from None
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            cells = tuple(cell.strip() for cell in line.split("\t"))
            if not all(cells):
                raise RuleTableError(f"extract/data/{name}:{number}: an empty cell in {line!r}")
            out.append(cells)
    return tuple(out)


@lru_cache(maxsize=None)
def words_by_role(name: str) -> dict[str, tuple[str, ...]]:
    """A cue table (word, role, …) grouped by role."""
    by_role: dict[str, list[str]] = {}
    for row in rows(name):
        if len(row) < 2:
            raise RuleTableError(f"extract/data/{name}: {row[0]!r} has no role (word<TAB>role)")
        by_role.setdefault(row[1], []).append(row[0])
    return {role: tuple(words) for role, words in by_role.items()}


def alternation(words) -> str:
    """A regex alternative of literal words, longest first (so 以上 never
    shadows 以上的)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
