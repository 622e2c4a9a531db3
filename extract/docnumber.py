"""Document numbers (发文字号): find them in text and write them one way.

A 发文字号 is ``机关代字〔年份〕序号号``: 教职成厅函〔2023〕23号.  Scraped pages
write the year brackets as 〔〕, [], ［］, (), （）, 【】 or ﹝﹞, use full-width
digits, break lines inside the number, and put zero-width spaces before it.
Every variant is normalised to 〔〕, ASCII digits and no whitespace, so the same
number always compares equal::

    >>> normalise_doc_number('穗公积金中心规字〔\\n2024\\n〕1\\n号')
    '穗公积金中心规字〔2024〕1号'

Two other numbered forms are cited often enough to be worth knowing, and are
kept as written (whitespace removed, digits ASCII): 国务院令第699号 and
国家税务总局公告2018年第31号.

Every search here is anchored on a short, fixed-shape token (the year bracket,
令第, 公告+year) and looks at most ``MAX_AGENCY`` characters back, so the work
is linear in the length of the text whatever it contains (see
``tests/test_docnumber.py::test_hostile_input_is_fast``).
"""

from __future__ import annotations

import bisect
import re

# Characters that may sit inside a number without being part of it.
_WS = r"[\s\u200b-\u200d\u2060\ufeff\u3000\xa0]"
_DIGIT = r"[0-9０-９]"
_OPEN = "〔[［(（【﹝〖"
_CLOSE = "〕]］)）】﹞〗"
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"

# The longest 机关代字 in the development pages is 穗公积金中心规字 (8); full
# agency names before 令 (沈阳市人民政府令, 住房和城乡建设部令) reach 12.
MAX_AGENCY = 16
# Serial numbers run to four digits in practice; six leaves room and keeps a
# 10,000-digit run from being read as a number.
MAX_SERIAL = 6

#: The bracketed form, with the agency code as the run of CJK characters
#: right before the bracket (zero-width characters allowed inside it, spaces
#: only before the bracket: a space inside would join two words).  Callers should use
#: :func:`find_doc_numbers`, which also trims words such as 根据 off the front.
DOC_NUMBER_RE = re.compile(
    rf"(?P<agency>[{_CJK}](?:[{_CJK}\u200b-\u200d\u2060\ufeff]{{0,{MAX_AGENCY - 1}}}))?"
    rf"[ \u3000\xa0]{{0,2}}[{re.escape(_OPEN)}]{_WS}{{0,4}}(?P<year>(?:19|20|１９|２０|1９|2０|１9|２0){_DIGIT}{{2}})"
    rf"{_WS}{{0,4}}[{re.escape(_CLOSE)}]{_WS}{{0,4}}第?{_WS}{{0,4}}"
    rf"(?P<serial>{_DIGIT}{{1,{MAX_SERIAL}}})(?!{_DIGIT}){_WS}{{0,4}}[号號]"
)

# 国务院令第699号, 沈阳市人民政府令第41号.
_ORDER_RE = re.compile(
    rf"(?P<agency>[{_CJK}]{{2,{MAX_AGENCY}}}?令){_WS}{{0,2}}第{_WS}{{0,2}}"
    rf"(?P<serial>{_DIGIT}{{1,{MAX_SERIAL}}})(?!{_DIGIT}){_WS}{{0,2}}[号號]"
)

# 国土资源部第39号令 (the older way to write an order's number).
_ORDER_AFTER_RE = re.compile(
    rf"(?P<agency>[{_CJK}]{{2,{MAX_AGENCY}}}?){_WS}{{0,2}}第{_WS}{{0,2}}"
    rf"(?P<serial>{_DIGIT}{{1,{MAX_SERIAL}}})(?!{_DIGIT}){_WS}{{0,2}}号令"
)

# 国家税务总局公告2018年第31号.
_NOTICE_RE = re.compile(
    rf"(?P<agency>[{_CJK}]{{2,{MAX_AGENCY}}}?公告){_WS}{{0,2}}(?P<year>(?:19|20){_DIGIT}{{2}})年"
    rf"{_WS}{{0,2}}第{_WS}{{0,2}}(?P<serial>{_DIGIT}{{1,{MAX_SERIAL}}})(?!{_DIGIT}){_WS}{{0,2}}[号號]"
)

# Words that end the prose before an agency code: 根据国办发〔2019〕3号,
# 贯彻落实教职成厅函〔2023〕15号, 印发的京建发〔2023〕1号.  The code starts
# after the last of them.  Longest first, so 贯彻落实 wins over 落实.  None of
# them occurs inside a real agency code (经 alone would: 京经信发).
_LEAD_WORDS = (
    "贯彻落实", "发文字号", "认真贯彻", "根据", "按照", "依据", "依照", "遵照", "参照", "对照",
    "贯彻", "落实", "执行", "印发", "转发", "下发", "发布", "废止", "作废", "修订", "修改",
    "文件", "文号", "字号", "精神", "通知", "关于", "以及", "见", "的", "和", "及", "与",
    "或", "即", "为", "是", "据", "将", "把", "对", "在", "由", "原", "按",
)

# Each pattern above runs only near a short token every match of it holds
# (the bracket before a year, 令第, 号令, 公告): a match starts at most
# ``_BEFORE`` characters before the token and ends at most ``_AFTER`` after
# it (the longest shapes are 29 and 34).  On a law with no document number
# this is most of the work of citations and docinfo otherwise: each pattern
# tries a 16-character agency run at every Chinese character.
_BEFORE = _AFTER = 48
_DOC_NUMBER_ANCHOR = re.compile(rf"[{re.escape(_OPEN)}]{_WS}{{0,4}}[12１２]")
_ORDER_ANCHOR = re.compile(rf"令{_WS}{{0,2}}第")
_ORDER_AFTER_ANCHOR = re.compile("号令")
_NOTICE_ANCHOR = re.compile("公告")


def _finditer_near(pattern: re.Pattern, anchor: re.Pattern, text: str):
    """``pattern.finditer(text)``, for a pattern whose every match holds a
    match of ``anchor`` (starting within ``_BEFORE``/``_AFTER`` of it).

    The windows around the anchors are merged, so no match is split, and no
    match can start between them; each pattern ends on a character it
    consumes (号), so a window's end never makes a lookahead succeed that
    fails on the whole text.  The matches are the same, in the same order.
    """
    lo = hi = -1  # the window being grown
    for a in anchor.finditer(text):
        start, end = max(a.start() - _BEFORE, 0), a.start() + _AFTER
        if start <= hi:
            hi = end
            continue
        if hi > 0:
            yield from pattern.finditer(text, lo, hi)
        lo, hi = start, end
    if hi > 0:
        yield from pattern.finditer(text, lo, hi)


_TRANS = str.maketrans("０１２３４５６７８９號", "0123456789号")
_SPACES = re.compile(_WS)


def _trim_agency(agency: str) -> str:
    """The agency code without the prose that precedes it."""
    agency = _SPACES.sub("", agency)
    cut = 0
    for word in _LEAD_WORDS:
        i = agency.rfind(word)
        if i >= 0 and i + len(word) > cut:
            cut = i + len(word)
    return agency[cut:]


def _clean(s: str) -> str:
    return _SPACES.sub("", s).translate(_TRANS)


def _after_date(text: str, start: int, agency: str) -> str:
    """Drop 年/月/日/号 left over from a date or number just before the code."""
    if start > 0 and text[start - 1].isdigit() and agency[:1] in "年月日号號":
        return agency[1:]
    return agency


def find_doc_numbers(text: str) -> list[tuple[int, int, str]]:
    """Every document number in ``text`` as ``(start, end, normalised)``.

    ``start`` is where the agency code begins once leading prose is trimmed,
    ``end`` just after 号.  Spans do not overlap and come in text order.

    >>> find_doc_numbers('根据《通知》(教职成厅函〔2023〕15号)')
    [(7, 21, '教职成厅函〔2023〕15号')]
    """
    if not text:
        return []
    found: list[tuple[int, int, str]] = []
    for m in _finditer_near(DOC_NUMBER_RE, _DOC_NUMBER_ANCHOR, text):
        raw_agency = m.group("agency") or ""
        agency = _after_date(text, m.start(), _trim_agency(raw_agency))
        if len(agency) < 2:
            continue
        start = _locate_start(text, m.end("agency"), agency)
        year = _clean(m.group("year"))
        serial = str(int(_clean(m.group("serial"))))
        found.append((start, m.end(), f"{agency}〔{year}〕{serial}号"))
    for pattern, anchor, fmt in ((_ORDER_RE, _ORDER_ANCHOR, "{agency}第{serial}号"),
                                 (_ORDER_AFTER_RE, _ORDER_AFTER_ANCHOR, "{agency}第{serial}号令"),
                                 (_NOTICE_RE, _NOTICE_ANCHOR, "{agency}{year}年第{serial}号")):
        for m in _finditer_near(pattern, anchor, text):
            agency = _after_date(text, m.start(), _trim_agency(m.group("agency")))
            if len(agency) < 2 or (pattern is not _ORDER_AFTER_RE and len(agency) < 3):
                # at least two characters of name (国土资源部第39号令), or one plus 令 / 公告
                continue
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            parts = {k: _clean(v) for k, v in m.groupdict().items() if v}
            start = _locate_start(text, m.end("agency"), agency)
            if pattern is _NOTICE_RE:
                start, agency = _joint_issuers(text, start, agency)
            parts["agency"] = agency
            parts["serial"] = str(int(parts["serial"]))
            found.append((start, m.end(), fmt.format(**parts)))
    found.sort()
    return _drop_preposition_prefixes(found)


# A joint announcement names its issuers apart, one space between them:
# 财政部 税务总局公告2025年第17号.  A name is 3-15 Chinese characters ending in
# one of these, after no Chinese character (a line's start, a bracket, a
# space before the next name); prose before it (根据) is trimmed as for codes.
_JOINT_NAME = re.compile(rf"(?<![{_CJK}])([{_CJK}]{{2,14}}[部局委署院厅会行办])[ \u3000]$")


def _joint_issuers(text: str, start: int, agency: str) -> tuple[int, str]:
    """The number's start and agency with the co-issuers written before it.

    >>> _joint_issuers("根据财政部 税务总局公告2025年第17号", 6, "税务总局公告")
    (2, '财政部 税务总局公告')
    """
    names = [agency]
    while start > 1:
        m = _JOINT_NAME.search(text, max(0, start - 17), start)
        name = _trim_agency(m.group(1)) if m else ""
        if len(name) < 2:
            break
        names.insert(0, name)
        start = m.end(1) - len(name)
    return start, " ".join(names)


# 自合政办〔2014〕12号规定的…: a preposition glued to a code.  Only trimmed when
# the shorter code occurs elsewhere in the same text, because 自然资发 and
# 经信委 are real codes that start with these characters.
_PREPOSITIONS = "自从于至经在由向以"


def _drop_preposition_prefixes(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    numbers = {n for _, _, n in found}
    out = []
    for start, end, number in found:
        if number[0] in _PREPOSITIONS and number[1:] in numbers and len(number) > 2:
            start, number = start + 1, number[1:]
        out.append((start, end, number))
    return out


def _locate_start(text: str, agency_end: int, agency: str) -> int:
    """Offset in ``text`` where the trimmed agency code, ending at ``agency_end``, begins."""
    # The trimmed code is a suffix of the matched run once spaces are removed:
    # walk back counting the characters that are not spaces.
    pos, need = agency_end, len(agency)
    while pos > 0 and need:
        pos -= 1
        if not _SPACES.match(text[pos]):
            need -= 1
    return pos


def normalise_doc_number(s: str | None) -> str | None:
    """The first document number in ``s``, normalised; None if there is none.

    >>> normalise_doc_number('教职成厅函[2023]20号上门服务')
    '教职成厅函〔2023〕20号'
    >>> normalise_doc_number('（2013）') is None
    True
    """
    if not s:
        return None
    found = find_doc_numbers(s)
    return found[0][2] if found else None


# A line that is nothing but the document's own number, perhaps in brackets,
# perhaps followed by 签发人 or by a few characters of spam.
# One quantifier over blanks, not two in a row (those backtrack
# quadratically on a long run of blanks).
_OWN_LINE_TAIL = re.compile(r"^[\s)）\]】]*(?:签发人[:：]?\s*\S{0,8}\s*)?$")
_SENTENCE_PUNCT = re.compile(r"[，,。；;：:《》、]")
_CLAUSE_PUNCT = re.compile(r"[，,。；;：:]")
MAX_OWN_TAIL = 8
# A date of writing on the number's line, before it (（1992年7月22日 豫政办〔1992〕31号）)
# or glued after it (赣府厅字[2018]87号2018年9月18日各市…): the line is still the
# number's own, not a citation.
_LINE_DATE = r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[一二][〇零○ＯO0一二三四五六七八九]{3}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)"
_DATE_HEAD = re.compile(r"^[(（]?" + _LINE_DATE + r"[,，]?$")
_DATE_TAIL = re.compile(r"^\s*" + _LINE_DATE)
# The own number sits in the first lines: after the title and a 发布时间 line,
# before the salutation.  Eight lines covered every development page.
OWN_NUMBER_LINES = 8
# The longest line an own number stands on (with a date, a 签发人, an
# 索引号 beside it); a longer line is text that cites numbers.
OWN_NUMBER_LINE_MAX = 300


# Page furniture that can survive cleaning above the salutation and ends in a
# colon like one.
_CHROME = re.compile(r"(分享|字号|字体|打印|收藏|浏览|点击|来源|发布|时间|日期)")


def leading_doc_number(body: str, max_lines: int = OWN_NUMBER_LINES) -> tuple[int, int, str] | None:
    """The number standing alone on one of the first lines: the document's own.

    Cited numbers sit in 《》(…) or after 根据; the own number is a line of its
    own near the top, before the salutation (the line ending in ：).  The
    number may itself be broken over lines (穗公积金中心规字〔\\n2024\\n〕1\\n号).

    >>> leading_doc_number('教职成厅函〔2023〕20号\\n各省教育厅：\\n根据…')
    (0, 14, '教职成厅函〔2023〕20号')
    """
    if not body:
        return None
    head_end = _head_end(body, max_lines)
    head = body[:head_end]
    # Line bounds from one pass: looked up per number, a 200,000-character
    # line of numbers (tests/test_hostile.py) was quadratic.
    breaks = [i for i, ch in enumerate(head) if ch == "\n"]
    for start, end, number in find_doc_numbers(head):
        k = bisect.bisect_left(breaks, start)
        line_start = breaks[k - 1] + 1 if k else 0
        line_end = breaks[k] if k < len(breaks) else len(head)
        if line_end - line_start > OWN_NUMBER_LINE_MAX:
            continue  # the own number stands on a short line of its own
        if _own_number_in_line(head[line_start:start], head[end:line_end]):
            return (start, end, number)
    return None


def _head_end(body: str, max_lines: int) -> int:
    """Offset where the heading block ends: the salutation, the first paragraph
    or ``max_lines`` lines (font-size widgets and short fragments not counted)."""
    offset = 0
    seen = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped:
            if len(stripped) > 3:  # 大 / 中 / 小】 of a font-size widget do not count
                seen += 1
            if seen > max_lines:
                return offset
            if not _CHROME.search(stripped) and (stripped[-1] in "：:" or len(stripped) > 120):
                # The salutation or the first paragraph: nothing after it is
                # the own number, but a number opening this line still is.
                return offset + len(line)
        offset += len(line) + 1
    return len(body)


def _own_number_in_line(head: str, tail: str) -> bool:
    """Whether a number with ``head`` before it and ``tail`` after it on its
    line stands alone (allowing 签发人, a title, or a few characters of spam)."""
    if len(head) > 40 and len(head.strip()) > 12:
        return False  # more than a label or a bracket before it: not alone
    head = _SPACES.sub("", head)
    if head and head not in ("(", "（", "[", "【", "发文字号:", "发文字号：", "文号:", "文号：") and not _DATE_HEAD.match(head):
        return False
    if _OWN_LINE_TAIL.match(tail) or _DATE_TAIL.match(tail):
        return True
    tail = tail.strip()
    if len(tail) <= MAX_OWN_TAIL and not _SENTENCE_PUNCT.search(tail):
        return True  # 教职成厅函〔2023〕20号上门服务: spam glued on
    # 盘政办发〔2019〕9号 盘锦市…关于…的实施意见
    return "关于" in tail and not _CLAUSE_PUNCT.search(tail)
