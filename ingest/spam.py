"""Spam phrases a content farm dropped into genuine sentences.

The rules are data (``data/spam_phrases.tsv``).  Strong phrases never occur in
policy text and are removed wherever found; weak ones are ordinary words
(上门服务) and are removed only from a document that strong spam, or a spam
line found by the page zoner, has already shown to be spammed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from policykb.ingest.edits import Proposal


@dataclass(frozen=True)
class SpamRule:
    strength: str  # strong, weak
    pattern: re.Pattern
    why: str
    needs: tuple[str, ...] = ()  # one of these is in every match (none: no prefilter)


@lru_cache(maxsize=1)
def spam_rules() -> tuple[SpamRule, ...]:
    path = Path(__file__).parent / "data" / "spam_phrases.tsv"
    rules = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        strength, pattern, why, *needs = line.split("\t")
        rules.append(SpamRule(strength, re.compile(pattern), why,
                              tuple(w for w in needs[0].split("|") if w) if needs else ()))
    return tuple(rules)


def _non_overlapping(text: str, rules) -> list[Proposal]:
    taken: list[tuple[int, int]] = []
    for rule in rules:
        if rule.needs and not any(word in text for word in rule.needs):
            continue
        for m in rule.pattern.finditer(text):
            if m.end() > m.start() and not any(a < m.end() and m.start() < b for a, b in taken):
                taken.append((m.start(), m.end()))
    return [(a, b, "") for a, b in sorted(taken)]


def find_spam(text: str, spammed: bool = False) -> tuple[list[Proposal], bool]:
    """Deletions of injected spam, and whether the document is spammed.

    >>> find_spam("20号上门服务\\n双城之战在线观看(七)开展")
    ([(3, 7, ''), (8, 16, '')], True)
    >>> find_spam("提供上门服务")
    ([], False)
    """
    rules = spam_rules()
    strong = _non_overlapping(text, [r for r in rules if r.strength == "strong"])
    spammed = spammed or bool(strong)
    if not spammed:
        return [], False
    found = _non_overlapping(text, [r for r in rules if r.strength == "strong"] +
                             [r for r in rules if r.strength == "weak"])
    return found, True
