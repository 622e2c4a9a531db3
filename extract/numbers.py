"""Numbers in Chinese policy text: numerals, units, qualifiers and masking.

Shared by ``targets`` (quantities: 三百所, 30个以上, 不少于总课时的50%) and
``deadlines`` (dates: 二〇二三年七月三十日).  Everything here is a pure
function of its arguments; the unit and qualifier tables are data files read
once (``data/units.tsv``, ``data/qualifiers.tsv``).

Every regular expression in this module is linear-time: runs of digits are
matched possessively and only where a run starts, so a 10,000-digit number or
100,000 repeated characters cost one pass, not a quadratic search.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from policykb.extract.scan import sub_from
from policykb.extract.tables import rows


# Full-width digits and the ideographic zero read as ASCII digits; the clean
# body is usually NFKC-normalised already, this keeps offsets unchanged.
_DIGIT_MAP = str.maketrans("０１２３４５６７８９．", "0123456789.")

CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)

# Longer than this is an identifier (ID card, account, serial), not a quantity.
MAX_DIGITS = 12

# An Arabic number starts only where a digit run starts (the lookbehind), so
# the engine never re-scans the inside of a long run.  Thousands separators
# only in the strict 1,234,567 shape: "2025,300个" stays two numbers.
ARABIC_NUMBER = re.compile(
    r"(?<![0-9０-９.．])"
    r"(?:[0-9]{1,3}(?:,[0-9]{3})++(?![0-9])|[0-9０-９]++)"
    r"(?:[.．][0-9０-９]++)?+"
)
CHINESE_NUMBER = re.compile(
    f"(?<![{CN_NUMERAL_CHARS}])[{CN_NUMERAL_CHARS}]++(?:点[零〇一二三四五六七八九]++)?+"
)


def parse_arabic(s: str) -> float | None:
    """``"1,000"`` → 1000.0, ``"0.5"`` → 0.5; None when it is not a plain number.

    >>> parse_arabic("1,000")
    1000.0
    """
    s = s.translate(_DIGIT_MAP).replace(",", "")
    if not s or len(s.split(".")[0]) > MAX_DIGITS or len(s) > MAX_DIGITS + 6:
        return None
    try:
        return float(s)
    except ValueError:
        return None


@lru_cache(maxsize=1 << 12)  # the same numerals (第一, 二十) come back in every law
def parse_chinese(s: str) -> float | None:
    """A Chinese numeral as a number, or None when it is not one exact value.

    Positional readings (二〇二三 → 2023) and unit readings (一百二十 → 120,
    两千 → 2000, 一万零五百 → 10500) are numbers; approximations are not:
    两三 (two or three), 三四十, 十几, 几百 give None, and so does a bare
    multiplier (百, 万) that is more often part of a word (百姓, 万家).

    >>> parse_chinese("一百二十"), parse_chinese("两三"), parse_chinese("一点五")
    (120.0, None, 1.5)
    """
    if "点" in s:
        # 一点五 = 1.5: the whole part, then decimals digit by digit.
        whole, _, frac = s.partition("点")
        w = parse_chinese(whole)
        if w is None or not frac or len(frac) > 6 or any(CN_DIGITS.get(ch) is None for ch in frac):
            return None
        return float(f"{int(w)}." + "".join(str(CN_DIGITS[ch]) for ch in frac))
    if not s or len(s) > 32 or any(ch not in CN_NUMERAL_CHARS for ch in s):
        return None
    if all(ch in CN_DIGITS for ch in s):
        if len(s) == 1:
            return float(CN_DIGITS[s])
        # Digit by digit (二〇二三) only when a zero shows it is positional;
        # two plain digits side by side (两三, 七八) are an approximation.
        if any(CN_DIGITS[ch] == 0 for ch in s) or len(s) >= 4:
            if s[0] in "两":
                return None
            return float("".join(str(CN_DIGITS[ch]) for ch in s))
        return None
    if len(s) == 1:
        # 十 alone is ten; 百/千/万/亿 alone are words far more often.
        return 10.0 if s in "十拾" else None
    total, section = 0, 0
    digit: int | None = None  # the digit waiting for its unit
    last_unit = 0  # the unit before the waiting digit; 0 after 零
    small_floor = 10**5  # small units must fall within a section: 千 > 百 > 十
    for ch in s:
        if ch in CN_DIGITS:
            value = CN_DIGITS[ch]
            if value == 0:
                digit, last_unit = None, 0
                continue
            if digit is not None:
                return None  # 三四十, 两三百: two digits in a row, an approximation
            digit = value
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            if unit >= small_floor:
                return None  # 十百: out of order
            if digit is None:
                if unit != 10 or section:
                    return None  # 百十 or 一百十: not a numeral we trust
                digit = 1  # 十二 = 12
            section += digit * unit
            digit, last_unit, small_floor = None, unit, unit
        else:
            unit = CN_BIG_UNITS[ch]
            section += digit or 0
            if section == 0 and total == 0:
                return None
            if unit == 10_000:
                total += section * unit
            else:
                total = (total + section) * unit
            section, digit, last_unit, small_floor = 0, None, unit, 10**5
    if digit is not None:
        # 两千五 = 2500, 三万五 = 35000: a final digit right after a unit
        # counts in the next smaller place.
        section += digit * (last_unit // 10 if last_unit > 10 else 1)
    return float(total + section)


def parse_number(s: str) -> float | None:
    """Arabic, Chinese or mixed (1.5万, 3千) numeral as a number, else None.

    >>> parse_number("三百"), parse_number("1.5万"), parse_number("十几")
    (300.0, 15000.0, None)
    """
    s = s.strip()
    if not s:
        return None
    m = ARABIC_NUMBER.fullmatch(s) or ARABIC_NUMBER.fullmatch(s[:-1])
    if m:
        value = parse_arabic(m.group(0))
        if value is None:
            return None
        rest = s[m.end():]
        if not rest:
            return value
        factor = {"万": 10_000, "亿": 100_000_000, "千": 1000, "百": 100}.get(rest)
        return value * factor if factor else None
    return parse_chinese(s)


# --- units and qualifiers, as data -------------------------------------------


@dataclass(frozen=True)
class Unit:
    text: str  # as written: 个, 万元, ％
    canonical: str  # as stored: 个, 万元, %
    kind: str  # count, percent, duration, money, measure, people, ratio, period


@dataclass(frozen=True)
class Qualifier:
    text: str  # as written: 及以上, 不少于
    canonical: str  # as stored: 以上, 不少于
    position: str  # before (the number), after (the unit), infix (余, 多)
    kind: str  # min, goal, approx, over, about, max, cond, time_limit, change, index


@lru_cache(maxsize=1)
def units() -> dict[str, Unit]:
    """Unit table, written form → Unit (``data/units.tsv``)."""
    table = {}
    for row in rows("units.tsv"):
        text, canonical, kind = row[:3]
        table[text] = Unit(text, canonical or text, kind)
    return table


@lru_cache(maxsize=1)
def qualifiers() -> dict[str, tuple[Qualifier, ...]]:
    """Qualifier table by position: ``{"before": (...), "after": (...)}``,
    longest written form first so 及以上 wins over 以上."""
    by_pos: dict[str, list[Qualifier]] = {"before": [], "after": [], "infix": []}
    for row in rows("qualifiers.tsv"):
        text, canonical, position, kind = row[:4]
        by_pos[position].append(Qualifier(text, canonical or text, position, kind))
    return {pos: tuple(sorted(qs, key=lambda q: -len(q.text))) for pos, qs in by_pos.items()}


@lru_cache(maxsize=1)
def _unit_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(u) for u in units()}, reverse=True))


@lru_cache(maxsize=1)
def _unit_first_chars() -> frozenset[str]:
    return frozenset(u[0] for u in units() if u)


def unit_at(text: str, pos: int) -> Unit | None:
    """The longest unit written at ``text[pos:]`` (个月 before 个), or None."""
    if text[pos:pos + 1] not in _unit_first_chars():
        return None  # asked after every number: most are followed by no unit
    table = units()
    for n in _unit_lengths():
        unit = table.get(text[pos:pos + n])
        if unit is not None:
            return unit
    return None


@lru_cache(maxsize=1)
def _qualifier_index() -> dict[str, tuple[dict[str, Qualifier], tuple[int, ...]]]:
    """Per position: written form → Qualifier, and the lengths, longest first."""
    index = {}
    for pos, qs in qualifiers().items():
        table = {q.text: q for q in qs}
        index[pos] = (table, tuple(sorted({len(t) for t in table}, reverse=True)))
    return index


@lru_cache(maxsize=1)
def _qualifier_edges() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Per position: the first and the last characters of its written forms."""
    return {pos: (frozenset(t[0] for t in table if t), frozenset(t[-1] for t in table if t))
            for pos, (table, _) in _qualifier_index().items()}


def _qualifier_at(position: str, text: str, pos: int, ending: bool) -> Qualifier | None:
    firsts, lasts = _qualifier_edges()[position]
    if (text[pos - 1:pos] not in lasts) if ending else (text[pos:pos + 1] not in firsts):
        return None
    table, lengths = _qualifier_index()[position]
    for n in lengths:
        word = text[pos - n:pos] if ending else text[pos:pos + n]
        if len(word) == n and word in table:
            return table[word]
    return None


def qualifier_after(text: str, pos: int) -> Qualifier | None:
    """A qualifier written at ``text[pos:]`` after a unit (左右, 及以上)."""
    return _qualifier_at("after", text, pos, ending=False)


def qualifier_infix(text: str, pos: int) -> Qualifier | None:
    """余/多 between a number and its unit (300余家)."""
    return _qualifier_at("infix", text, pos, ending=False)


def qualifier_before(text: str, pos: int) -> Qualifier | None:
    """A qualifier ending exactly at ``pos`` (不少于|30个)."""
    if pos <= 0:
        return None
    return _qualifier_at("before", text, pos, ending=True)


# --- masking: numbers that are not quantities or dates ------------------------

# Each pattern names something whose digits must not be read as a quantity or
# a date.  Priority is the order of the alternation; replacement keeps length,
# so offsets in the masked text are offsets in the original.
_MASKS = [
    # document numbers: 教职成厅函〔2023〕15号, 国发[2019]4号, 第318号令
    r"[〔\[［【(（][ ]?(?:19|20)[0-9]{2}[ ]?[〕\]］】)）][ ]?[0-9０-９]{1,5}[ ]?号",
    r"第[ ]?[0-9０-９]{1,6}[ ]?号",
    # telephone and fax numbers: 010-66096232, 0427-2825005, 13812345678, 12345
    r"(?<![0-9])0[0-9]{2,3}[-－—]?[0-9]{7,8}(?![0-9])",
    r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])",
    r"(?<![0-9])[0-9]{7,8}(?:[,，、][0-9]{7,8})++(?![0-9])",
    r"(?<![0-9])(?:12345|12315|12319|12329|110|119|120)(?=热线|服务热线|电话)",
    # web and mail addresses
    r"https?://[!-~]++",
    r"www\.[!-~]++",
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9.-]++",
    # clock times: 15:42:53, 24:00
    r"(?<![0-9])[0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2})?+(?![0-9])",
]
MASK_RE = re.compile("|".join(f"(?:{p})" for p in _MASKS))
# Every character a match of _MASKS can start with (keep in step with it).
MASK_FIRST = re.compile(r"[〔\[［【(（第0-9A-Za-z._%+\-]")
MASK_CHAR = "#"


@lru_cache(maxsize=2)
def mask_non_quantities(text: str) -> str:
    """Replace document numbers, phone numbers, addresses and clock times by
    ``#`` of the same length, so neither finder reads them as numbers.
    (Targets and deadlines both mask the same body: the last two are kept.)

    >>> mask_non_quantities("(教职成厅函〔2023〕15号)")
    '(教职成厅函#########)'
    """
    return sub_from(MASK_RE, MASK_FIRST, lambda m: MASK_CHAR * (m.end() - m.start()), text)


# --- sentences ----------------------------------------------------------------

SENTENCE_END = "。；;！!？?\n"
_SENTENCE = re.compile(f"[^{SENTENCE_END}]++[。；;！!？?]?+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, split on 。；;!? (kept, as written) and
    line breaks, with surrounding whitespace left out.

    >>> t = "一、要求\\n到2025年,建成30个。培育10家;"
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['一、要求', '到2025年,建成30个。', '培育10家;']
    """
    return list(_sentence_spans(text))


@lru_cache(maxsize=2)  # targets and deadlines both split the same body
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for m in _SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append((s, e))
    return tuple(spans)


# A sentence longer than this either side of a match is cut there: it keeps
# the stored sentence readable and the work per match bounded (a page with no
# punctuation would otherwise make every match copy the whole page).
SENTENCE_REACH = 300


def sentence_around(spans: list[tuple[int, int]], starts: list[int], pos: int,
                    reach: int = SENTENCE_REACH) -> tuple[int, int]:
    """(start, end) of the sentence holding ``pos``, at most ``reach``
    characters either side of it; ``starts`` are the spans' starts."""
    i = bisect.bisect_right(starts, pos) - 1
    if i < 0 or pos > spans[i][1]:
        return max(0, pos - reach // 10), pos  # between sentences (a break itself)
    s, e = spans[i]
    return max(s, pos - reach), min(e, pos + reach)


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line: the paragraph a year reaches across."""
    spans, start = [], 0
    for m in re.finditer("\n", text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans
