"""Undo "spun" copies: text a content farm ran through a synonym table.

The farms that mirror government notices run them through the spinner whose
table turns 人 into 东说念主, 教育 into 熟悉, 质量 into 质料 and 左右 into 傍边
(while 避免 becomes 左右).  Its table, rebuilt from evidence, is data in
``data/spin_table.tsv``: one row per swap with a priority, left/right
contexts that keep a genuine word (开发区 stays 开发区), a telltale flag for
swaps that almost never occur in genuine text, and a confidence.

Two steps, both single left-to-right passes of one compiled regex:

1. *Detection* counts telltale swaps.  It runs on every document, so it uses
   a small regex of the telltale rows only.
2. Only in a document judged spun, *reversal* replaces every applicable row
   at once, the longest row first at each position, never looking at its own
   output again: 傍边→左右 and 左右→避免 in one sentence cannot chain.

The result is a list of edits on the input text; nothing is changed in a
document that is not spun.  Detection is a property of a whole document: call
:func:`despin` once on the body, not line by line (a heading such as
``(一)打造市域产教连系体`` carries one telltale, too few to judge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from policykb.records import Edit

TABLE_PATH = Path(__file__).parent / "data" / "spin_table.tsv"

# Detection thresholds, calibrated in 2024-11 on:
#   spun:    seed 004 (4,539 chars): 157 telltale hits, 44 distinct, 34.6 per 1,000.
#   genuine: seeds 000-003 after t2s, 218 decodable pages of corpora/gov_html
#            and all 3,476 lawref files (20.8 M chars): 2 hits in all (和会 in
#            会前和会中, 印章的质料), at most 1 distinct, at most 0.42 per 1,000;
#            11,547 tw_laws files after t2s (46.8 M chars), first run as a
#            held-out check: it showed 规画, 连系 and 擢升 are Taiwanese usage
#            (up to 2 distinct, 4.3 per 1,000), so they stopped being telltales;
#            after that: 42 hits, at most 1 distinct, at most 2.66 per 1,000
#            (质料, Taiwanese for "material", four times in 1,502 chars).
# A text is spun only with at least 3 distinct telltales (3x the genuine
# maximum) AND at least 4 per 1,000 (1.5x the genuine maximum, 8.6x under 004).
MIN_DISTINCT = 3
MIN_DENSITY = 4.0  # telltale hits per 1,000 characters

# Rows with these confidences are applied; "low" rows document swaps seen in
# spun text that are too ambiguous to reverse.
APPLIED = frozenset({"high", "medium"})

_COLUMNS = ("spun", "original", "priority", "left_not", "right_not", "telltale", "confidence", "evidence")
_CONFIDENCES = ("high", "medium", "low")


class SpinTableError(ValueError):
    """A row of the spin table is malformed."""


@dataclass(frozen=True)
class SpinRule:
    """One row of the spin table: ``spun`` in a spun text stands for ``original``."""

    spun: str
    original: str
    priority: int  # tried first at a position when smaller; then longer first
    left_not: tuple[str, ...]  # not a swap when the text before ends with one
    right_not: tuple[str, ...]  # not a swap when the text after starts with one
    telltale: bool  # almost never in genuine text: counts towards detection
    confidence: str  # high, medium, low
    evidence: str


@dataclass(frozen=True)
class Despin:
    """What :func:`despin` found in one text.

    ``confidence`` is how sure we are that the text is spun: 0 without any
    telltale, 0.5 exactly at the detection threshold, near 1 for 004.
    ``edits`` are ``(start, end, replacement)`` on the input text, sorted and
    non-overlapping; empty unless ``spun``.
    """

    spun: bool
    confidence: float
    telltales: int
    edits: tuple[tuple[int, int, str], ...]
    distinct: int = 0  # how many different telltale rows were hit
    density: float = 0.0  # telltale hits per 1,000 characters


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part for part in cell.split("|") if part)


def parse_table(text: str, source: str = "spin table") -> tuple[SpinRule, ...]:
    """Rows of a spin table in TSV form; ``#`` lines and blank lines are skipped.

    >>> rules = parse_table("spun\\toriginal\\tpriority\\tleft_not\\tright_not\\ttelltale\\tconfidence\\tevidence\\n"
    ...                     "傍边\\t左右\\t1\\t\\t\\t1\\thigh\\t300个傍边\\n")
    >>> rules[0].spun, rules[0].original, rules[0].telltale
    ('傍边', '左右', True)
    """
    rules: list[SpinRule] = []
    seen: set[str] = set()
    header_seen = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            if tuple(cells) != _COLUMNS:
                raise SpinTableError(f"{source}:{number}: header must be {'/'.join(_COLUMNS)}, got {line!r}")
            header_seen = True
            continue
        if len(cells) != len(_COLUMNS):
            raise SpinTableError(f"{source}:{number}: expected {len(_COLUMNS)} columns, got {len(cells)}: {line!r}")
        spun, original, priority, left_not, right_not, telltale, confidence, evidence = cells
        if not spun or not original or spun == original:
            raise SpinTableError(f"{source}:{number}: spun and original must differ and be non-empty: {line!r}")
        if spun in seen:
            raise SpinTableError(f"{source}:{number}: duplicate spun form {spun!r}")
        if confidence not in _CONFIDENCES or telltale not in ("0", "1") or not priority.isdigit():
            raise SpinTableError(f"{source}:{number}: bad priority/telltale/confidence: {line!r}")
        seen.add(spun)
        rules.append(SpinRule(spun, original, int(priority), _split(left_not), _split(right_not),
                              telltale == "1", confidence, evidence))
    if not header_seen:
        raise SpinTableError(f"{source}: no header line")
    return tuple(rules)


def load_table(path: Path = TABLE_PATH) -> tuple[SpinRule, ...]:
    """The spin table at ``path`` (default: the shipped one)."""
    return parse_table(path.read_text(encoding="utf-8"), source=str(path))


def _guard(rule: SpinRule) -> str:
    """Lookarounds placed right after the literal: its context exceptions.

    A lookbehind must have a fixed width, so each left context gets its own
    ``(?<!context+spun)``, which ends where the literal ends.
    """
    guard = "".join(f"(?<!{re.escape(left + rule.spun)})" for left in rule.left_not)
    if rule.right_not:
        guard += "(?!" + "|".join(re.escape(right) for right in rule.right_not) + ")"
    return guard


def trie_pattern(rules: tuple[SpinRule, ...]) -> str:
    """One regex matching any row's spun form, as a trie of the forms.

    Sharing prefixes keeps the work per position to a few character tests,
    with no backtracking beyond the length of the longest form.  At each
    trie node the alternatives are ordered by (priority, -length), so at a
    position the row tried first is the one with the smallest priority, then
    the longest; when its context exception fails the next one is tried.

    >>> r = lambda s: SpinRule(s, "x", 1, (), (), False, "high", "")
    >>> trie_pattern((r("开发"), r("开发区域")))
    '开发(?:区域|)'
    """
    trie: dict = {}
    for rule in rules:
        node = trie
        for char in rule.spun:
            node = node.setdefault(char, {})
        node[""] = rule

    def best(node: dict) -> tuple[int, int]:
        keys = [(node[""].priority, -len(node[""].spun))] if "" in node else []
        keys += [best(child) for char, child in node.items() if char]
        return min(keys)

    def emit(node: dict) -> str:
        options = []
        for char, child in node.items():
            if char:
                options.append((best(child), re.escape(char) + emit(child)))
            else:
                options.append(((child.priority, -len(child.spun)), _guard(child)))
        options.sort(key=lambda option: option[0])
        if len(options) == 1:
            return options[0][1]
        return "(?:" + "|".join(text for _, text in options) + ")"

    return emit(trie)


@dataclass(frozen=True)
class _Compiled:
    rules: MappingProxyType  # spun form -> SpinRule, the applied rows (read-only)
    telltales: re.Pattern  # telltale rows only: cheap detection
    everything: re.Pattern  # every applied row


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    applied = tuple(rule for rule in load_table() if rule.confidence in APPLIED)
    telltale_rules = tuple(rule for rule in applied if rule.telltale)
    return _Compiled(
        rules=MappingProxyType({rule.spun: rule for rule in applied}),
        telltales=re.compile(trie_pattern(telltale_rules)),
        everything=re.compile(trie_pattern(applied)),
    )


def _confidence(distinct: int, density: float) -> float:
    """0.5 at the threshold, rising towards 1 as both measures exceed it.

    The weaker of the two measures decides: a long document with three
    telltales is not spun, nor is a line with one telltale twice.
    """
    if distinct == 0:
        return 0.0
    ratio = min(distinct / MIN_DISTINCT, density / MIN_DENSITY)
    return round(1.0 - 0.5**ratio, 4)


def despin(text: str) -> Despin:
    """Detect a spun text and say how to reverse the spinner's swaps.

    >>> result = despin("积极打造兼具东说念主才培养、促进产业经济高质料发展功能的省级市域产教连系体,建成300个傍边世界性实践中心")
    >>> result.spun, result.telltales
    (True, 4)
    >>> from ingest.edits import apply_proposals
    >>> apply_proposals("积极打造兼具东说念主才培养、促进产业经济高质料发展功能的省级市域产教连系体,建成300个傍边世界性实践中心", result.edits)
    '积极打造兼具人才培养、促进产业经济高质量发展功能的省级市域产教联合体,建成300个左右全国性实践中心'
    >>> despin("开发区管委会负责区内工作。").edits
    ()
    """
    compiled = _compiled()
    hits = compiled.telltales.findall(text)
    distinct = len(set(hits))
    density = 1000.0 * len(hits) / len(text) if text else 0.0
    spun = distinct >= MIN_DISTINCT and density >= MIN_DENSITY
    confidence = _confidence(distinct, density)
    if not spun:
        return Despin(False, confidence, len(hits), (), distinct, round(density, 3))
    rules = compiled.rules
    edits = tuple((match.start(), match.end(), rules[match.group()].original)
                  for match in compiled.everything.finditer(text))
    return Despin(True, confidence, len(hits), edits, distinct, round(density, 3))


def as_edits(text: str, result: Despin, offset: int = 0) -> tuple[Edit, ...]:
    """The shared :class:`~policykb.records.Edit` records for ``result``.

    ``offset`` is added to every position, for a ``text`` that is a slice of
    the raw text the edits are recorded against.

    >>> as_edits("东说念主", Despin(True, 0.9, 1, ((0, 4, "人"),)))[0].original
    '东说念主'
    """
    note = f"confidence {result.confidence:.2f}"
    return tuple(Edit("despin", start + offset, end + offset, text[start:end], replacement, note)
                 for start, end, replacement in result.edits)
