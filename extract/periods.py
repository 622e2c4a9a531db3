"""Obligations and periods: which of a document's dates someone must act by.

``find_deadlines`` reads every date the text sets (due, from, windows,
effective, expiry); ``split_dates`` sorts them for the two tables of the
contract:

- ``deadlines``: obligations only: a ``due`` date (请于…前报送), and the end of
  an application, registration, comment or payment window (申报时间为3月1日至
  3月31日);
- ``periods``: when the document or a measure in it is in force
  (``effective``, with its end when the text gives one: 自X起施行，有效期5年
  is one period X→Y; a measure that starts on a date, 自2025年9月1日起…调整为,
  too), loses force (``expiry``: 有效期至Y alone, 自Y起废止), or runs
  (``window``: a subsidy, tax relief, publicity or application window).  A
  period with no date at all (自发布之日起施行 on a page without its date)
  says nothing an analyst can sum: it is left out.

The words that make a window an obligation are data
(``deadline_cues.tsv``, roles ``window_due``, ``window_not_due`` and
``opens_due``), compiled with the other deadline cues (``deadlines.cues``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from policykb.extract.deadlines import cues, is_obligation_label
from policykb.records import Deadline, Period

CLAUSE_BREAK = re.compile(r"[,，;；。:：!！?？\n]")
SENTENCE_BREAK = re.compile(r"[;；。!！?？\n]")
# How far before a window its label may sit (申报时间为…, 公示期: …) and how
# far after it the verb may follow (…期间申报).
LABEL_WINDOW = 24
AFTER_WINDOW = 12
# An expiry this close after an effective date belongs to it: 自X起施行，有效期5年.
SAME_PERIOD = 40


def window_label(text: str, start: int, end: int) -> str:
    """The words around a window: its clause before it and the verb after it."""
    before = text[max(0, start - LABEL_WINDOW):start]
    before = CLAUSE_BREAK.split(before)[-1] if not before.rstrip().endswith(("：", ":")) else before
    after = CLAUSE_BREAK.split(text[end:end + AFTER_WINDOW])[0]
    return before + "|" + after


def opens_a_registration(text: str, end: int) -> bool:
    """Whether the clause right after a 'from' date opens a registration
    (…起，各单位可登录平台进行注册: role ``opens_due``); the rest of the
    sentence does not count (…起实施，…经过前期征求意见 opens nothing).

    >>> opens_a_registration("2023年7月30日起,各建设单位可登录管理平台进行单位注册登记。", 11)
    True
    >>> opens_a_registration("自2025年9月1日起，缴存基数调整为2540元，新受理的贷款按新标准。", 11)
    False
    """
    clause = CLAUSE_BREAK.split(text[end:end + 60].lstrip(",，"))[0]
    return bool(cues().opens_due.search(clause))


def is_obligation_window(text: str, start: int, end: int) -> bool:
    """Whether a window is one someone must act in (申报, 报名, 征求意见 …),
    not a benefit, relief or publicity window.

    >>> is_obligation_window("申报时间为3月1日至3月31日。", 5, 15)
    True
    >>> is_obligation_window("公示期为3月1日至3月7日。", 4, 13)
    False
    >>> is_obligation_window("在2024年1月1日至12月31日期间购房的，可申请补贴。", 1, 17)
    False
    """
    return is_obligation_label(window_label(text, start, end))


def _period(d: Deadline, kind: str, date_from: str | None, date_to: str | None, end: int | None = None) -> Period:
    return Period(kind=kind, date_from=date_from, date_to=date_to, recurrence=d.recurrence, subject=d.action,
                  sentence=d.sentence, start=d.start, end=end if end is not None else d.end)


def same_sentence_after(text: str, first: Deadline, then: Deadline) -> bool:
    """Whether ``then`` follows ``first`` closely, in the same sentence."""
    return (then.recurrence == first.recurrence and 0 <= then.start - first.end <= SAME_PERIOD
            and not SENTENCE_BREAK.search(text, first.end, then.start))


def _value(d: Deadline) -> str | None:
    return d.month_day if d.recurrence == "annual" else d.date


def split_dates(dates: list[Deadline], text: str) -> tuple[list[Deadline], list[Period]]:
    """(obligations, periods) from ``find_deadlines``'s dates, in text order.

    >>> from policykb.records import Deadline as D
    >>> text = "本办法自2024年1月1日起施行，有效期5年。"
    >>> found = [D("once", "2024-01-01", None, None, "本办法施行", text, 4, 17, kind="effective"),
    ...          D("once", "2028-12-31", None, None, "本办法有效期5年", text, 18, 23, kind="expiry")]
    >>> due, periods = split_dates(found, text)
    >>> due, [(p.kind, p.date_from, p.date_to) for p in periods]
    ([], [('effective', '2024-01-01', '2028-12-31')])
    """
    obligations: list[Deadline] = []
    periods: list[Period] = []
    i = 0
    while i < len(dates):
        d = dates[i]
        nxt = dates[i + 1] if i + 1 < len(dates) else None
        if d.kind == "due":
            obligations.append(d)
        elif d.kind == "window_start":
            if nxt is not None and nxt.kind == "window_end" and nxt.sentence == d.sentence:
                end = max(d.end, nxt.end)
                periods.append(_period(d, "window", _value(d), _value(nxt), end))
                if is_obligation_window(text, d.start, end):
                    obligations.append(replace(nxt, kind="due", evidence="window"))
                i += 1
            else:
                periods.append(_period(d, "window", _value(d), None))
        elif d.kind == "window_end":
            periods.append(_period(d, "window", None, _value(d)))
            if is_obligation_window(text, d.start, d.end):
                obligations.append(replace(d, kind="due", evidence="window"))
        elif d.kind == "effective":
            if nxt is not None and nxt.kind == "expiry" and same_sentence_after(text, d, nxt):
                periods.append(_period(d, "effective", _value(d), _value(nxt), nxt.end))
                i += 1
            else:
                periods.append(_period(d, "effective", _value(d), None))
        elif d.kind == "expiry":
            periods.append(_period(d, "expiry", None, _value(d)))
        elif d.kind == "from":
            # 自2025年9月1日起，缴存基数下限调整为…: a measure takes effect.
            periods.append(_period(d, "effective", _value(d), None))
            if opens_a_registration(text, d.end):
                # 2023年7月30日起，各单位可登录平台进行注册登记: a registration
                # opens, which the outside gold (seed 004) reads as due.
                obligations.append(replace(d, kind="due", evidence="opens"))
        i += 1
    return obligations, once_each([p for p in periods if p.date_from or p.date_to])


def once_each(periods: list[Period]) -> list[Period]:
    """A date of effect stated again (自X起执行 … 自X起，…按新标准执行) is one
    period: the first statement stays.  Windows are kept apart: one notice
    may set several measures the same window."""
    seen: set[tuple] = set()
    out = []
    for p in periods:
        key = (p.kind, p.date_from, p.date_to, p.recurrence)
        if p.kind == "effective" and key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out


def is_own_period(p: Period) -> bool:
    """Whether a period is the document's own (本办法自…起施行), not a measure's."""
    return bool(p.subject) and bool(cues().own.match(p.subject)) and p.recurrence == "once"


def document_dates(periods) -> tuple[str | None, str | None]:
    """(effective date, expiry date) the document states for itself: its first
    own effective period, and the end of that period or of its first own expiry.

    >>> from policykb.records import Period
    >>> document_dates([Period("effective", "2024-01-01", "2028-12-31", "once", "本办法施行", "", 0, 1)])
    ('2024-01-01', '2028-12-31')
    >>> document_dates([Period("effective", "2025-09-01", None, "once", "缴存基数下限调整", "", 0, 1)])
    (None, None)
    """
    effective = expiry = None
    for p in periods:
        if not is_own_period(p):
            continue
        if p.kind == "effective" and effective is None:
            effective, expiry = p.date_from, expiry or p.date_to
        elif p.kind == "expiry" and expiry is None:
            expiry = p.date_to
    return effective, expiry
