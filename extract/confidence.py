"""How sure each fact row is: its evidence (the rule path that found it) and that path's measured precision.

An analyst filters on ``confidence``; the ``review`` view lists the least
certain rows first.  Evidence is a small named decision per record kind; the
confidence of each (table, evidence) is data, ``data/confidence.tsv``,
measured on the development set by ``scripts/calibrate_confidence.py``.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from policykb.extract.deadlines import cues as deadline_cues
from policykb.extract.tables import RuleTableError, rows
from policykb.records import Citation, Deadline, Period, Responsibility, Target

# A path never measured: as likely wrong as right.
UNMEASURED = 0.5


@lru_cache(maxsize=1)
def confidence_table() -> dict[tuple[str, str], float]:
    """(table, evidence) → confidence, checked when read.

    >>> all(0 <= v <= 1 for v in confidence_table().values())
    True
    """
    table = {}
    for row in rows("confidence.tsv"):
        if len(row) < 3:
            raise RuleTableError(f"extract/data/confidence.tsv: a row needs table, evidence and confidence: {row}")
        try:
            value = float(row[2])
        except ValueError:
            value = -1.0
        if not 0 <= value <= 1:
            raise RuleTableError(f"extract/data/confidence.tsv: {row[0]}/{row[1]}: confidence {row[2]!r} "
                                 "is not a number between 0 and 1")
        table[(row[0], row[1])] = value
    return table


def citation_evidence(c: Citation) -> str:
    return "numbered" if c.cited_doc_number else "title"


def target_evidence(t: Target) -> str:
    """The strongest sign the row is a goal: a due year, else a bound
    (不少于, 以上, 左右, 达到 …), else only a goal verb (建成, 培育 …).

    >>> target_evidence(Target(2025, 300, "个", "左右", "中心", "", 0, 1))
    'year'
    >>> target_evidence(Target(None, 60, "%", "以上", "经费", "", 0, 1))
    'bound'
    >>> target_evidence(Target(None, 200, "个", None, "项目", "", 0, 1))
    'no_year'
    """
    if t.year is not None:
        return "year"
    return "bound" if t.qualifier else "no_year"


def deadline_evidence(d: Deadline) -> str:
    if d.evidence:  # set where it was found (a window's end)
        return d.evidence
    if d.recurrence == "annual":
        return "annual"
    return "oblige" if deadline_cues().oblige.search(d.sentence) else "bare"


def period_evidence(p: Period) -> str:
    return p.evidence or p.kind  # law_history, set where it was found


def responsibility_evidence(r: Responsibility) -> str:
    """The rule path that found the row, set where it was found: table (a
    责任单位 column), label (（责任单位：…）, 责任单位：… on its line),
    paren_list (（A牵头，B配合）, （A负责） after a measure), heading (a
    section's 一、…（A牵头）), list_subject (A、B等部门要… where nothing else
    assigns), scope (以下各项由A负责); a row from elsewhere: table if it has a
    row number, else text.

    >>> responsibility_evidence(Responsibility(None, None, '市教育局', 'lead', '', 0, 0, evidence='paren_list'))
    'paren_list'
    """
    if r.evidence:
        return r.evidence
    return "table" if r.row is not None else "text"


def assess(table: str, records, evidence_of) -> tuple:
    """The records with their evidence and confidence set."""
    known = confidence_table()
    out = []
    for record in records:
        evidence = evidence_of(record)
        out.append(replace(record, evidence=evidence, confidence=known.get((table, evidence), UNMEASURED)))
    return tuple(out)
