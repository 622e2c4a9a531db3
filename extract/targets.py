"""Quantified targets: 到2025年,建成300个左右全国性实践中心.

``find_targets(text, ctx)`` reads the clean simplified body of one document
and returns one ``Target`` per quantity that the text sets as something to
reach: a number with its unit (300个, 50%, 6个月, 1.5亿元), the qualifier that
bounds it (左右, 以上, 不少于 …), the thing counted (全国性实践中心) and the
year it is due (2025, from 到2025年 earlier in the paragraph or 十四五; none
after a relative time frame such as 三年内 or 每年, which ends a year's reach).
A sentence repeated in a document gives its targets once.

A quantity is a target when the text gives a reason to think so (a target
year, a goal verb such as 建成/培育, a goal qualifier such as 左右/不少于) and
no reason against (it is a cap, a condition, a past fact, a fine, an ordinal,
a time limit).  The word lists are data: ``data/units.tsv``,
``data/qualifiers.tsv``, ``data/target_cues.tsv``.

Everything is linear in the length of the text: each quantity looks at a
bounded window around itself, found by bisection in precomputed boundaries.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from policykb.extract.numbers import (
    ARABIC_NUMBER,
    CHINESE_NUMBER,
    Qualifier,
    Unit,
    line_spans,
    mask_non_quantities,
    parse_arabic,
    parse_chinese,
    qualifier_after,
    qualifier_before,
    qualifier_infix,
    qualifiers,
    sentence_around,
    sentence_spans,
    unit_at,
    units,
)
from policykb.extract.scan import finditer_from
from policykb.extract.tables import alternation, words_by_role
from policykb.records import ExtractContext, Target

# Five-year plans name the year they end in.
PLAN_PERIODS = {"十一五": 2010, "十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}

# The year a target is due: 到2025年, 力争2025年, 2025年底前, 十四五.  截至 is
# a status date (截至2023年底,已建成…), never a due year.
_YEAR_CUE = re.compile(
    r"(?<!截)(?:到|至|力争|争取|计划|预计|目标)(?:到|在|于)?[ ]?(?P<y1>(?:19|20)[0-9]{2})[ ]?年(?![0-9])"
    r"|(?<![0-9])(?P<y2>(?:19|20)[0-9]{2})[ ]?年(?:底|末|年底|年末)"
    r"|(?<![0-9])(?P<y3>(?:19|20)[0-9]{2})[ ]?年(?:前|以前|之前)"
    # 须于2017年6月底前下达60%以上: a month's end in a year dates the goal.
    r"|(?<![0-9])(?P<y4>(?:19|20)[0-9]{2})[ ]?年[ ]?(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})月(?:底|末|份)?(?:前|以前|之前)"
    r"|(?<![比较与同])(?<!比“)(?<!较“)(?<!与“)(?<!同“)[“\"]?(?P<plan>十[一二三四五六]五)"
)
# A year named without a cue (2022年,全市…); earlier than the document's own
# year it marks the sentence as a report of the past.
# Characters a match of _YEAR_CUE can start with (keep in step with it).
_YEAR_CUE_FIRST = re.compile("[到至力争计预目12“\"十]")
_BARE_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})[ ]?年(?!底|末|前|以前|之前|度?[0-9])")
# 确保完成2010年新开工…13.6万套: a year named inside a clause, not before the
# document's own year, dates what follows (only dates it: a year alone in a
# title or a reference makes no target).  Not a base (比2020年, 较2020年) nor
# a start (自2024年起, 2024年以来).
_DATING_YEAR = re.compile(
    r"(?<![0-9比较与同自从截止至])(?P<y>(?:19|20)[0-9]{2})[ ]?年(?!度|底|末|前|以前|之前|以来|起|开始|以后|[ ]?[0-9一二三四五六七八九十]{1,3}月)")
# 今年, 本年: the year the document was written.  今年以来 reports the past
# (以来 is a past cue); 今年1-5月 is masked as a period by the past checks.
_THIS_YEAR = re.compile(r"(?:今年|本年)(?!以来|初以来|度以来)")
# 2025年,推动…: a year opening a clause is a plan year when it is not before
# the document's own year (only used when that year is known).
_OPENING_YEAR = re.compile(r"(?:^|(?<=[,，;；。\n：:]))[ ]?(?P<y>(?:19|20)[0-9]{2})[ ]?年(?=[,，]?[\u4e00-\u9fff])(?!度|底|末|前|以来|起|开始|以后)")
_OPENING_YEAR_FIRST = re.compile("[ 12]")
# Titles and short quotations: names and slogans, not targets.
_QUOTED = re.compile(r"[《⟪〈][^《》⟪⟫〈〉\n]{0,80}+[》⟫〉]|“[^“”\n]{0,30}+”|\"[^\"\n]{0,30}+\"")
# 每人每月1400元, 每户5万元: a rate, a parameter of the policy, not a target.
_RATE = re.compile(r"每[\u4e00-\u9fff]{1,3}?(?:增加|提高|减少|下降|补贴|补助|奖励|给予)?$")
# 由30%提高至40%, 从192万元提高至216万元: a changed parameter, old and new.
_CHANGE = re.compile(r"(?:由|从)[^,，;；。]{0,8}?[0-9０-９一二三四五六七八九十]")
# After the quantity: it is a condition for something else (投资达到25%以上,即可…).
_THEN = re.compile(r"[^,，;；。]{0,10}?(?:的前提下|的情况下|的条件下|[,，]?(?:即可|方可|才能|才可))")
# A short note between a unit and its qualifier: 2万套(间)以上, 5000平方米(含)以上.
_UNIT_NOTE = re.compile(r"[(（]([^()（）]{1,4})[)）]")
# (含), (含3个), (含二级): bounds written the way eligibility rules write them.
_INCLUSIVE = re.compile(r"[(（]含[^()（）]{0,5}[)）]")
# List markers and article numbers that open a clause: （五）, 2., 第十八条.
_LIST_MARK = re.compile(r"^(?:[(（][一二三四五六七八九十0-9]{1,3}[)）]|[0-9一二三四五六七八九十]{1,3}[、.．]|第[一二三四五六七八九十百零0-9]{1,5}条)[ ]?")
_YEAR_PHRASE = re.compile(r"^(?:到|至|力争|争取|计划|预计)?(?:到|在|于)?(?:19|20)[0-9]{2}年(?:底|末)?(?:前)?")
_BASIS = re.compile(r"按(?:照)?(?:[0-9.]+[%％]?[、和及与])*$")
_EVERY_PERIOD = re.compile(r"每(?:[0-9]{1,3}|[一二两三四五六七八九十半])?(?:个)?(?:年|月|季度|学年|学期|周)$")
# Time frames with no calendar year.  三年内, 年内 set a relative deadline:
# like a year they date a target (三年内全市离境退税商店达到200家), but the
# year is unknown.  每年 makes the target recur.  Either ends the reach of a
# year named before it (2025年…达4.5个,三年内…覆盖率达到60%: the 60% has no
# year).  A deadline opens its clause (，三年内…, 力争年内…); elsewhere the
# phrase is part of a condition (离校2年内未就业的, 引进后3年内购房的,
# 近三年内营业收入…).
_RELATIVE_DEADLINE = re.compile(
    r"(?:^|(?<=[,，;；。：:\n])|(?<=力争)|(?<=争取)|(?<=确保)|(?<=计划))[ ]?"
    r"(?P<d>(?:[一二两三四五六七八九十]{1,2}|[0-9]{1,2})个?年(?:之内|内)|年内|今明两年)", re.M)
_RECURRING = re.compile(r"每年")
# A time adverbial opening an object read before the number: 三年内培育
# 旅游美食体验店360家 counts 旅游美食体验店.
_TIME_LEAD = re.compile(
    r"^(?:(?:[一二两三四五六七八九十]{1,2}|[0-9]{1,2})个?年(?:之内|内)|年内|今年|当年|全年|每年|今明两年"
    r"|(?:第?[一二三四])季度|[上下]半年|年底前"
    r"|(?:(?:19|20)[0-9]{2}年)?(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})月(?:底|末|份)?(?:前|以前|之前)?)[ ]?")
# 下达, 到达, 送达: 达 closing a verb is not the qualifier 达到.
# 专项资金须于2017年6月底前下达: a deadline inside the object is no part of it.
_INNER_TIME = re.compile(
    r"(?:须|应|要|必须|应当|将)?(?:于|在)?(?:(?:19|20)[0-9]{2}年)?(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})月(?:底|末|份)?(?:前|以前|之前)")
_VERB_WITH_DA = re.compile("[下到传送表抵通直发转]达$")
# An object that names no thing (投资, 下达): a verb, once time phrases and
# goal words are cut; the thing is in the clause before (加快国省干道和农村公路
# 建设,今明两年投资270亿元) or, in a list, the item before (专项资金须于6月底前
# 下达60%以上、9月底前下达80%以上).
BARE_OBJECT = 2
# 聚焦国家“十四五”计划102项重大工程: a number right after a plan's or list's
# name counts what that plan holds, not what this document sets.
_NAMED_LIST = re.compile(r"(?:规划|计划|纲要|清单|目录)[”》\"]?[ ]?$")
# 实施三江干流、8条主要支流治理…: a number opening an item of a list of names,
# after an item without one, is part of a name.
_AFTER_ENUMERATION = re.compile(r"、[ ]?$")
# A breakdown (其中:取消25项,下放1项…) is what its total is: no target when
# the total was none.
_BREAKDOWN = re.compile(r"其中")
_SENTENCE_END = re.compile("[。；;！!？?\n]")

CLAUSE_BREAK = ",，;；。：:!！?？\n"
_CLAUSE_BREAK_RE = re.compile(f"[{re.escape(CLAUSE_BREAK)}]")
_SPACE = re.compile(r"\s+")
_DIGIT = re.compile("[0-9０-９]")  # where ARABIC_NUMBER can start
SEGMENT_BREAK = CLAUSE_BREAK + "、（(《"
RANGE_SEPARATORS = "至到-—－~～"

# Windows, in characters, each quantity looks at; they bound the work per
# quantity (linear time) and were set wide enough for the longest clauses of
# seed 004 (the 1000门 core-course sentence needs the 200 ahead).
CLAUSE_WINDOW = 120
GOAL_WINDOW = 16  # 实施产学合作协同育人项目30个: verb to number, 11 characters
OBJECT_WINDOW = 60
LOOKAHEAD_WINDOW = 200
MAX_OBJECT = 30
# How far back a year cue makes a target on its own (到2025年,…建成…30个以上,
# 培育…30家以上,实施…30个以上: the third is 90 characters on in seed 001).
YEAR_REACH = 100


@dataclass(frozen=True)
class Quantity:
    """A number with its unit and qualifiers, before judging it."""

    start: int  # the whole expression, qualifier before included
    end: int  # the whole expression, qualifier after included
    num_start: int
    value: float
    value_max: float | None
    unit: Unit
    chinese: bool  # written in Chinese numerals
    before: Qualifier | None
    after: Qualifier | None
    infix: Qualifier | None
    based: bool  # 不少于总课时的50%: the qualifier stands before a base
    inclusive: bool = False  # 1万平方米(含)以上, 2倍(含2倍): a bound written as in a rule


@dataclass(frozen=True)
class _Cues:
    goal: re.Pattern
    oblige: re.Pattern
    past: re.Pattern
    penalty: re.Pattern
    lead: re.Pattern
    opener: re.Pattern
    trail: re.Pattern
    vp: re.Pattern
    modclause: re.Pattern
    param: re.Pattern
    docobj: re.Pattern
    generic: re.Pattern
    review: re.Pattern
    criteria: re.Pattern
    bare: re.Pattern
    party: re.Pattern
    compare: re.Pattern


@lru_cache(maxsize=1)
def cues() -> _Cues:
    """The cue words of ``data/target_cues.tsv`` as one pattern per role."""
    by_role = words_by_role("target_cues.tsv")

    def alt(role: str) -> str:
        return alternation(by_role.get(role, ()))

    # 了 after a verb reports the past; 为了, 除了, 了解 are not that 了.
    past = alt("past") + r"|(?<![为除])了(?!解)"
    return _Cues(
        goal=re.compile(f"(?:{alt('goal')}|{alt('stage')})(?!{alt('notgoal')})"),
        oblige=re.compile(alt("oblige")),
        past=re.compile(past),
        penalty=re.compile(alt("penalty")),
        lead=re.compile(f"^(?:{alt('lead')}|{alt('goal')}|{alt('oblige')})"),
        opener=re.compile(f"^(?:{alt('lead')}|{alt('oblige')})"),
        trail=re.compile(f"(?:{alt('trail')})$"),
        vp=re.compile(alt("vp")),
        modclause=re.compile(alt("modclause")),
        param=re.compile(alt("param")),
        # 政策性住房 is housing, not a policy: X性 is an adjective.
        docobj=re.compile(f"^(?:{alt('docobj')})(?!性)|(?:{alt('docobj')})$"),
        generic=re.compile(f"^(?:{alt('generic')})$"),
        review=re.compile(alt("review")),
        criteria=re.compile(alt("criteria")),
        party=re.compile(alt("party")),
        compare=re.compile(alt("compare")),
        bare=re.compile(f"(?:{alt('goal')}|{alt('verb')})*"),
    )


# --- quantities ---------------------------------------------------------------


def _numbers(text: str) -> list[tuple[int, int, float | None, bool]]:
    """(start, end, value, chinese) of every numeral, in text order.

    A value of None marks an approximation (两三, 十几) so that its unit is
    not read as belonging to anything else."""
    found = []
    for m in finditer_from(ARABIC_NUMBER, _DIGIT, text):
        found.append((m.start(), m.end(), parse_arabic(m.group()), False))
    for m in CHINESE_NUMBER.finditer(text):
        s, e = m.start(), m.end()
        if text.startswith("百分之", s):
            # 百分之五十: the numeral after 之 is the number; 百 is not one.
            continue
        found.append((s, e, parse_chinese(m.group()), True))
    for m in re.finditer(r"半(?=年|个月|天|小时)", text):
        found.append((m.start(), m.end(), 0.5, True))
    found.sort()
    return found


def _based_qualifier(text: str, num_start: int, clause_start: int) -> tuple[Qualifier, int] | None:
    """不少于总课时的50%: a qualifier before a short base phrase ending in 的."""
    de = num_start - 1
    if de > 0 and text[de] == " ":
        de -= 1
    if de < 0 or text[de] != "的":
        return None
    lo = max(clause_start, de - 15)
    window = text[lo:de]
    best = None  # the qualifier ending last, and of those the longest: 不超过, not 超过
    for q in qualifiers()["before"]:
        if q.kind in ("index", "change"):
            continue
        i = window.rfind(q.text)
        if i >= 0:
            key = (i + len(q.text), len(q.text))
            if best is None or key > best[0]:
                best = (key, q, i)
    if best is None:
        return None
    _, q, i = best
    if i + len(q.text) == len(window):
        return None  # nothing between qualifier and 的
    return q, lo + i


def quantities(text: str, clause_starts: list[int] | None = None) -> list[Quantity]:
    """Every number with a unit in ``text`` (already masked), with its
    qualifiers; approximations (两三个, 十几个) are left out.

    >>> [(q.value, q.unit.canonical, q.after.canonical) for q in quantities("建成300个左右中心")]
    [(300.0, '个', '左右')]
    """
    nums = _numbers(text)
    by_start = {n[0]: n for n in nums}
    if clause_starts is None:
        clause_starts = _break_positions(text)
    consumed: set[int] = set()
    out: list[Quantity] = []
    for start, end, value, chinese in nums:
        if start in consumed:
            continue
        pos = end
        if value is None or text[pos:pos + 1] in ("几", "来", "数") or (chinese and start > 0 and text[start - 1] in "几数"):
            continue  # 十几个, 10来个, 数百家: not a precise amount (套数50% is one)
        value_max = None
        unit = None
        percent_word = start >= 3 and text.startswith("百分之", start - 3)
        # Ranges: 3至5个, 3-5个, 3个至5个, 百分之二至三.
        if text[pos:pos + 1] in RANGE_SEPARATORS and pos + 1 in by_start:
            n2 = by_start[pos + 1]
            if n2[2] is not None and (percent_word or unit_at(text, n2[1]) is not None):
                value_max, pos = n2[2], n2[1]
                consumed.add(n2[0])
        else:
            u1 = unit_at(text, pos)
            if u1 is not None:
                sep = pos + len(u1.text)
                n2 = by_start.get(sep + 1) if text[sep:sep + 1] in RANGE_SEPARATORS else None
                if n2 is not None and n2[2] is not None and unit_at(text, n2[1]) == u1:
                    value_max, pos = n2[2], n2[1]
                    consumed.add(n2[0])
        infix = qualifier_infix(text, pos)
        if infix is not None:
            pos += len(infix.text)
        unit = units()["%"] if percent_word else unit_at(text, pos)
        if unit is None and text[pos:pos + 1] == " ":
            pos += 1
            unit = unit_at(text, pos)
        if unit is None and text[pos:pos + 1] in ("万", "亿", "千") and not chinese:
            factor = {"万": 10_000, "亿": 100_000_000, "千": 1000}[text[pos]]
            unit = unit_at(text, pos + 1)
            if unit is not None:
                value *= factor
                value_max = value_max * factor if value_max is not None else None
                pos += 1
        if unit is None:
            continue
        if chinese and text[end - 1] in "万亿" and (text[end - 1] + unit.text) in units():
            # 五万元 → 5 万元, as 5万元 is stored.
            factor = 10_000 if text[end - 1] == "万" else 100_000_000
            value /= factor
            unit = units()[text[end - 1] + unit.text]
        unit_end = pos if percent_word else pos + len(unit.text)
        after = qualifier_after(text, unit_end)
        note = _UNIT_NOTE.match(text, unit_end)
        # 2倍(含2倍), 5000平方米(含)以上: a bound written the way rules write it.
        inclusive = bool(note and note.group(1).startswith("含"))
        if after is None and note:
            # 2万套(间)以上: a short note between the unit and its qualifier.
            after = qualifier_after(text, note.end())
            if after is not None:
                unit_end = note.end()
        num_start = start
        if percent_word:
            num_start = start - 3
        before = qualifier_before(text, num_start)
        if before is not None and _VERB_WITH_DA.search(text, max(0, num_start - len(before.text) - 1), num_start):
            before = None  # 下达80%: 达 ends a verb here, it is no qualifier
        based = False
        q_start = num_start - (len(before.text) if before else 0)
        if before is None:
            cs = clause_starts[bisect.bisect_right(clause_starts, num_start) - 1] if clause_starts else 0
            hit = _based_qualifier(text, num_start, cs)
            if hit is not None:
                before, q_start = hit
                based = True
        out.append(Quantity(
            start=q_start,
            end=unit_end + (len(after.text) if after else 0),
            num_start=num_start,
            value=value,
            value_max=value_max,
            unit=unit,
            chinese=chinese,
            before=before,
            after=after,
            infix=infix,
            based=based,
            inclusive=inclusive,
        ))
    return out


# --- judging ------------------------------------------------------------------

_SKIP_KINDS = {"max", "cond", "time_limit", "change", "index"}


def _break_positions(text: str) -> list[int]:
    """Start of every clause: 0 and each position after a clause break."""
    return [0] + [m.end() for m in _CLAUSE_BREAK_RE.finditer(text)]


def _clause(breaks: list[int], pos: int, n: int) -> tuple[int, int]:
    i = bisect.bisect_right(breaks, pos) - 1
    start = max(breaks[i], pos - CLAUSE_WINDOW)
    end = breaks[i + 1] - 1 if i + 1 < len(breaks) else n
    return start, min(end, pos + CLAUSE_WINDOW)


def _strip_parenthetical(s: str) -> str:
    return re.sub(r"[(（][^()（）]{0,80}[)）]$", "", s)


def _rejected_alone(q: Quantity, text: str) -> bool:
    """Not a target whatever its sentence, year or neighbours say: the
    first reasons against, which need only the quantity and the characters
    next to it.  Most quantities of a law end here (第十八条, 三个月, 1000元/人),
    so ``find_targets`` asks this before working out their context."""
    kinds = {x.kind for x in (q.before, q.after, q.infix) if x is not None}
    if kinds & _SKIP_KINDS:
        return True
    kind = q.unit.kind
    if kind == "period":
        return True
    if kind == "duration":
        # 不少于6个月, 1学年以上; 5年努力, 连续两年 are not amounts to reach.
        if not kinds & {"min", "over"}:
            return True
    if q.value >= 1900 and q.unit.canonical in ("年", "学年"):
        return True
    if q.chinese and q.value == 1 and kind in ("count", "people") and not kinds:
        return True  # 一个整体, 一套住房: the numeral is an article
    if _RATE.search(text, max(0, q.start - 8), q.start):
        return True
    if _BASIS.search(text, max(0, q.start - 12), q.start):
        return True  # 按不低于起始价的20%确定…, 分别按10%和15%加计抵减: the basis of a rule
    if _NAMED_LIST.search(text, max(0, q.start - 5), q.start):
        return True
    if q.chinese and q.unit.canonical == "次" and not kinds:
        return True  # 二次结构, 一次性: a word, not a count
    if text[q.end:q.end + 1] in ("/", "／"):
        return True  # 1000元/人: a rate
    if q.chinese and q.value < 10 and not kinds:
        return True  # 三项制度, 两个毫不动摇: a name; targets are written in digits
    return False


def _goal_opens_clause(text: str, cs: int, pos: int) -> bool:
    """每年举办中国摩博会、消费品博览会等消费类展会40场以上: a goal verb
    opening the clause (after a time phrase, 力争, 全市 …) governs the first
    quantity of the clause however long the object between them.  ``cs``
    must be a real clause start (the caller checks)."""
    c = cues()
    s = text[cs:pos].lstrip()
    for _ in range(4):
        new = _LIST_MARK.sub("", s)
        new = _YEAR_PHRASE.sub("", new)
        new = _TIME_LEAD.sub("", new)
        new = c.opener.sub("", new).lstrip("，, ")
        if new == s:
            break
        s = new
    return bool(c.goal.match(s))


def _single_item(q: Quantity, text: str, clause: tuple[int, int], year: int | None) -> bool:
    """规划建设1座…购物中心: one of something, with no bound, no target year
    and no word of aim, describes a project (land-sale conditions repeat it
    parcel by parcel) or a rule (6年内只能享有1个学位); 力争培育1家专精特新
    企业 or 到2025年建成1座… is a goal."""
    if q.value != 1 or q.value_max is not None or q.before or q.after or q.infix or year is not None:
        return False
    return not cues().oblige.search(text, clause[0], clause[1])


def _judge(q: Quantity, text: str, clause: tuple[int, int], sent_start: int, prev_end: int, listed: bool,
           year_here: bool, dated: bool, past_year: bool, quoted: bool) -> bool:
    """Whether a quantity is a target; see the module docstring."""
    if _rejected_alone(q, text):
        return False
    c = cues()
    kinds = {x.kind for x in (q.before, q.after, q.infix) if x is not None}
    kind = q.unit.kind
    if quoted:
        return False  # 《…十条措施》, “带动三亿人参与冰雪运动”: a name or a slogan
    cs, ce = clause
    clause_text = text[cs:ce]
    # A goal verb governs the next quantity only: 2万平方米以上新建公共建筑和
    # 10万平方米以上的… does not make the second one a target.
    before_text = text[max(cs, q.start - GOAL_WINDOW, prev_end):q.start]
    if c.penalty.search(text[cs:min(len(text), ce + 20)]):
        return False
    if not kinds and c.compare.search(text, max(sent_start, q.start - CLAUSE_WINDOW), q.num_start):
        return False  # 同比增长12%: a report; 同比增长10%以上 is a goal
    if c.past.search(text, max(sent_start, q.start - CLAUSE_WINDOW), ce) or past_year:
        return False  # 目前已建成…,共培训职工1200人次: the sentence reports the past
    if c.param.search(text, max(cs, q.start - CLAUSE_WINDOW), q.num_start):
        return False
    if c.party.search(text, max(sent_start, q.start - CLAUSE_WINDOW), q.num_start):
        return False  # 竞得人须…装配率不低于50%: what a party to a rule must meet
    if _CHANGE.search(text, max(cs, q.start - CLAUSE_WINDOW), q.start):
        return False
    if _THEN.match(text, q.end):
        return False
    stripped = _strip_parenthetical(clause_text).rstrip()
    if stripped.endswith(("的", "后", "时", "前提下", "情况下", "条件下")) or re.match(r"^(?:对于|对|凡|如果|如|若|当|在.{0,20}时)", stripped):
        return False  # a condition: 90平方米以上的, 对…的家庭, 当个贷率达到90%时
    if q.inclusive or _INCLUSIVE.search(clause_text):
        return False  # 1万平方米(含)以上, 3个以上(含3个): a threshold of eligibility
    goal = listed or bool(c.goal.search(before_text))
    if not goal and prev_end <= cs and (cs == 0 or text[cs - 1] in CLAUSE_BREAK):
        goal = _goal_opens_clause(text, cs, q.start)
    if text.startswith("的", q.end) and not year_here and (not goal or "over" in kinds):
        return False  # 比例达到20%及以上的项目, 10万平方米以上的小区: a relative clause, a condition
    if year_here or goal:
        return True
    if q.chinese and q.value != 0.5:
        # Laws and rules write their thresholds in Chinese numerals (执法人员
        # 不得少于二人, 最低时速不得低于六十公里); plans write targets in digits.
        return False
    if kinds & {"approx", "goal"} or (kinds & {"min"} and kind in ("percent", "duration")):
        # 不少于总课时的50%, 不少于6个月: a requirement on a share or a time is
        # a target on its own; 国道不少于20米 or 专家不少于3人 is a rule.
        return True
    if kinds & {"reach"} and (dated or c.oblige.search(clause_text)):
        return True
    if kinds & {"over", "about"} and c.oblige.search(clause_text):
        return True
    return False


# --- objects ------------------------------------------------------------------


def _segment(text: str, start: int, breaks: str, limit: int) -> str:
    end = min(len(text), start + limit)
    for i in range(start, end):
        if text[i] in breaks:
            return text[start:i]
    return text[start:end]


def _head(np: str) -> str:
    """The head of a noun phrase: what follows its last 的, when that is more
    than a generic two-character word (…占国内生产总值的比例 stays whole)."""
    i = np.rfind("的")
    if 0 <= i < len(np) - 3:
        np = np[i + 1:]
    np = re.sub("[\"“”‘’]", "", np)
    return np[-MAX_OBJECT:].strip()


def _before_np(text: str, cs: int, q: Quantity) -> str:
    c = cues()
    s = text[cs:q.start].strip().lstrip("、和及与")
    for _ in range(6):
        new = _LIST_MARK.sub("", s)
        new = _YEAR_PHRASE.sub("", new)
        new = _TIME_LEAD.sub("", new)
        new = c.lead.sub("", new)
        new = c.trail.sub("", new)
        new = _EVERY_PERIOD.sub("", new)
        new = _INNER_TIME.sub("", new)
        new = new.strip()
        if new == s:
            break
        s = new
    return _head(s)


def _names_no_thing(obj: str) -> bool:
    """投资, 9月底前下达: an object that is only time words and verbs."""
    c = cues()
    return c.bare.fullmatch(_TIME_LEAD.sub("", obj).strip()) is not None


def _clause_before(text: str, breaks: list[int], cs: int, s_start: int) -> str:
    """The clause before the one starting at ``cs``, within its sentence
    (抓住国家加快铁路建设机遇,今明两年投资530亿元 → 抓住国家加快铁路建设机遇)."""
    i = bisect.bisect_left(breaks, cs) - 1
    if i < 0 or breaks[i] < s_start:
        return ""
    return _LIST_MARK.sub("", text[breaks[i]:cs - 1].strip())


def _after_np(text: str, q: Quantity, sent_end: int) -> tuple[str, bool, bool]:
    """(object after the unit, whether it followed a 的, whether it is a verb phrase)."""
    c = cues()
    start = q.end
    if text.startswith("人民币", start):
        start += 3  # 1000万元人民币
    long_mod = text.startswith("的", start)
    if long_mod:
        start += 1
    seg = _segment(text, start, CLAUSE_BREAK + "（(" if long_mod else SEGMENT_BREAK, OBJECT_WINDOW)
    vp = c.vp.match(seg)
    if vp:
        return seg, long_mod, True
    m = c.vp.search(seg)
    if m and m.start() >= 2:
        seg = seg[:m.start()]  # 5个领域进行首批布局 → 领域
    if long_mod and c.generic.match(_head(seg)):
        return "", False, False  # 增长4%的目标: the object is before the number
    if seg and "的" not in seg and c.modclause.search(seg):
        # A long modifier runs on to the head after the next 的.
        ahead = text[start + len(seg):min(sent_end, start + LOOKAHEAD_WINDOW)]
        i = ahead.find("的")
        if i >= 0:
            head = _segment(ahead, i + 1, SEGMENT_BREAK, OBJECT_WINDOW)
            if len(head) >= 2:
                return head[-MAX_OBJECT:], True, False
    return _head(seg), long_mod, False


def _object(q: Quantity, text: str, cs: int, sent_end: int) -> str:
    after, long_mod, is_vp = _after_np(text, q, sent_end)
    if q.unit.kind in ("percent", "duration", "ratio"):
        if long_mod and after:
            return after  # 不低于50%的土地出让金 → 土地出让金
        before = _before_np(text, cs, q)
        return (before + after)[-MAX_OBJECT * 2:] if before or after else ""
    if after and not is_vp:
        return after
    before = _before_np(text, cs, q)
    return (before + after) if is_vp else before


# --- the finder -----------------------------------------------------------------


def _compact(s: str) -> str:
    """Text as the scorer compares it: NFKC, no whitespace (50％ = 50%)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", s))


def _repeat_key(text: str, s_start: int, s_end: int, q_end: int) -> tuple[str, int]:
    """What makes two targets the same statement: the sentence, without
    its list number (1、 2、 … restate one condition per parcel), and where
    the quantity ends in it, so that two equal numbers in one sentence
    (实训基地30个以上,…项目30个以上) both stay.

    >>> _repeat_key("2、装配率不低于50％。", 0, 13, 11) == _repeat_key("1、装配率不低于 50%。", 0, 14, 12)
    True
    """
    mark = _LIST_MARK.match(text[s_start:s_end])  # ^ anchors at the slice's start
    start = s_start + (mark.end() if mark else 0)
    return _compact(text[start:s_end]), len(_compact(text[start:q_end]))


_NUMBER_YEAR = re.compile(r"〔((?:19|20)[0-9]{2})〕")


def _doc_year(ctx: ExtractContext) -> int | None:
    """The year the document was written: its date of writing, else its
    publication (a repost is published later than it was written, and 今年
    means the year of writing), else the year in its number (皖政办〔2011〕30号).

    >>> _doc_year(ExtractContext(doc_number="皖政办〔2011〕30号"))
    2011
    """
    for d in (ctx.written_date, ctx.published_date):
        if d and len(d) >= 4 and d[:4].isdigit():
            return int(d[:4])
    m = _NUMBER_YEAR.search(ctx.doc_number or "")
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class _TimeCue:
    """Where the text says when: a year (到2025年), a relative deadline
    (三年内: year None, but a due date all the same) or a recurrence (每年:
    no due date).  The last cue before a quantity dates it."""

    pos: int
    year: int | None
    dates: bool  # a due date, absolute or relative: 达到200家 reads as a goal
    # A cue that makes a quantity of its own sentence a target (到2025年,
    # 今年); a year merely named (完成2010年新开工…) only dates one.
    strong: bool = True


def _year_cues(text: str, doc_year: int | None) -> list[_TimeCue]:
    out = []
    if doc_year is not None:
        for m in finditer_from(_OPENING_YEAR, _OPENING_YEAR_FIRST, text):
            if int(m.group("y")) >= doc_year:
                out.append(_TimeCue(m.start("y"), int(m.group("y")), True))
        for m in _THIS_YEAR.finditer(text):
            out.append(_TimeCue(m.start(), doc_year, True))
    for m in finditer_from(_YEAR_CUE, _YEAR_CUE_FIRST, text):
        if m.group("plan"):
            out.append(_TimeCue(m.start(), PLAN_PERIODS[m.group("plan")], True))
        else:
            y = m.group("y1") or m.group("y2") or m.group("y3") or m.group("y4")
            out.append(_TimeCue(m.start(), int(y), True))
    taken = {c.pos for c in out} | {c.pos + 1 for c in out}
    if doc_year is not None:
        for m in _DATING_YEAR.finditer(text):
            if int(m.group("y")) >= doc_year and m.start() not in taken:
                out.append(_TimeCue(m.start(), int(m.group("y")), True, strong=False))
    for m in _RELATIVE_DEADLINE.finditer(text):
        out.append(_TimeCue(m.start("d"), None, True))
    for m in _RECURRING.finditer(text):
        out.append(_TimeCue(m.start(), None, False))
    out.sort(key=lambda c: c.pos)
    return out


# --- sections -------------------------------------------------------------------

# A text in articles (第十八条 opening its lines) is a law or a set of rules:
# its figures are norms (应当有2名以上执法人员参加, 绿地率不低于30%), and it
# sets a goal only with a due year (到2000年…达到2%).  Three articles make
# one: a notice quotes an article or two.
_ARTICLE = re.compile(r"^[ \u3000]*第[一二三四五六七八九十百零〇两0-9]{1,6}条", re.M)
ARTICLES_OF_A_LAW = 3


def _in_articles(text: str) -> bool:
    r"""Whether the text is laid out in articles.

    >>> _in_articles("第一条 为了…\n第二条 本条例…\n第三条 县级以上…")
    True
    """
    n = 0
    for _ in _ARTICLE.finditer(text):
        n += 1
        if n >= ARTICLES_OF_A_LAW:
            return True
    return False


# A heading opens a line with a list marker; the marker's kind is its level
# (第一章 above 一、 above （一） above 1. above （1）).  What a heading says
# holds for every line under it until the next heading of its level or above.
_HEADING = re.compile(
    r"^[ ]*(?:(?P<l0>第[一二三四五六七八九十百]{1,4}[章节篇部分])"
    r"|(?P<l1>[一二三四五六七八九十]{1,3}[、.．])"
    r"|(?P<l2>[(（][一二三四五六七八九十]{1,3}[)）])"
    r"|(?P<l3>[0-9]{1,2}[、.．](?![0-9]))"
    r"|(?P<l4>[(（][0-9]{1,2}[)）]))")
# A heading is the line up to its first full stop or colon: 1.“十四五”时期郑州
# 发展取得重大成就。“十四五”时期,… has the heading before the 。.
_HEADING_END = re.compile("[。:：;；]")
HEADING_LENGTH = 40
# An attachment starts a text of its own: its headings start afresh.
_ATTACHMENT = re.compile(r"^[ ]*附件[0-9一二三四五六七八九十]{0,3}[:：]?[ ]*$|^[ ]*附件[0-9一二三四五六七八九十]{0,3}[:：]")
# The period a plan covers, named in its title (the body's first line):
# 规划(2010—2015年), 实施方案（2026—2028年）, 第十五个五年规划, “十四五”规划.
_TITLE_PERIOD = re.compile(
    r"(?:19|20)[0-9]{2}[ ]?(?:年)?[ ]?[—–\-－~～至到]+[ ]?(?P<end>(?:19|20)[0-9]{2})[ ]?年"
    r"|第(?P<nth>十[一二三四五六])个五年|[“\"]?(?P<plan>十[一二三四五六]五)[”\"]?(?:规划|时期|期间)")
_TITLE_GENRE = re.compile("规划|计划|方案|纲要|意见|建议|通知|措施|行动")
_NTH_PLAN = {"十一": 2010, "十二": 2015, "十三": 2020, "十四": 2025, "十五": 2030, "十六": 2035}


@dataclass(frozen=True)
class _Section:
    """What the headings above a line say about the quantities in it."""

    review: bool = False  # 现实基础, “十四五”时期…取得重大成就: figures of the past
    criteria: bool = False  # 支持条件, 申报条件: thresholds an applicant must meet
    year: int | None = None  # 到2025年主要目标, “十五五”时期…的主要目标


def _heading_year(heading: str) -> int | None:
    m = _YEAR_CUE.search(heading)
    if m is None:
        return None
    if m.group("plan"):
        return PLAN_PERIODS[m.group("plan")]
    return int(m.group("y1") or m.group("y2") or m.group("y3") or m.group("y4"))


def _sections(text: str, lines: list[tuple[int, int]]) -> list[_Section]:
    r"""The section each line lies in, from the headings above it (and its
    own heading: a list item's first sentence heads the item).

    >>> t = "一、发展基础\n2023年,建成12个。\n二、主要目标\n（一）到2025年目标\n建成30个。"
    >>> [(x.review, x.year) for x in _sections(t, line_spans(t))]
    [(True, None), (True, None), (False, None), (False, 2025), (False, 2025)]
    """
    c = cues()
    stack: list[tuple[int, _Section]] = []
    out = []
    for start, end in lines:
        line = text[start:end]
        if _ATTACHMENT.match(line):
            stack = []
        m = _HEADING.match(line)
        if m:
            level = int(m.lastgroup[1])
            while stack and stack[-1][0] >= level:
                stack.pop()
            head = _HEADING_END.split(line[m.end():], maxsplit=1)[0][:HEADING_LENGTH]
            parent = stack[-1][1] if stack else _Section()
            year = _heading_year(head)
            stack.append((level, _Section(
                review=parent.review or bool(c.review.search(head)),
                criteria=parent.criteria or bool(c.criteria.search(head)),
                year=year if year is not None else parent.year)))
        out.append(stack[-1][1] if stack else _Section())
    return out


def _title_period_end(text: str) -> int | None:
    r"""The last year of the period a plan's title names (its first line).

    >>> _title_period_end("关于印发职业教育发展规划(2010—2015年)的通知\n正文")
    2015
    >>> _title_period_end("中共郑州市委关于制定郑州市国民经济和社会发展第十五个五年规划的建议")
    2030
    """
    first = text.lstrip()[:200].split("\n", 1)[0]
    if len(first) > 120 or not _TITLE_GENRE.search(first):
        return None
    m = _TITLE_PERIOD.search(first)
    if m is None:
        return None
    if m.group("end"):
        return int(m.group("end"))
    if m.group("nth"):
        return _NTH_PLAN[m.group("nth")]
    return PLAN_PERIODS[m.group("plan")]


def find_targets(text: str, ctx: ExtractContext) -> list[Target]:
    """Quantified targets in the clean body ``text`` of one document.

    >>> [(t.year, t.quantity, t.unit, t.qualifier, t.object)
    ...  for t in find_targets("到2025年,建成300个左右全国性实践中心。", ExtractContext())]
    [(2025, 300.0, '个', '左右', '全国性实践中心')]
    """
    if not text:
        return []
    masked = mask_non_quantities(text)
    breaks = _break_positions(masked)
    sents = sentence_spans(text)
    sent_starts = [s for s, _ in sents]
    lines = line_spans(text)
    line_starts = [s for s, _ in lines]
    sections = _sections(masked, lines)
    period_end = _title_period_end(text)
    in_articles = _in_articles(masked)
    doc_year = _doc_year(ctx)
    quotes = [(m.start(), m.end()) for m in _QUOTED.finditer(masked)]
    quote_starts = [s for s, _ in quotes]
    year_cues = _year_cues(masked, doc_year)
    cue_pos = [c.pos for c in year_cues]
    found: list[Target] = []
    seen: set[tuple[str, int]] = set()
    prev_end, prev_accepted, obj_floor = 0, False, 0
    breakdown_end = 0
    for q in quantities(masked, breaks):
        if _rejected_alone(q, masked):
            prev_end, prev_accepted = q.end, False
            continue
        s_start, s_end = sentence_around(sents, sent_starts, q.num_start)
        li = bisect.bisect_right(line_starts, q.num_start) - 1
        para_start, section = line_starts[li], sections[li]
        if section.review or section.criteria:
            prev_end, prev_accepted = q.end, False
            continue  # figures of a past period; an applicant's thresholds
        # The due year: the last time cue earlier in the paragraph, else a
        # cue later in the same sentence (建成30个基地,力争2025年…).
        cue = None
        ci = bisect.bisect_right(cue_pos, q.num_start) - 1
        if ci >= 0 and year_cues[ci].pos >= para_start:
            cue = year_cues[ci]
        elif ci + 1 < len(year_cues) and year_cues[ci + 1].pos < s_end:
            cue = year_cues[ci + 1]
        year = cue.year if cue else None
        dated = cue is not None and cue.dates
        if cue is None and section.year is not None:
            year, dated = section.year, True  # 到2025年主要目标 above a list
        elif cue is None:
            year = period_end  # a plan's period dates what it sets (2023—2025年)
        past_year = False
        if doc_year is not None and year is not None and year < doc_year:
            past_year = True  # 2009年末,示范区有中等职业学校347所 in a 2011 plan: a report
        elif doc_year is not None and year is None:
            past_year = any(int(m.group(1)) < doc_year
                            for m in _BARE_YEAR.finditer(masked, max(s_start, q.num_start - CLAUSE_WINDOW), q.num_start))
        clause = _clause(breaks, q.num_start, len(masked))
        # A year makes a target on its own only in its own sentence; across
        # the paragraph it only dates targets found for other reasons.
        year_here = (cue is not None and dated and cue.strong and ci >= 0 and year_cues[ci] is cue
                     and cue.pos >= max(s_start, q.num_start - YEAR_REACH)) or (
            ci + 1 < len(year_cues) and year_cues[ci + 1].dates and year_cues[ci + 1].strong
            and clause[0] <= year_cues[ci + 1].pos < clause[1])
        qi = bisect.bisect_right(quote_starts, q.num_start) - 1
        quoted = qi >= 0 and q.num_start < quotes[qi][1]
        # 培育20项国际顶级赛事、30项高商业价值赛事: the next item of a list
        # whose first item is a target shares its goal verb.
        gap = masked[prev_end:q.start]
        listed = prev_accepted and len(gap) <= 30 and "、" in gap and not any(ch in CLAUSE_BREAK for ch in gap)
        if prev_end > 0 and not prev_accepted and len(gap) <= 40 and "\n" not in gap and _BREAKDOWN.search(gap):
            breakdown_end = s_end  # 59项。其中:取消25项,下放1项…: parts of a total that is no target
        enumerated = not listed and prev_end <= clause[0] and _AFTER_ENUMERATION.search(
            masked, max(0, q.start - 2), q.start) is not None
        accepted = (q.num_start >= breakdown_end and not enumerated
                    and (not in_articles or (year_here and year is not None))
                    and not _single_item(q, masked, clause, year) and _judge(
                        q, masked, clause, s_start, prev_end, listed, year_here, dated, past_year, quoted))
        prev_end, prev_accepted = q.end, accepted
        if not accepted:
            continue
        # An object read before the number starts after the previous target
        # (旅游美食体验店360家、示范店40家 → 示范店), not after a number that
        # is part of it (专业课教师每5年累计不少于6个月…).
        obj = _object(q, masked, max(clause[0], obj_floor), s_end)
        if obj and _names_no_thing(obj):
            if found and found[-1].start >= s_start and obj_floor > s_start:
                obj = found[-1].object  # 下达60%以上、9月底前下达80%以上: the same funds
            else:
                obj = _clause_before(masked, breaks, clause[0], s_start) + obj
        obj_floor = q.end
        if len(obj) < 1 or cues().docobj.search(obj) or cues().param.search(obj):
            continue  # 出台15条措施; 给予不低于5万元的奖励
        # A sentence repeated word for word (land-sale notices restate the
        # same condition for each parcel) states its targets once.
        key = _repeat_key(text, s_start, s_end, q.end)
        if key in seen:
            continue
        seen.add(key)
        qualifier = (q.after or q.before or q.infix)
        found.append(Target(
            year=year,
            quantity=q.value,
            unit=q.unit.canonical,
            qualifier=qualifier.canonical if qualifier else None,
            object=obj,
            sentence=text[s_start:s_end],
            start=q.start,
            end=q.end,
            quantity_max=q.value_max,
        ))
    return found
