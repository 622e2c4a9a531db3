"""Deadlines and dates in force: 2023年7月30日起, 每年12月15日前, 自发布之日起施行.

``find_deadlines(text, ctx)`` reads the clean simplified body of one document
and returns one ``Deadline`` per date the text sets for someone to act by or
from, or for the document itself to take effect or expire:

============  ===============================================================
kind          written as
============  ===============================================================
due           2028年12月31日前, 2025年底前, 请于…报送, 截止时间为…
from          2023年7月30日起, 2021年2月起
window_start  2026年7月21日至2028年12月31日 (and window_end for the second),
window_end    即日起至2023年12月31日, 自本意见印发之日起至…前
effective     本通知自2024年5月15日起施行, 自发布之日起施行
expiry        有效期5年, 有效期至2028年12月31日, 2028年12月31日起废止
============  ===============================================================

``recurrence`` is ``annual`` for 每年12月15日前 (``month_day`` 12-15 and
``from_year`` from 自2023年起 in the sentence) and ``once`` otherwise.

Not deadlines: the page's own dates (发布时间:…, the signature line), dates
of past events (2023年4月以来, 已于…), a bare year (2024年起,…将优先…: a
policy start with no date), dates inside document numbers (masked first).
The cue words are data: ``data/deadline_cues.tsv``.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from policykb.extract.numbers import (
    line_spans,
    mask_non_quantities,
    parse_chinese,
    sentence_around,
    sentence_spans,
)
from policykb.extract.scan import finditer_from
from policykb.extract.tables import alternation, words_by_role
from policykb.records import Deadline, ExtractContext

# One pattern for every way a date is written; each alternative has bounded
# repetition, and years only start where a digit run starts.
_DATE = re.compile(
    r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})[ ]?年[ ]?"
    r"(?:(?P<m>[0-9]{1,2})[ ]?月(?:[ ]?(?P<d>[0-9]{1,2})[ ]?[日号])?(?P<mend>底|末)?|(?P<yend>底|末|年底|年末))?"
    r"|(?<![0-9])(?P<iy>(?:19|20)[0-9]{2})(?P<sep>[-/.])(?P<im>[0-9]{1,2})(?P=sep)(?P<id>[0-9]{1,2})(?![0-9])"
    r"|(?P<cy>[〇零一二三四五六七八九]{4})年(?:(?P<cm>[一二三四五六七八九十]{1,2})月(?:(?P<cd>[一二三四五六七八九十]{1,3})日)?)?"
    r"|(?<![0-9])(?P<m2>[0-9]{1,2})[ ]?月(?:[ ]?(?P<d2>[0-9]{1,2})[ ]?[日号]|(?P<mend2>底|末))"
    # 每年三月三十一日前 (laws write days in numerals too); a year-less day only.
    r"|(?<![〇零一二三四五六七八九十])(?P<cm2>十[一二]|[一二三四五六七八九十])月(?P<cd2>[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])日"
)
# A year in numerals right before (一百零一年\n  五月二十日, across a line break).
_CN_YEAR_BEFORE = re.compile(r"[〇零一二三四五六七八九十百]年\s*$")
_DATE_FIRST = re.compile("[0-9〇零一二三四五六七八九十]")  # where a _DATE match can start
_DAY_ONLY = re.compile(r"(?P<d>[0-9]{1,2})[ ]?[日号]")

# What follows a date says what it is.  Order matters: 起施行 before 起.
# The runs of spaces and masked characters are possessive (*+): two greedy
# runs over the same characters would backtrack quadratically.
_AFTER = re.compile(
    r"[ #]*+(?:零时|24时|二十四时|24点)?+[ #]*+"
    r"(?P<k>起(?:正式)?(?:施行|实施|执行|生效|试行)|起(?:废止|失效|停止执行)|(?:正式)?(?:施行|生效)"
    r"|之前|以前|前|为止|止|起|开始|废止|失效|停止执行|到期|以来|以后|之后|后|期间)"
)
_WINDOW_SEP = re.compile(r"[ #]*+(?:零时|24时)?+[ #]*+(?:起)?+(?:至|到|—|－|-|～|~)[ ]*+")
_LIST_SEP = ("、", "和", "及", "与", ",", "，")

_RELATIVE_EFFECT = re.compile(
    r"(?:自|从)?(?:本[\u4e00-\u9fff]{1,8}?)?(?P<ev>发布|公布|印发|下发|颁布|签发|发文)之日起?(?:正式)?(?P<v>施行|实施|执行|生效|试行)"
    r"|即日起(?:正式)?(?P<v2>施行|实施|执行|生效|试行)"
)
_VALIDITY = re.compile(
    r"有效期(?:为|是)?[ ]?(?P<n>[0-9]{1,2}|[一二两三四五六七八九十]{1,2})[ ]?(?P<u>年|个月)"
    r"|(?<=[起,，])(?:试行|暂行)(?:期)?(?:为)?[ ]?(?P<n2>[0-9]{1,2}|[一二两三四五六七八九十]{1,2})[ ]?(?P<u2>年)"
)
# Where matches of the two patterns above can start (keep in step with them).
_RELATIVE_EFFECT_FIRST = re.compile("[自从本发公印下颁签即]")
_VALIDITY_FIRST = re.compile("[有试暂]")
_FROM_YEAR = re.compile(r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})[ ]?年(?:度)?(?:起|开始)")
_EVERY_YEAR = re.compile(r"每年(?:的)?(?:[ ]?于)?[ ]?$")
# 每年度补贴申请截止日期为9月30日: 每年 earlier in the clause of a date
# written without a year.
_EVERY_YEAR_CLAUSE = re.compile(r"每年度?[^,，;；。:：]{0,16}$")
# 今年10月18日, 明年3月: a year named relative to the document's own.
_RELATIVE_YEAR = {"今年": 0, "本年": 0, "当年": 0, "明年": 1, "次年": 1, "去年": -1}
_BEFORE_EXPIRY = re.compile(r"有效期(?:延长)?(?:至|到)[ ]?$")
_BEFORE_STATUS = re.compile(r"截至[ ]?$")
_NAMES_A_DOCUMENT = re.compile(r"[ ]?(?:实施|施行|生效|执行|起)?[ ]?的[ ]?[《“\"]")
# 《…通知》（东公积金委〔2020〕2号）规定自2020年10月19日起…: what another document
# provided, reported (its number masked as #); the date is that document's.
_REPORTS_A_DOCUMENT = re.compile(r"[》号#][)）]?[ ]?(?:中|里)?[ ]?(?:规定|明确|提出)[ ]?[,，:：]?[ ]?(?:自|从)?[ ]?$")
# After "DATE前," one to three clauses closing in 的: the date picks out the
# cases a rule covers (已提交申请的, 尚未申报缴纳的), it sets no one a deadline.
_CONDITION_AFTER = re.compile(r"[ ]?[,，](?:[^。；;,，]{1,60}[,，]){0,2}[^。；;,，]{1,60}的[ ]?[,，]")
_BEFORE_CUTOFF = re.compile(r"(?:截止|(?:日期|时间)截至)(?:日期|时间)?(?:为|是|到|至)?[:：]?[ ]?$")
_BEFORE_AT = re.compile(r"(?:于|在)[ ]?$")

CLAUSE_BREAK = ",，;；。：:!！?？\n"
BEFORE_WINDOW = 24  # characters before a date that may carry its label or 每年
ACTION_WINDOW = 120  # an action longer than this is cut


@dataclass(frozen=True)
class DateExpr:
    """A date as written; fields are None where the text leaves them out."""

    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    end_of: str | None  # "month" (7月底) or "year" (2025年底)


@dataclass(frozen=True)
class _Cues:
    effect: tuple[str, ...]
    oblige: re.Pattern
    past: re.Pattern
    label: re.Pattern
    doc: re.Pattern
    own: re.Pattern
    submit: re.Pattern
    window_due: re.Pattern
    window_not_due: re.Pattern
    opens_due: re.Pattern


@lru_cache(maxsize=1)
def cues() -> _Cues:
    by_role = words_by_role("deadline_cues.tsv")

    def alt(role: str) -> str:
        return alternation(by_role.get(role, ()))

    return _Cues(
        effect=tuple(by_role.get("effect", [])),
        oblige=re.compile(alt("oblige")),
        past=re.compile(alt("past") + r"|(?<![为除])了(?!解)"),
        label=re.compile(f"(?:{alt('label')})[ ]?[:：][ ]?$"),
        doc=re.compile(f"本(?:{alt('doc')})"),
        # 本通知施行, 此办法…: a subject that is the document itself.
        own=re.compile(f"^(?:本|此)(?:{alt('doc')})"),
        # 报 ends a list only as a verb: 报告, 报表, 报名 are nouns.
        submit=re.compile(f"(?:{alt('submit')})(?![告表名道刊纸])"),
        # Required roles: an empty alternation would match every label.
        window_due=re.compile(alternation(by_role["window_due"])),
        window_not_due=re.compile(alternation(by_role["window_not_due"])),
        opens_due=re.compile(alternation(by_role["opens_due"])),
    )


def is_obligation_label(label: str) -> bool:
    """Whether words around a date name something someone must do
    (申报时间:, 征求意见时间:), not the page's own date (发布时间:).

    >>> is_obligation_label("公开征求意见时间："), is_obligation_label("发布时间：")
    (True, False)
    """
    c = cues()
    return bool(c.window_due.search(label)) and not c.window_not_due.search(label)


# --- dates ----------------------------------------------------------------------


def _cn(s: str | None) -> int | None:
    if not s:
        return None
    v = parse_chinese(s)
    return int(v) if v is not None else None


def dates(text: str) -> list[DateExpr]:
    """Every date written in ``text``, in order.

    >>> [(d.year, d.month, d.day) for d in dates("自2023年起,每年12月15日前")]
    [(2023, None, None), (None, 12, 15)]
    """
    out = []
    for m in finditer_from(_DATE, _DATE_FIRST, text):
        g = m.groupdict()
        if g["y"]:
            end_of = "month" if g["mend"] else ("year" if g["yend"] else None)
            out.append(DateExpr(m.start(), m.end(), int(g["y"]), _int(g["m"]), _int(g["d"]), end_of))
        elif g["iy"]:
            out.append(DateExpr(m.start(), m.end(), int(g["iy"]), int(g["im"]), int(g["id"]), None))
        elif g["cy"]:
            out.append(DateExpr(m.start(), m.end(), _cn(g["cy"]), _cn(g["cm"]), _cn(g["cd"]), None))
        elif g["cm2"]:
            if _CN_YEAR_BEFORE.search(text, max(0, m.start() - 12), m.start()):
                continue  # 一百十二年八月一日: a year this reader does not know (Taiwan's), not a day of any year
            out.append(DateExpr(m.start(), m.end(), None, _cn(g["cm2"]), _cn(g["cd2"]), None))
        else:
            out.append(DateExpr(m.start(), m.end(), None, int(g["m2"]), _int(g["d2"]),
                                "month" if g["mend2"] else None))
    return out


def _int(s: str | None) -> int | None:
    return int(s) if s else None


def _day(year: int, month: int | None, day: int | None, end_of: str | None, first: bool) -> str | None:
    """ISO date, or None when the text does not fix one day.

    A month alone is its first day where something starts (7月起) and its
    last where something ends (至6月); 7月前 (before July? by July?) is
    ambiguous and gives None, as does 2025年前."""
    try:
        if month is None:
            if end_of == "year":
                return f"{year:04d}-12-31"
            return None
        if day is None:
            if end_of == "month":
                return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
            if first:
                return dt.date(year, month, 1).isoformat()
            return None
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _month_day(month: int | None, day: int | None, end_of: str | None) -> str | None:
    if month is None or not 1 <= month <= 12:
        return None
    if day is None:
        if end_of != "month":
            return None
        day = calendar.monthrange(2001, month)[1]  # a common year: 02-28
    try:
        dt.date(2000, month, day)  # a leap year, so 02-29 is a valid annual day
    except ValueError:
        return None
    return f"{month:02d}-{day:02d}"


def _add_years(iso: str | None, n: int, unit: str = "年") -> str | None:
    if not iso:
        return None
    d = dt.date.fromisoformat(iso)
    months = d.month - 1 + (n * 12 if unit == "年" else n)
    y, m = d.year + months // 12, months % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1])).isoformat()


def _last_day_in_force(start: str | None, n: int, unit: str = "年") -> str | None:
    """有效期5年 from 2024-05-15 runs to 2029-05-14, the same day that 有效期至…
    names: from 2019-01-01, five years end on 2023-12-31.  From 2024-02-29,
    three years end on 2027-02-28, the eve of the first day after them.

    >>> _last_day_in_force("2024-05-15", 5), _last_day_in_force("2024-02-29", 3)
    ('2029-05-14', '2027-02-28')
    """
    end = _add_years(start, n, unit)
    if not end:
        return None
    if end[8:] != start[8:]:  # no such day that year: the month's end was taken
        return end
    return (dt.date.fromisoformat(end) - dt.timedelta(days=1)).isoformat()


# --- actions ----------------------------------------------------------------------

_LEAD_JUNK = re.compile(r"^[\s,，、:：起前止]+|^(?:之前|以前|为止|开始)[,，]?")
# Words that lead up to a date, cut from the action; 请/须 only with 于, as
# they end words too (申请, 必须).
_TAIL_JUNK = re.compile(r"(?:(?:请|须|应|应当|要|需)?于|在|自|从|截止|截至|每年的?|每年于)[ ]?$")


def _action(text: str, s_start: int, s_end: int, d_start: int, d_end: int, prefer_before: bool = False) -> str | None:
    """What is due: the rest of the sentence after the date, or what precedes
    it when little follows (…工作于2023年底前完成) or when the date closes a
    label (公开征求意见截止日期为…, 启动阶段(…至…))."""
    after = _LEAD_JUNK.sub("", text[d_end:s_end]).strip()
    after = re.sub(r"^[)）]+[ ]?[。,，;；]?", "", after).strip()
    before = text[s_start:d_start].rstrip()
    before = re.sub(r"[(（][ ]?$", "", before)
    before = _BEFORE_CUTOFF.sub("", before)
    before = _TAIL_JUNK.sub("", before).strip(" ,，、:：")
    before = re.sub(r"的$", "", before)  # 竞买保证金缴纳的截止时间为… → 竞买保证金缴纳
    before = re.sub(r"^(?:[(（][一二三四五六七八九十0-9]{1,3}[)）]|[一二三四五六七八九十0-9]{1,3}[、.．])", "", before)
    if prefer_before and before:
        return before[-ACTION_WINDOW:]
    if len(after) >= 6 or not before:
        action = after
    else:
        action = (before + after) if len(before) <= 40 else before[-40:] + after
    action = action[:ACTION_WINDOW].strip(" ,，、。；;")
    return action or None


def _split_items(text: str, start: int, s_end: int, n: int) -> list[str] | None:
    """分别将A、B报我部 → [将A报我部, B报我部] when it names exactly n items."""
    seg = text[start:s_end]
    i = seg.find("分别")
    if i < 0:
        return None
    seg = seg[i + 2:]
    cut = min((seg.find(ch) for ch in ",，。;；" if seg.find(ch) >= 0), default=len(seg))
    parts = seg[:cut].split("、")
    if len(parts) != n:
        return None
    submit = None
    for m in cues().submit.finditer(parts[-1]):
        if m.start() > 0:
            submit = parts[-1][m.start():]  # the last one: 自评报告报我部 → 报我部
    if submit:
        parts = [p if p.endswith(submit) else p + submit for p in parts]
    return parts


# --- the finder ---------------------------------------------------------------------


def _ctx_date(ctx: ExtractContext, event: str | None) -> str | None:
    """The date 自发布之日起 / 自印发之日起 refers to, or None if unknown."""
    if event in ("发布", "公布", "颁布"):
        return ctx.published_date
    if event in ("印发", "签发", "下发", "发文"):
        return ctx.written_date or ctx.published_date
    return ctx.published_date or ctx.written_date


def find_deadlines(text: str, ctx: ExtractContext) -> list[Deadline]:
    """Deadlines and dates in force in the clean body ``text`` of one document.

    >>> [(d.kind, d.recurrence, d.month_day, d.from_year)
    ...  for d in find_deadlines("自2023年起,每年12月15日前,各单位要填报绩效数据。", ExtractContext())]
    [('due', 'annual', '12-15', 2023)]
    """
    if not text:
        return []
    c = cues()
    masked = mask_non_quantities(text)
    sents = sentence_spans(text)
    sent_starts = [s for s, _ in sents]
    lines = line_spans(text)
    line_starts = [s for s, _ in lines]
    exprs = dates(masked)
    year_pos = [e.start for e in exprs if e.year is not None]
    year_val = [e.year for e in exprs if e.year is not None]
    found: list[tuple[int, Deadline]] = []
    effective_dates: list[tuple[int, str]] = []  # for 有效期N年

    def sentence_of(pos: int) -> tuple[int, int]:
        return sentence_around(sents, sent_starts, pos)

    def clause_of(pos: int, s_start: int, s_end: int) -> tuple[int, int]:
        lo, hi = pos, pos
        while lo > s_start and masked[lo - 1] not in CLAUSE_BREAK and pos - lo < 80:
            lo -= 1
        while hi < s_end and masked[hi] not in CLAUSE_BREAK and hi - pos < 80:
            hi += 1
        return lo, hi

    def add(kind: str, recurrence: str, date: str | None, month_day: str | None, from_year: int | None,
            start: int, end: int, action: str | None) -> None:
        s_start, s_end = sentence_of(start)
        found.append((start, Deadline(recurrence=recurrence, date=date, month_day=month_day, from_year=from_year,
                                      action=action, sentence=text[s_start:s_end], start=start, end=end, kind=kind)))
        if kind == "effective" and date:
            effective_dates.append((start, date))

    i = 0
    while i < len(exprs):
        first = exprs[i]
        # A list of dates sharing one marker: 每年1月31日、12月31日前.
        group = [first]
        while i + len(group) < len(exprs):
            nxt = exprs[i + len(group)]
            gap = masked[group[-1].end:nxt.start]
            if gap in _LIST_SEP and nxt.start - group[-1].end <= 1:
                group.append(nxt)
            else:
                break
        i += len(group)
        last = group[-1]
        s_start, s_end = sentence_of(first.start)
        line_start = line_starts[bisect.bisect_right(line_starts, first.start) - 1]
        before = masked[max(line_start, first.start - BEFORE_WINDOW):first.start]
        if c.label.search(before) and not is_obligation_label(before):
            continue  # 发布时间:2023年10月11日 — the page's own date (征求意见时间: is a window)
        annual = bool(_EVERY_YEAR.search(before)) or (
            first.year is None and bool(_EVERY_YEAR_CLAUSE.search(before)))
        cs, ce = clause_of(first.start, s_start, s_end)
        if c.past.search(masked[cs:ce]):
            continue
        # Window: 2026年7月21日至2028年12月31日 (the second may omit the year).
        window_end: DateExpr | None = None
        sep = _WINDOW_SEP.match(masked, last.end)
        if len(group) == 1 and sep:
            if i < len(exprs) and exprs[i].start == sep.end():
                window_end = exprs[i]
                i += 1
            else:
                dm = _DAY_ONLY.match(masked, sep.end())
                if dm and first.month is not None and first.day is not None:
                    window_end = DateExpr(dm.start(), dm.end(), first.year, first.month, int(dm.group("d")), None)
        tail_from = window_end.end if window_end else last.end
        am = _AFTER.match(masked, tail_from)
        marker = am.group("k") if am else None
        marker_end = am.end() if am else tail_from
        if marker in ("以来", "以后", "之后", "后"):
            continue
        # Years: explicit, inherited within the paragraph, or the document's.
        rel_year = next((v for w, v in _RELATIVE_YEAR.items() if before.endswith(w)), None)
        doc_year = _doc_year(ctx)
        if first.year is None and rel_year is not None and doc_year is not None:
            year_hint = doc_year + rel_year
        else:
            year_hint = _year_hint(year_pos, year_val, first, line_start, ctx)

        def iso(d: DateExpr, first_day: bool) -> str | None:
            y = d.year if d.year is not None else year_hint
            return _day(y, d.month, d.day, d.end_of, first_day) if y is not None else None

        if window_end is not None:
            # A period in a heading or a table label (2026年第27周(2026-07-13至
            # 2026-07-17)期货…统计表) is no window for anyone to act in: a
            # window is introduced (自/从/于/在, 阶段/期间…) or ends a clause.
            intro = re.search(r"(?:自|从|于|在|即日起|期|阶段|时间|期限|期间)[ ]?[(（]?[ ]?$", before)
            closed = am is not None or re.match(r"[ ]?[)）]?[ ]?[,，。;；]", masked[tail_from:tail_from + 4])
            if not (intro or closed):
                continue
            start_iso = iso(first, True)
            end_year = window_end.year or first.year or year_hint
            end_iso = _day(end_year, window_end.month, window_end.day, window_end.end_of, False) if end_year else None
            if end_iso and start_iso and end_iso < start_iso and window_end.year is None:
                # 2023年12月22日至1月22日: the end is in the next year.
                end_iso = _day(end_year + 1, window_end.month, window_end.day, window_end.end_of, False)
            in_parens = bool(re.search(r"[(（][ ]?$", before))
            action = _action(masked, s_start, s_end, first.start, max(marker_end, window_end.end), prefer_before=in_parens)
            if annual:
                # 记分周期从每年1月1日起到12月31日止: a window every year.
                md_start = _month_day(first.month, first.day or 1, None)
                md_end = _month_day(window_end.month, window_end.day, window_end.end_of or "month")
                if md_start and md_end:
                    add("window_start", "annual", None, md_start, None, first.start, window_end.end, action)
                    add("window_end", "annual", None, md_end, None, first.start, window_end.end, action)
                continue
            if start_iso:
                add("window_start", "once", start_iso, None, None, first.start, window_end.end, action)
            if end_iso:
                add("window_end", "once", end_iso, None, None, first.start, window_end.end, action)
            continue
        # Relative window start: 即日起至…, 自本意见印发之日起至….
        rel = re.search(r"(?:即日|(?P<ev>发布|公布|印发|下发|颁布|签发|发文|施行|实施)之日)起?[ ]?(?:至|到)[ ]?$", before)
        if rel and len(group) == 1:
            end_iso = iso(first, False)
            action = _action(masked, s_start, s_end, first.start, marker_end)
            start_iso = _ctx_date(ctx, rel.group("ev"))
            add("window_start", "once", start_iso, None, None, first.start - len(rel.group(0)), first.end, action)
            if end_iso:
                add("window_end", "once", end_iso, None, None, first.start, marker_end, action)
            continue
        cutoff = False
        if _BEFORE_EXPIRY.search(before):
            kind = "expiry"
        elif marker in ("废止", "失效", "停止执行", "到期", "起废止", "起失效", "起停止执行"):
            kind = "expiry"
        elif marker and marker.startswith("起") and len(marker) > 1 or marker in ("施行", "生效", "正式施行", "正式生效"):
            kind = "effective"
        elif marker in ("起", "开始"):
            kind = "from"
        elif marker in ("前", "之前", "以前", "止", "为止"):
            if _BEFORE_STATUS.search(before):
                continue  # 截至2023年底前: a status date
            kind = "due"
        elif _BEFORE_CUTOFF.search(before):
            kind = "due"
            cutoff = True
        elif _BEFORE_AT.search(before) and c.oblige.search(masked[s_start:s_end]):
            kind = "due"
        else:
            continue  # a date with no marker: an event, a signature, a history note
        if kind == "from" and first.month is None:
            continue  # 2024年起,…: a policy start with no date
        if kind in ("from", "effective") and _REPORTS_A_DOCUMENT.search(before):
            continue  # 《…》规定自2020年10月19日起…: another document's date
        if kind in ("from", "effective") and _NAMES_A_DOCUMENT.match(masked, marker_end):
            continue  # 执行2017年10月1日开始实施的《…条例》: the date of the document it names
        if kind in ("due", "from") and masked[cs:ce].rstrip().endswith("的"):
            continue  # 2024年12月31日前到期的,可以…: a condition, not a deadline
        if kind == "due" and _CONDITION_AFTER.match(masked, ce, s_end):
            continue  # 2020年8月20日前,借款人已提交…的,执行原规定: a transition rule
        if kind in ("due", "from") and _inside_parentheses(masked, max(s_start, first.start - 40), first.start):
            continue  # 适龄儿童(2014年8月31日以前出生): a description, not a deadline
        if kind in ("due",) and annual is False and c.past.search(masked[s_start:first.start]):
            continue
        if annual:
            fy = None
            for m in _FROM_YEAR.finditer(masked, s_start, first.start):
                fy = int(m.group("y"))
            items = _split_items(masked, marker_end, s_end, len(group)) if len(group) > 1 else None
            for k, d in enumerate(group):
                md = _month_day(d.month, d.day, d.end_of)
                if md is None:
                    continue
                action = items[k] if items else _action(masked, s_start, s_end, first.start, marker_end,
                                                        prefer_before=cutoff)
                add(kind, "annual", None, md, fy, d.start, d.end if d is not last else marker_end, action)
            continue
        items = _split_items(masked, marker_end, s_end, len(group)) if len(group) > 1 else None
        for k, d in enumerate(group):
            date = iso(d, kind in ("from", "effective"))
            if date is None:
                continue
            if kind == "effective":
                action = _effect_action(masked, s_start, first.start, marker)
            elif kind == "expiry":
                action = _effect_action(masked, s_start, first.start, "失效")
            else:
                action = items[k] if items else _action(masked, s_start, s_end, first.start, marker_end,
                                                        prefer_before=cutoff)
            add(kind, "once", date, None, None, d.start, d.end if d is not last else marker_end, action)

    # 自发布之日起施行: the effective date is the document's own.
    for m in finditer_from(_RELATIVE_EFFECT, _RELATIVE_EFFECT_FIRST, masked):
        s_start, s_end = sentence_of(m.start())
        verb = m.group("v") or m.group("v2")
        add("effective", "once", _ctx_date(ctx, m.group("ev")), None, None, m.start(), m.end(),
            _effect_action(masked, s_start, m.start("ev") if m.group("ev") else m.start(), verb))
    # 有效期5年: counted from the effective date before it, else publication.
    for m in finditer_from(_VALIDITY, _VALIDITY_FIRST, masked):
        s_start, s_end = sentence_of(m.start())
        pre = masked[max(s_start, m.start() - 30):m.start()]
        if pre.endswith(("的", "证", "证件", "证书", "许可")) or masked[m.end():m.end() + 1] == "的":
            continue  # 证件的有效期, 有效期五年的身份证: not the document's
        if m.group("n") and not (c.doc.search(masked[s_start:m.start()]) or re.search(r"(?:施行|实施|执行|生效)[ ]?[,，]?[ ]?$", pre)
                                 or m.start() == s_start):
            continue
        n = _cn(m.group("n") or m.group("n2")) if not (m.group("n") or m.group("n2")).isdigit() else int(m.group("n") or m.group("n2"))
        if not n:
            continue
        base = None
        for pos, d in effective_dates:
            if pos < m.start():
                base = d
        if base is None:
            base = ctx.published_date
        add("expiry", "once", _last_day_in_force(base, n, m.group("u") or m.group("u2")), None, None, m.start(), m.end(),
            _effect_action(masked, s_start, m.start(), "有效期" + m.group(0)[3:] if m.group("n") else m.group(0)))
    found.sort(key=lambda x: x[0])
    return [d for _, d in found]


def _effect_action(text: str, s_start: int, pos: int, verb: str | None) -> str | None:
    """本通知自…起施行 → 本通知施行: what takes effect, and how."""
    subject = text[s_start:pos]
    m = cues().doc.search(subject)
    if m:
        subject = subject[m.start():m.end()]
    else:
        # 以上意见自…起执行: the clause before the date, without 自/从.
        subject = re.split(r"[,，:：]", subject)[-1]
        subject = re.sub(r"^(?:第[一二三四五六七八九十百零0-9]+条|[一二三四五六七八九十]+、)", "", subject.strip())
        subject = re.sub(r"(?:将|自|从|于|今年|本年|明年|当年)+$", "", subject)[-20:]
    verb = re.sub(r"^起?(?:正式)?", "", verb or "")
    action = re.sub(r"^(?:并|且|和|及|同时)", "", (subject + verb).strip())
    return action or None


def _inside_parentheses(text: str, lo: int, pos: int) -> bool:
    """Whether an opening parenthesis in ``text[lo:pos]`` is still open at ``pos``."""
    depth = 0
    for ch in text[lo:pos]:
        if ch in "(（":
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
    return depth > 0


def _doc_year(ctx: ExtractContext) -> int | None:
    for d in (ctx.written_date, ctx.published_date):
        if d and len(d) >= 4 and d[:4].isdigit():
            return int(d[:4])
    return None


def _year_hint(year_pos: list[int], year_val: list[int], d: DateExpr, line_start: int,
               ctx: ExtractContext) -> int | None:
    """The year of a date written without one (请于8月15日前…): the last
    year written earlier in the paragraph, else the document's own year,
    moved on a year when the day has already passed by the document's date."""
    if d.year is not None:
        return d.year
    k = bisect.bisect_left(year_pos, d.start) - 1
    if k >= 0 and year_pos[k] >= line_start:
        return year_val[k]
    ref = ctx.written_date or ctx.published_date
    if not ref or len(ref) < 10:
        return None
    try:
        r = dt.date.fromisoformat(ref[:10])
    except ValueError:
        return None
    if d.month is not None and (d.month, d.day or 1) < (r.month, r.day):
        return r.year + 1
    return r.year
