"""The document's own fields: number, title, issuer, type, dates, region, status.

One function per fact, each ``(...) -> value | None``, each trying its
sources from the most to the least trustworthy; :func:`extract_docinfo` calls
them in order and composes a :class:`DocInfo`.  The sources are the page's
metadata table (``page_meta``, canonical simplified labels such as 发文字号),
the page ``<title>``, the clean body, and the labels of links in the content.

The body of an official document (公文) has a fixed shape, and that shape is
what the rules read::

    教育部办公厅关于公布第一批市域产教联合体名单的通知      <- title
    发布时间:2023年10月11日15:42:53                          <- published
    教职成厅函〔2023〕23号                                   <- own number
    各省、自治区、直辖市教育厅(教委),…:                      <- salutation
    …
    教育部办公厅                                             <- issuer
    2023年9月28日                                            <- written

News reports and commentary have a heading and text but no number and no
signature; :func:`doc_type` tells them apart by cue words (data file
``docinfo_genre_cues.tsv``) and they get no issuer and no written date.
"""

from __future__ import annotations

from policykb.records import DocInfo

import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from policykb.extract.docnumber import find_doc_numbers, leading_doc_number, normalise_doc_number

from policykb.extract.regions import NATIONWIDE, division_chain, region_name, region_of_number
from policykb.extract.tables import rows


# --------------------------------------------------------------------------
# Tables


def _doc_types() -> tuple[tuple[str, str], ...]:
    """(suffix, type), longest suffix first."""
    return tuple(sorted(((r[0], r[1]) for r in rows("doc_types.tsv")), key=lambda r: -len(r[0])))


def _agency_suffixes() -> tuple[str, ...]:
    return tuple(r[0] for r in rows("docinfo_agency_suffixes.txt"))


def _site_suffixes() -> tuple[str, ...]:
    return tuple(r[0] for r in rows("site_title_suffixes.tsv"))


def _type_phrases() -> tuple[tuple[str, str], ...]:
    return tuple((r[0], r[1]) for r in rows("docinfo_type_phrases.tsv"))


def _genre_cues() -> tuple[tuple[str, str, int, str], ...]:
    return tuple((r[0], r[1], int(r[2]), r[3]) for r in rows("docinfo_genre_cues.tsv"))


def _document_cues() -> tuple[str, ...]:
    return tuple(r[0] for r in rows("docinfo_document_cues.tsv"))


# 有效性 as sites write it -> what we store.  Beijing writes 是/否.
STATUS_VALUES = {
    "有效": "有效", "现行有效": "有效", "是": "有效", "现行": "有效",
    "失效": "失效", "已失效": "失效", "否": "失效", "无效": "失效",
    "废止": "废止", "已废止": "废止", "部分失效": "部分失效", "已修改": "已修改", "已修订": "已修改",
}

# News and commentary have no issuer and no written date (gold 002, 003).
GENRES = ("新闻", "评论")
# Score a genre needs before it overrides "unknown" (see docinfo_genre_cues.tsv).
GENRE_MIN_SCORE = 2
# …and against a title whose last word names a type (政府信息公开指南 scored 3
# on commentary cues; 我市… news headlines score 4 and more).
GENRE_MIN_SCORE_AGAINST_TITLE = 4
# A source this newsy (a 日报, 新华社) makes a page without number and
# signature a news report whatever document language it quotes.
SOURCE_NEWS_SCORE = 3

# --------------------------------------------------------------------------
# Small helpers

_SPACE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff\u3000\xa0]+")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# 二〇二三, 二○○二, and as typed on many sites with digits or letters for the
# zeros: 二00六, 二OO三.
_CN_YEAR = r"[一二][〇零○ＯO0一二三四五六七八九]{3}"
_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年—–－]\s*(?P<m>\d{1,2})\s*[-/.月—–－]\s*(?P<d>\d{1,2})(?:(?!\d)|(?<=\d\d)(?=\d{1,2}[:：]\d{2}))(?:\s*日)?"
    r"|(?P<cy>" + _CN_YEAR + r")\s*年\s*(?P<cm>[一二三四五六七八九十]{1,3})\s*月"
    r"\s*(?P<cd>[一二三四五六七八九十]{1,3})\s*日"
)
_TIME = re.compile(r"\d{1,2}[:：]\d{2}")
_FULLWIDTH = str.maketrans("０１２３４５６７８９：－／", "0123456789:-/")


def _meta(page_meta: dict | None, label: str) -> str | None:
    value = (page_meta or {}).get(label)
    if not isinstance(value, str):
        return None
    value = _SPACE.sub(" ", value).strip()
    return value or None


def _cn_number(s: str) -> int:
    """一 → 1, 十二 → 12, 二十八 → 28, 三十一 → 31."""
    if "十" not in s:
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    tens, _, units = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _date_of(m: re.Match) -> str | None:
    try:
        if m.group("y"):
            y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        else:
            y = int("".join(str(_CN_DIGITS[c]) for c in m.group("cy")))
            mo, d = _cn_number(m.group("cm")), _cn_number(m.group("cd"))
        return _dt.date(y, mo, d).isoformat()
    except (ValueError, KeyError):
        return None


def parse_date(s: str | None) -> str | None:
    """The first valid date in ``s`` as YYYY-MM-DD.

    >>> parse_date('2023年10月11日15:42:53')
    '2023-10-11'
    >>> parse_date('二〇二三年九月二十八日')
    '2023-09-28'
    >>> parse_date('2023-02-30') is None
    True
    """
    if not s:
        return None
    for m in _DATE.finditer(s.translate(_FULLWIDTH)):
        date = _date_of(m)
        if date:
            return date
    return None


@lru_cache(maxsize=2)
def _lines(body: str) -> tuple[str, ...]:
    """The non-empty lines, stripped (asked for five times per document)."""
    return tuple(line for line in map(str.strip, (body or "").split("\n")) if line)


def _is_paragraph(line: str) -> bool:
    """The salutation or running text: where the heading block ends."""
    return line[-1] in "：:∶" or "。" in line or len(line) > 100


_LABELLED_DATE = re.compile(r"(发布|发文|时间|日期|来源|浏览|点击|围观|阅读|作者|编辑|字号)")
_BARE_DATE_LINE = re.compile(r"^[(（\[]?\s*(?:" + _DATE.pattern + r")\s*[)）\]]?$")


def _is_date_line(line: str) -> bool:
    """A 发布时间 / source line: a date with a label, a clock time, or alone."""
    clean = line.translate(_FULLWIDTH)
    if not _DATE.search(clean) or len(line) > 80:
        return False
    return bool(_LABELLED_DATE.search(line) or _TIME.search(clean) or _BARE_DATE_LINE.match(clean))


# Page furniture that can survive cleaning above the title: breadcrumbs,
# share and print widgets, bullets, and banners written with spaced-out
# characters (绿 色 农 业 …).
_NOT_HEADING = re.compile(r"(>|您的位置|当前位置|首页|分享|扫码|微信|打印|字号|【大中小】|点击次数|^[•·●▪]|^(?:\S\s){4})")


def _heading_lines(lines: Sequence[str]) -> list[str]:
    """Lines before the salutation or first paragraph that may be the title."""
    out = []
    for line in lines[:8]:
        line = _PART_PREFIX.sub("", line)
        if _SITE_BLURB.match(line):
            continue  # 简介:写写帮文库小编为你整理了…: a document site's blurb
        if not line or _is_paragraph(line) or _TEXT_START.match(line):
            break
        if (_is_date_line(line) or _NOT_HEADING.search(line) or _is_history_line(line)
                or _red_header(line) or _agency_names(line) or _dateline(line)):
            continue
        own = _own_number_prefix(line)
        if own is not None:
            rest = line[own:].strip()
            if "关于" in rest:  # 盘政办发〔2019〕9号 盘锦市…关于…的实施意见
                out.append(rest)
            continue  # anything else after the number is spam (上门服务)
        out.append(line)
    return out


# Where the text has begun: 第一章 总则, 第一条, 一、
_TEXT_START = re.compile(r"^(?:第[一二三四五六七八九十百\d]+\s*[章条节编]|[一二三四五六七八九十]+、)")
_SITE_BLURB = re.compile(r"^简介\s*[:：]")
# 第一篇:… : a document site's numbering of the copies it bundles.
_PART_PREFIX = re.compile(r"^第[一二三四五六七八九十\d]+篇\s*[:：]\s*")
# 湖南省人民政府办公厅文件 (the red header, 版头), sometimes with the number
# glued after it: <正>辽宁省人民政府文件辽政发[2021]19号各市人民政府…
_RED_HEADER = re.compile(r"^(?:<正>)?\s*(?P<org>[\u4e00-\u9fff（）()\s、]{2,80}?)\s*文件\s*(?P<rest>.*)$")


def _red_header(line: str) -> tuple[tuple[str, ...], str] | None:
    """(issuers, what follows) of a red-header line, or None."""
    m = _RED_HEADER.match(line)
    if not m:
        return None
    names, rest = _agency_names(m.group("org")), m.group("rest").strip()
    # The header stands alone, or has the number glued after it: 根据贵办文件要求 is a sentence.
    if not names or (rest and not _opening_number(rest)):
        return None
    return names, rest


def _red_header_of(lines: Sequence[str]) -> tuple[tuple[str, ...], str] | None:
    for line in lines[:4]:
        found = _red_header(_PART_PREFIX.sub("", line))
        if found:
            return found
    return None


# 1999年7月13日,国家海洋局 : a date of writing and the issuer under a title.
_DATELINE = re.compile(r"^[(（]?\s*(?P<when>" + _DATE.pattern + r")\s*[,，、\s]\s*(?P<org>[\u4e00-\u9fff（）()]{2,40}?)\s*[)）]?$")


def _dateline(line: str) -> tuple[str, tuple[str, ...]] | None:
    """(date, issuers) of a 'date, agency' line, or None."""
    m = _DATELINE.match(line.translate(_FULLWIDTH))
    if not m:
        return None
    names, date = _agency_names(m.group("org")), _date_of(m)
    return (date, names) if names and date else None


def _dateline_of(lines: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    for line in lines[:4]:
        if _is_paragraph(line):
            break
        found = _dateline(line)
        if found:
            return found
    return None


def _is_history_line(line: str) -> bool:
    """A Taiwanese law's history entry or a piece of one (号令修正发布)."""
    return bool(_TW_ENTRY.match(line) or _HISTORY_FRAGMENT.search(line))


def _own_number_prefix(line: str) -> int | None:
    """End of the doc number that opens ``line``, if the line is a number line."""
    hit = leading_doc_number(line, max_lines=1)
    return hit[1] if hit else None


# --------------------------------------------------------------------------
# Laws: the history under the title (docinfo_law_history.tsv)

TAIWAN = "台湾"
# The Taiwanese law database's header labels (ingest/data/meta_labels.tsv):
# 法规类别 行政＞教育部＞国民及学前教育目 names the competent agency, 最新异动
# 日期 20160304 the day of the last change.
TW_CATEGORY, TW_LAST_CHANGE = "法规类别", "最新异动日期"


def _law_words(role: str) -> tuple[str, ...]:
    return tuple(r[0] for r in rows("docinfo_law_history.tsv") if r[1] == role)


_CN_NUMERAL = "零〇一二三四五六七八九十百"
_ROC_DATE = re.compile(r"中华民国(?P<ry>[%s]+)年(?P<rm>[%s]+)月(?P<rd>[%s]+)日" % ((_CN_NUMERAL,) * 3))
# 1.中华民国一百零五年三月四日教育部… : one numbered entry of a Taiwanese law's history.
_TW_ENTRY = re.compile(r"^\d{1,2}\s*[.．、]\s*" + _ROC_DATE.pattern)
_ARTICLE = re.compile(r"^第\s*[\d一二三四五六七八九十百]+\s*条")
# Lines cut from a history entry (令订定发布全文 28 条, 号令修正发布): never a title.
_HISTORY_FRAGMENT = re.compile(r"号\s*(?:令|函)|全文\s*\d+\s*条|^(?:令|函)?(?:订定|修正|核定)?发布")
ROC_YEAR_OFFSET = 1911


def _cn_int(s: str) -> int:
    """一百零五 → 105, 一百十二 → 112, 九十一 → 91, 三十七 → 37."""
    total = digit = 0
    for ch in s:
        if ch == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif ch == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _CN_DIGITS[ch]
    return total + digit


def _roc_date(m: re.Match) -> str | None:
    """中华民国一百零五年三月四日 → 2016-03-04."""
    try:
        return _dt.date(_cn_int(m.group("ry")) + ROC_YEAR_OFFSET, _cn_int(m.group("rm")),
                        _cn_int(m.group("rd"))).isoformat()
    except (ValueError, KeyError):
        return None


@dataclass(frozen=True)
class _HistoryEntry:
    date: str | None
    text: str  # what follows the date, its continuation lines joined, spaces removed
    line: int = -1  # the index of the line it starts on


def _taiwan_history(lines: Sequence[str]) -> tuple[_HistoryEntry, ...]:
    """The numbered entries of a Taiwanese law's history, as the body keeps them."""
    out = []
    for i, line in enumerate(lines[:80]):
        m = _TW_ENTRY.match(line)
        if not m:
            continue
        text = line[m.end():]
        for nxt in lines[i + 1:i + 3]:  # an entry runs over two or three lines
            if _TW_ENTRY.match(nxt) or _ARTICLE.match(nxt) or "。" in nxt:
                break
            text += nxt
        out.append(_HistoryEntry(_roc_date(m), _SPACE.sub("", text), i))
    return tuple(out)


def _compact_date(value: str | None) -> str | None:
    """20160304 (the database's 最新异动日期) → 2016-03-04."""
    m = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", (value or "").strip())
    if not m:
        return parse_date(value)
    try:
        return _dt.date(*map(int, m.groups())).isoformat()
    except ValueError:
        return None


def is_taiwan_law(lines: Sequence[str], page_meta: dict | None) -> bool:
    """A page of Taiwan's law database: its header (法规类别) or its dated history."""
    return bool(_meta(page_meta, TW_CATEGORY)) or bool(_taiwan_history(lines))


def _tw_category_agencies(page_meta: dict | None) -> tuple[str, ...]:
    """行政＞教育部＞国民及学前教育目 → ('教育部',); 国民大会（…） → ('国民大会',)."""
    parts = re.split(r"[＞>]", _meta(page_meta, TW_CATEGORY) or "")
    names = (re.sub(r"[（(].*$", "", p).strip() for p in parts)
    return tuple(n for n in names if is_agency(n))


def _tw_in_force_entry(entries: Sequence[_HistoryEntry], page_meta: dict | None) -> tuple[str | None, _HistoryEntry | None]:
    """(date, entry) of the change that put the text in force.

    A law in force: its last change (最新异动日期), and the entry of that
    day when the body kept it.  A repealed law (法规类别 废止法规…): the
    latest entry that is not the repeal, read only from the entries."""
    repealed = (_meta(page_meta, TW_CATEGORY) or "").startswith("废止")
    live = [e for e in entries if e.date and not any(w in e.text for w in _law_words("repeal"))]
    if not repealed:
        date = _compact_date(_meta(page_meta, TW_LAST_CHANGE))
        if date:
            return date, next((e for e in reversed(live) if e.date == date), None)
    if not live:
        return None, None
    entry = max(live, key=lambda e: e.date)
    return entry.date, entry


# 并自一百零七年十月一日施行 (生效, 实施): an entry's own date of effect, after its date of issue.
_ENTRY_EFFECT = re.compile(r"自(?:中华民国)?(?P<ry>[%s]+)年(?P<rm>[%s]+)月(?P<rd>[%s]+)日(?:起)?(?:施行|生效|实施)"
                           % ((_CN_NUMERAL,) * 3))


def law_history_terms(body: str, page_meta: dict | None = None) -> list[tuple[str, str, int, int]]:
    r"""(kind, date, start, end) a Taiwanese law's history gives of its term:
    ``effective`` for the change that put the text in force (its own 施行
    date when the entry gives one), ``expiry`` for an entry that ends the law
    (废止, 停止适用); offsets of the entry's first line in ``body``.

    >>> law_history_terms("某办法\n1.中华民国五十年七月二十七日内政部公布\n2.中华民国九十二年八月二十六日内政部函发布停止适用\n第 1 条 …")
    [('effective', '1961-07-27', 4, 24), ('expiry', '2003-08-26', 25, 51)]
    """
    lines = body.split("\n")
    entries = _taiwan_history(lines)
    if not entries:
        return []
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1

    def span(date: str) -> tuple[int, int] | None:
        """The first line of the first entry of that day."""
        first = next((e for e in entries if e.date == date), None)
        return (starts[first.line], starts[first.line] + len(lines[first.line])) if first else None

    out = []
    date, entry = _tw_in_force_entry(entries, page_meta)
    if date:
        own = _ENTRY_EFFECT.search(entry.text) if entry else None
        where = span(entry.date if entry else date)
        if where:
            out.append(("effective", (_roc_date(own) if own else None) or date, *where))
    for e in entries:
        if e.date and any(w in e.text for w in _law_words("repeal")):
            out.append(("expiry", e.date, *span(e.date)))
    return out


def _entry_agency(text: str, known: Sequence[str]) -> str | None:
    """The agency that opens a history entry: 教育部台教授国部字第… → 教育部,
    行政院卫生署署授国字第… → 行政院卫生署 (its code repeats its last word)."""
    text = re.sub(r"^第[\d%s]+届" % _CN_NUMERAL, "", text)
    for name in known:
        if text.startswith(name):
            return name
    suffixes = "|".join(re.escape(s) for s in sorted(_agency_suffixes(), key=len, reverse=True))
    m = re.match(r"(?P<org>[\u4e00-\u9fff]{1,30}(?:%s))(?=[（(]|[\u4e00-\u9fff\w]{1,8}字|公布|发布|令|函)" % suffixes, text)
    if not m:
        return None
    org = m.group("org")
    if len(org) > 3 and org[-1] == org[-2]:
        org = org[:-1]
    return org if is_agency(org) else None


def _taiwan_issuers(lines: Sequence[str], page_meta: dict | None) -> tuple[str, ...]:
    entries = _taiwan_history(lines)
    _, entry = _tw_in_force_entry(entries, page_meta)
    known = _tw_category_agencies(page_meta)
    if entry is not None:
        if any(w in entry.text for w in _law_words("joint")):
            return ()  # 会衔: the other agencies' names are cut from the line
        found = _entry_agency(entry.text, known)
        return (found,) if found else ()
    # The entry is gone from the body: the competent agency, when it enacted
    # an entry that is still there.
    return tuple(n for n in known if any(e.text.startswith(n) or re.sub(r"^第[\d%s]+届" % _CN_NUMERAL, "", e.text).startswith(n)
                                          for e in entries))[:1]


_LAW_EVENT = re.compile(r"^[(（]?\s*(?P<when>" + _DATE.pattern + r")\s*(?P<what>[^()（）。；;]{2,60}?)\s*[)）]?$")


def _law_events(lines: Sequence[str]) -> tuple[tuple[str, str, str | None], ...]:
    """(role, date, body) of each dated history line under a law's title:
    2019年10月30日 漯河市第七届人民代表大会常务委员会第二十五次会议通过 →
    ('adopted', '2019-10-30', '漯河市人民代表大会常务委员会')."""
    verbs = [(w, role) for role in ("adopted", "approved", "published") for w in _law_words(role)]
    out = []
    for line in lines[1:8]:
        if _is_paragraph(line):
            break
        m = _LAW_EVENT.match(line.translate(_FULLWIDTH))
        if not m:
            continue
        what = m.group("what")
        for verb, role in verbs:
            if what.endswith(verb):
                date = _date_of(m)
                if date:
                    out.append((role, date, _adopting_body(what[: -len(verb)])))
                break
    return tuple(out)


def _adopting_body(s: str) -> str | None:
    """漯河市第七届人民代表大会常务委员会第二十五次会议 → 漯河市人民代表大会常务委员会;
    最高人民法院审判委员会第1441次会议 → 最高人民法院."""
    s = re.sub(r"^经", "", s.strip())
    s = re.sub(r"第[\d%s]+届" % _CN_NUMERAL, "", s)
    s = re.split(r"第[\d%s]+次" % _CN_NUMERAL, s)[0]
    s = re.sub(r"(?:会议|审议)+$", "", s)
    for word in _law_words("drop"):
        if s.endswith(word) and len(s) > len(word) + 1:
            s = s[: -len(word)]
    return s if is_agency(s) else None


def _law_date(lines: Sequence[str], *roles: str) -> str | None:
    """The date of the last history line of the first role that has one."""
    events = _law_events(lines)
    for role in roles:
        dates = [d for r, d, _ in events if r == role]
        if dates:
            return dates[-1]
    return None


def _law_issuers(lines: Sequence[str]) -> tuple[str, ...]:
    events = _law_events(lines)
    for role in ("adopted", "approved"):
        bodies = [b for r, _, b in events if r == role and b]
        if bodies:
            return (bodies[-1],)
    return ()


# --------------------------------------------------------------------------
# Facts


def doc_number(body: str, page_meta: dict | None = None, html_title: str | None = None,
               links: tuple[str, ...] = ()) -> str | None:
    """The document's own 发文字号, normalised.

    Sources in order: meta 发文字号; a number opening meta 标题 or the page
    title; the number standing alone near the top of the body; a link label
    that is only a number (a PDF of the document).  Numbers inside 《》(…)
    or after 根据 are cited ones and never qualify.

    >>> doc_number('教职成厅函〔2023〕20号上门服务\\n各省：\\n…')
    '教职成厅函〔2023〕20号'
    """
    number = normalise_doc_number(_meta(page_meta, "发文字号"))
    if number:
        return number
    for text in (_meta(page_meta, "标题"), _strip_title_tags(html_title or "")):
        if text:
            hit = leading_doc_number(text, max_lines=1)
            if hit:
                return hit[2]
    hit = leading_doc_number(body or "")
    if hit:
        return hit[2]
    lines = _lines(body)
    header = _red_header_of(lines)
    if header:  # 辽宁省人民政府文件辽政发[2021]19号…
        hit = leading_doc_number(header[1], max_lines=1) or _opening_number(header[1])
        if hit:
            return hit[2]
    for line in _heading_lines(lines)[:1]:
        split = _title_and_trailing_number(line)
        if split:
            return split[1]
    for label in links:
        stem = re.sub(r"\.(pdf|docx?|wps|ofd|xlsx?)$", "", _SPACE.sub("", label or ""), flags=re.I)
        found = find_doc_numbers(stem)
        if len(found) == 1 and found[0][0] == 0 and len(stem) - found[0][1] <= 1:
            return found[0][2]
    return None


_TAG_PREFIX = re.compile(r"^\s*(?:【[^】]{0,12}】|\[[^\]]{0,12}\]|［[^］]{0,12}］)\s*")
_TRAILING_NUMBER = re.compile(r"[(（][^()（）]{0,30}号[)）]\s*$")


def _opening_number(text: str) -> tuple[int, int, str] | None:
    """A number that opens ``text`` with running text glued after it."""
    found = find_doc_numbers(text[:40])
    return found[0] if found and found[0][0] == 0 else None


def _title_and_trailing_number(line: str) -> tuple[str, str] | None:
    """(title, number) of a heading that ends with its own number after a space:
    广西壮族自治区土地整治办法 广西壮族自治区人民政府令 第116号."""
    found = find_doc_numbers(line)
    if not found:
        return None
    start, end, number = found[-1]
    head = line[:start]
    if line[end:].strip() or not head.endswith((" ", "\u3000")):
        return None
    # The decree's issuer may stand between: …办法 广西壮族自治区人民政府令 第116号
    head = head.strip()
    if number.startswith(head.split(" ")[-1].rstrip("令")) and " " in head:
        head = head.rsplit(" ", 1)[0].strip()
    return (head, number) if _type_of_title(head) and len(head) >= 4 else None


def _decree_issuer(number: str | None) -> str | None:
    """广西壮族自治区人民政府令第116号 → 广西壮族自治区人民政府."""
    m = re.match(r"^(?P<org>[\u4e00-\u9fff]{2,40}?)令第", number or "")
    return m.group("org") if m and is_agency(m.group("org")) else None


def _strip_title_tags(text: str) -> str:
    """Remove 【贷款】 / [已废止] tags before a title."""
    while True:
        stripped = _TAG_PREFIX.sub("", text, count=1)
        if stripped == text:
            return text.strip()
        text = stripped


def _clean_title(text: str | None) -> str | None:
    """A title without tags, its own number before it, or a number in brackets after it."""
    if not text:
        return None
    text = _SPACE.sub(" ", _strip_title_tags(text)).strip()
    # A site name glued in front: 高阳县人民政府网站——高阳县人民政府关于…
    segments = _TITLE_SEPARATORS.split(text)
    while len(segments) > 1 and _site_like(segments[0].strip()) and len(segments[0].strip()) > 4:
        text = text[text.index(segments[1], len(segments[0])):].strip()
        segments = segments[1:]
    hit = leading_doc_number(text, max_lines=1)
    if hit:
        text = text[hit[1]:].strip()
    m = _TRAILING_NUMBER.search(text)
    if m and find_doc_numbers(m.group(0)):
        text = text[: m.start()].strip()
    split = _title_and_trailing_number(text)
    if split:
        text = split[0]
    return text if len(text) >= 4 else None


_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--+|——+|(?<!\d)[-–—](?!\d))\s*")


def _site_like(segment: str) -> bool:
    if "关于" in segment or "《" in segment:
        return False
    # A bare agency name in a <title> is the site's owner (天津市规划和自然资源局),
    # never the notice's title.
    return len(segment) <= 4 or segment.endswith(_site_suffixes()) or is_agency(segment)


def _title_from_html(html_title: str | None) -> str | None:
    """The document part of a page title: 'XX通知_政策文件_首都之窗_…网站' → 'XX通知'."""
    if not html_title:
        return None
    segments = [s for s in _TITLE_SEPARATORS.split(_SPACE.sub(" ", html_title).strip()) if s.strip()]
    keep = [s for s in segments if not _site_like(s.strip())]
    if not keep:
        return None
    return _clean_title(max(keep, key=len))


def _is_category_path(meta_title: str, headings: Sequence[str]) -> bool:
    """A 标题 field holding the site's classification (行政事务/其他公文/全社会)
    while the body opens with a document's title."""
    return ("/" in meta_title and not names_a_document(meta_title)
            and any(names_a_document(h) for h in headings[:1]))


def _title_like(line: str) -> bool:
    return 4 <= len(line) <= 120 and not re.search(r"[。；;]", line) and not line.isascii()


def title(body: str, page_meta: dict | None = None, html_title: str | None = None) -> str | None:
    """The document's title.

    Meta 标题 first (without a number before it); then the heading line of the
    body, preferring one that the page ``<title>`` confirms; then the page
    title's document segment.  A body whose first line is its number (seed
    004) has no title: None, not the salutation.

    >>> title('大连金普新区入选国家首批市域产教联合体\\n教育装备采购网 2023-09-13 15:40\\n日前,…。')
    '大连金普新区入选国家首批市域产教联合体'
    """
    meta_title = _clean_title(_meta(page_meta, "标题"))
    headings = [h for h in (_clean_title(h) for h in _heading_lines(_lines(body))) if h]
    if meta_title and not _is_category_path(meta_title, headings):
        return meta_title
    from_html = _title_from_html(html_title)
    squashed_html = _SPACE.sub("", from_html or "")
    if squashed_html:
        # A heading that the <title> repeats is the title; a title broken over
        # two heading lines is joined back.
        for i, h in enumerate(headings):
            joined = h + (headings[i + 1] if i + 1 < len(headings) else "")
            if i + 1 < len(headings) and _SPACE.sub("", joined) == squashed_html:
                return joined
            squashed = _SPACE.sub("", h)
            if squashed == squashed_html or (_title_like(h) and len(squashed_html) >= 6 and squashed_html in squashed):
                return h  # the heading, or a fuller one (XX局 + 关于… from a <title> that drops the issuer)
            if len(squashed) >= 6 and squashed in squashed_html:
                return h if not from_html.endswith(("…", "...")) else from_html
        # A <title> naming nothing in the body is its column's name (成安县人民政府-
        # 政府信息公开指南) when the body opens with a title of its own.
        first = headings[0] if headings else None
        if first and _title_like(first) and names_a_document(first) and squashed_html not in _SPACE.sub("", body):
            return first
        if _title_like(from_html):
            return from_html
    for i, h in enumerate(headings[:2]):
        if not _title_like(h):
            continue
        nxt = headings[i + 1] if i + 1 < len(headings) else None
        if nxt and not _type_of_title(h) and _type_of_title(nxt) and len(h + nxt) <= 120:
            return h + nxt  # 沈阳市物业服务企业和物业项目负责人 / 信用信息管理办法
        return h
    return None


# Signature: agency lines directly above a bare date line.
_SIGNATURE_DATE = re.compile(r"^[(（]?\s*(?:" + _DATE.pattern + r")\s*[)）]?$")
_NOT_AGENCY_WORDS = ("关于", "印发", "转发", "贯彻", "落实", "附件", "联系", "电话", "地址", "邮箱", "抄送")


def is_agency(name: str) -> bool:
    """A plausible agency name: 2–40 CJK characters ending in an agency word.

    >>> is_agency('教育部办公厅'), is_agency('重点任务分工')
    (True, False)
    """
    return (2 <= len(name) <= 40 and bool(re.fullmatch(r"[\u4e00-\u9fff（）()]+", name))
            and name.endswith(_agency_suffixes()) and not any(w in name for w in _NOT_AGENCY_WORDS))


def _agency_names(line: str) -> tuple[str, ...] | None:
    names = tuple(n for n in re.split(r"[\s、，,]+", line) if n)
    if names and all(is_agency(n) for n in names):
        return names
    return None


# What a line must open with to be a date line (_SIGNATURE_DATE, before the
# full-width digits are made ASCII): most lines are rejected without the
# translation, which cost a third of docinfo when done for every line.
_DATE_LINE_START = re.compile(r"[(（]?\s*(?:[1１][9９]|[2２][0０]|" + _CN_YEAR + r")")


# Joint notices sign with one agency a line: 9 of them under a beijing
# measure (北京市商务局 first, the lead issuer).
MAX_SIGNATURE_LINES = 40


def _signature(lines: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
    """(issuers, date) from the first signature block: agency lines over a date."""
    for i, line in enumerate(lines):
        if not _DATE_LINE_START.match(line) and not (len(line) <= 100 and line.endswith("日")):
            continue  # neither a date line nor a "names date" line
        clean = line.translate(_FULLWIDTH)
        m = _SIGNATURE_DATE.match(clean)
        if m:
            names: list[str] = []
            j = i - 1
            while j >= 0 and i - j <= MAX_SIGNATURE_LINES:
                found = _agency_names(lines[j])
                if not found:
                    break
                names[:0] = found
                j -= 1
            if names and i >= 2:
                return tuple(dict.fromkeys(names)), parse_date(clean)
            continue
        # 教育部办公厅 2023年9月28日 on one line (a signature line is short;
        # the lazy names group backtracks quadratically on long blank runs)
        m = len(clean) <= 100 and re.match(r"^(?P<names>[\u4e00-\u9fff（）()\s、]+?)\s+(?P<date>(?:19|20)\d{2}\s*年.{1,8}日|" + _CN_YEAR + r"年.{1,8}日)$", clean)
        if m and i >= 2:
            found = _agency_names(m.group("names"))
            date = parse_date(m.group("date"))
            if found and date:
                return found, date
    return (), None


_TITLE_AGENCY = re.compile(r"^(?P<who>.+?)(?:关于|印发|转发|批转|贯彻)")
_ETC = re.compile(r"(?:等(?:\d+|[一二三四五六七八九十]+)?(?:个)?(?:部门|单位))$")


def _title_agencies(title_: str | None) -> tuple[str, ...]:
    """证监会 国资委 全国工商联关于… → ('证监会', '国资委', '全国工商联')."""
    if not title_:
        return ()
    m = _TITLE_AGENCY.match(title_)
    if not m:
        return ()
    who = _ETC.sub("", m.group("who").strip())
    return _agency_names(who) or ()


def issuers(body: str, page_meta: dict | None = None, title_: str | None = None,
            number: str | None = None) -> tuple[str, ...]:
    """The issuing agencies, full names, in signature order.

    The signature above the date wins (it carries the full name: 盘锦市人民政府办公室
    where the meta says 盘锦市政府); then the agencies that open the title
    (XX关于…); then meta 发文机关.  A page with none of them has no issuer.

    >>> issuers('…。\\n附件:名单\\n教育部办公厅\\n2023年9月28日')
    ('教育部办公厅',)
    """
    found, _ = _signature(_lines(body))
    if found:
        return found
    found = _title_agencies(title_)
    if found:
        return found
    lines = _lines(body)
    header = _red_header_of(lines)
    if header:
        return header[0]
    if is_taiwan_law(lines, page_meta):
        return _taiwan_issuers(lines, page_meta)
    found = _law_issuers(lines) or (_dateline_of(lines) or (None, ()))[1]
    if found:
        return found
    found = tuple(_fuller_name(n, body) for n in _named_agencies(_meta(page_meta, "发文机关")))
    if found:
        return found
    found = _decree_issuer(number) or _government_of_number(number)
    return (found,) if found else ()


def _government_codes() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((r[0], r[1]) for r in rows("docinfo_government_codes.tsv")), key=lambda r: -len(r[0])))


def _government_of_number(number: str | None) -> str | None:
    """The government a number's 机关代字 stands for: 辽政发 → 辽宁省人民政府,
    海府 → 海口市人民政府, 国发 → 国务院 (docinfo_government_codes.tsv)."""
    code = re.split(r"[〔\[［(（【第0-9]", (number or "").strip(), maxsplit=1)[0]
    place = region_of_number(number)
    if not place:
        return None
    for tail, organ in _government_codes():
        if place == NATIONWIDE:
            if code == tail:
                return organ
            continue
        head = code[: len(code) - len(tail)]
        # The head is the place's own short form (辽, 海, 渝北); a
        # department's code has its word before 发 (皖交发), not 政/府.
        if code.endswith(tail) and 1 <= len(head) <= 2:
            return place + organ
    return None


def _named_agencies(value: str | None) -> tuple[str, ...]:
    """The agencies a metadata value lists (发文机关：市财政局、市税务局)."""
    return tuple(n for n in re.split(r"[\s、，,；;]+", value or "") if n)


def _fuller_name(name: str, body: str) -> str:
    """A page's short name for an agency, spelled out as the body spells it.

    >>> _fuller_name("杭州公积金中心", "杭州住房公积金管理中心决定…")
    '杭州住房公积金管理中心'
    >>> _fuller_name("市发展和改革委员会", "关于报送海口市发展和改革委员会地震应急预案的报告")
    '海口市发展和改革委员会'
    """
    if name[:1] in _SCOPE_CHARS and len(name) > 3:
        found = {place + name[1:] for place in _places_before(body, name)}
        if len(found) == 1:
            return found.pop()
    if len(name) < 4 or name in body:
        return name
    shape = re.escape(name[:2]) + r"[\u4e00-\u9fff]{%d,%d}?" % (max(0, len(name) - 4), len(name) + 8) + re.escape(name[-2:])
    fits = {c for c in re.findall(shape, body) if _spells(name, c) and is_agency(c)}
    return fits.pop() if len(fits) == 1 else name


# 市发改委 in a 海口市 document: the scope character stands for the place.
_SCOPE_CHARS = "省市区县州"


def _places_before(body: str, name: str) -> set[str]:
    """The divisions written right before a scoped name's rest (海口市 + 发展和改革委员会)."""
    out = set()
    for m in re.finditer(r"([\u4e00-\u9fff]{1,12}?%s)%s" % (re.escape(name[0]), re.escape(name[1:])), body):
        before = m.group(1)
        for i in range(len(before) - 2, -1, -1):
            found, end = division_chain(before[i:])
            if len(found) == 1 and end == len(before) - i:
                out.add(before[i:])
                break
    return out


def _spells(short: str, full: str) -> bool:
    """Every character of ``short``, in order, in ``full``."""
    rest = iter(full)
    return all(ch in rest for ch in short)


def _closing_date(lines: Sequence[str]) -> str | None:
    """A bare 2024年1月30日 line right after the text, where a seal image stood
    in for the signature (上海 pages): the previous line ends a sentence."""
    for i, line in enumerate(lines):
        if i < 3 or "年" not in line:
            continue
        clean = line.translate(_FULLWIDTH)
        if _SIGNATURE_DATE.match(clean) and lines[i - 1][-1] in "。）)":
            return parse_date(clean)
    return None


def _number_line_date(body: str) -> str | None:
    """The date on the own number's line: （1992年7月22日 豫政办〔1992〕31号）."""
    hit = leading_doc_number(body or "")
    if not hit:
        return None
    start = body.rfind("\n", 0, hit[0]) + 1
    end = body.find("\n", hit[1])
    head = body[start:hit[0]].translate(_FULLWIDTH)
    tail = body[hit[1]:end if end >= 0 else len(body)].translate(_FULLWIDTH).strip()
    m = _DATE.search(head) or _DATE.match(tail)
    return _date_of(m) if m else None


def written_date(body: str, page_meta: dict | None = None) -> str | None:
    """成文日期: meta 成文日期, else the date under the signature, else a bare
    date line closing the text, else the 生成日期 of an information-disclosure
    table (when the record was made: often the day of writing, not always)."""
    date = parse_date(_meta(page_meta, "成文日期"))
    if date:
        return date
    lines = _lines(body)
    _, date = _signature(lines)
    return (date or _law_date(lines, "adopted", "approved") or _number_line_date(body)
            or (_dateline_of(lines) or (None,))[0]
            or _closing_date(lines) or parse_date(_meta(page_meta, "生成日期")))


def published_date(body: str, page_meta: dict | None = None) -> str | None:
    """发布日期: meta 发布日期, else a 发布时间 / source line above the text.

    >>> published_date('标题\\n教育装备采购网 2023-09-13 15:40 围观2321次\\n日前,…。')
    '2023-09-13'
    """
    date = parse_date(_meta(page_meta, "发布日期"))
    if date:
        return date
    lines = _lines(body)
    date = _law_date(lines, "published")
    if date:
        return date
    if is_taiwan_law(lines, page_meta):
        return _tw_in_force_entry(_taiwan_history(lines), page_meta)[0]
    for line in lines[:8]:
        if _is_paragraph(line):
            break
        clean = line.translate(_FULLWIDTH)
        # A bare 2023年9月28日 under a title is its written date, not a
        # publication stamp; a bare 2023-09-13 is a web stamp.
        if _is_date_line(line) and not (_SIGNATURE_DATE.match(clean) and "年" in clean):
            return parse_date(line)
    return None


_TRAILING_NOTE = re.compile(r"(?:[(（][^()（）]{0,20}[)）]|》)+\s*$")


def names_a_document(title_: str | None) -> bool:
    """Does a title read as a document's (…的通知, 关于…, …条例), not as a
    line taken for one (令订定发布全文 28 条)?

    >>> names_a_document("关于做好秋季开学工作的通知"), names_a_document("令订定发布全文 28 条")
    (True, False)
    """
    return bool(title_) and ("关于" in title_ or _type_of_title(title_) is not None)


def _type_of_title(title_: str | None) -> str | None:
    """The type named by the title's last word: …的实施意见 → 意见."""
    if not title_:
        return None
    # 一图读懂：关于…的通知, 解读：《…》: an interpretation whatever the inner title says.
    if re.match(r"^\s*(?:一图读懂|图解|解读|政策解读)", title_):
        return "解读"
    core = _TRAILING_NOTE.sub("", title_.strip()).rstrip()
    for suffix, kind in _doc_types():
        if core.endswith(suffix):
            return kind
    return None


def _type_of_phrases(body: str) -> str | None:
    """The type named by an opening or closing formula: 特此通知 → 通知."""
    best: tuple[int, str] | None = None
    for phrase, kind in _type_phrases():
        i = body.find(phrase)
        if i >= 0 and (best is None or i < best[0]):
            best = (i, kind)
    return best[1] if best else None


def _genre_scores(body: str, title_: str | None = None, source: str | None = None) -> dict[str, int]:
    scores = {g: 0 for g in GENRES}
    texts = {"body": body, "title": title_ or "", "source": source or ""}
    for genre, cue, weight, where in _genre_cues():
        if cue in texts[where]:
            scores[genre] += weight
    return scores


def doc_type(title_: str | None, body: str, number: str | None = None,
             issuers_: tuple[str, ...] = (), source: str | None = None) -> str | None:
    """文种: from the title's last word; 新闻 or 评论 for pages that are not documents.

    A page with its own number or a signature is a document: its title decides,
    or failing that the formula it opens or closes with (特此通知).
    Otherwise, unless the text has a document's structure (第一条, 特此通知 …),
    cue words decide between a news report and commentary, and only when
    neither scores does the title's last word count.

    >>> doc_type('盘锦市人民政府办公室关于深化产教融合的实施意见', '…', '盘政办发〔2019〕9号')
    '意见'
    """
    body = body or ""
    by_title = _type_of_title(title_)
    if number or issuers_:
        return by_title or _type_of_phrases(body)
    # 关于 outside 《》: 我市出台《关于…的若干措施》 is a headline, not a title.
    own_words = re.sub(r"《[^《》]*》", "", title_ or "")
    if by_title and ("关于" in own_words or by_title == "解读"):
        return by_title
    if _genre_scores("", None, source)["新闻"] >= SOURCE_NEWS_SCORE:
        return "新闻"  # 来源：福州日报 — even when the report quotes the notice's 本通知
    if not any(cue in body for cue in _document_cues()):
        scores = _genre_scores(body, title_, source)
        best = max(GENRES, key=lambda g: scores[g])
        # A title that names a type (…指南) needs more evidence to be overruled.
        needed = GENRE_MIN_SCORE_AGAINST_TITLE if by_title else GENRE_MIN_SCORE
        if scores[best] >= needed and scores[best] > min(scores.values()):
            return best
    return by_title or _type_of_phrases(body)


def region(issuers_: tuple[str, ...], title_: str | None = None) -> str | None:
    """The area the issuer governs (全国, 辽宁省, 盘锦市 …), via extract.regions."""
    try:
        from policykb.extract.regions import region_of
    except ImportError:  # written by another hand; absent during development
        return None
    names = issuers_ or _title_agencies(title_)
    if not names:
        return None
    try:
        return region_of("、".join(names))  # joint issuers must agree: region_of decides
    except Exception:  # noqa: BLE001 - a lookup failure must not lose the document
        return None


def document_region(body: str, page_meta: dict | None, issuers_: tuple[str, ...],
                    title_: str | None, doc_number_: str | None = None) -> str | None:
    """The document's region, from the most to the least direct witness: a
    Taiwanese law; the issuers (or the agencies opening the title); the
    agency the page names as its source; the place its number's 机关代字
    stands for (湘政办发 → 湖南省); the place its title opens with."""
    if is_taiwan_law(_lines(body), page_meta):
        return TAIWAN
    return (region(issuers_, title_) or region(_source_agencies(page_meta))
            or region_of_number(doc_number_) or _title_region(title_))


# What may stand between a title's start and the place it opens with.
_TITLE_PLACE_LEAD = re.compile(r"^(?:关于(?:印发|转发|批转)?)?")


def _title_region(title_: str | None) -> str | None:
    """The one division a title opens with: 黑龙江省促进经济稳增长的若干措施
    → 黑龙江省, 关于印发海口市人民政府工作规则的通知 → 海口市.  Only at the
    start: a title naming a place further on (关于同意迁安市…的复函) is about
    that place, not from it."""
    if not title_:
        return None
    start = _TITLE_PLACE_LEAD.match(title_).end()
    found, _ = division_chain(re.sub(r"^《", "", title_[start:]))
    return region_name(found[0]) if len(found) == 1 else None


def _without_book_marks(title_: str | None) -> str | None:
    """A title as users cite it, without 《》: 关于印发《X》的通知 → 关于印发X的通知."""
    return re.sub(r"[《》]", "", title_).strip() or None if title_ else None


def _source_issuers(page_meta: dict | None) -> tuple[str, ...]:
    """The source agencies spelled in full (证监会 → 中国证券监督管理委员会)."""
    from policykb.extract.agencies import canonical_agency

    out = []
    for name in _source_agencies(page_meta):
        found = canonical_agency(name, None)
        out.append(found.name if found and found.level == "central" else name)
    return tuple(out)


def _own_site_issuers(page_meta: dict | None, html_title: str | None) -> tuple[str, ...]:
    """The source agencies, when the page's <title> names one of them as the site."""
    found = _source_issuers(page_meta)
    if not found or not html_title:
        return ()
    from policykb.extract.agencies import canonical_agency

    sites = set()
    for segment in _TITLE_SEPARATORS.split(_SPACE.sub(" ", html_title)):
        agency = canonical_agency(segment.strip(), None) if is_agency(segment.strip()) else None
        sites.add(agency.name if agency else segment.strip())
    return found if sites & set(found) else ()


def _source_agencies(page_meta: dict | None) -> tuple[str, ...]:
    """The agency a page names as its source (来源：沈阳市房产局): where an
    interpretation or a news page without an issuer comes from."""
    for label in ("发文机关", "来源"):
        names = _named_agencies(_meta(page_meta, label))
        if names and all(is_agency(n) for n in names):
            return names
    return ()


def status(page_meta: dict | None = None, html_title: str | None = None) -> str | None:
    """有效性 when the page states it: meta 有效性, or a [已废止] tag in the title."""
    value = _meta(page_meta, "有效性")
    if value and value.replace(" ", "") in STATUS_VALUES:
        return STATUS_VALUES[value.replace(" ", "")]
    for text in (_meta(page_meta, "标题"), html_title):
        m = re.search(r"[\[【［](已?废止|已?失效)[\]】］]", text or "")
        if m:
            return STATUS_VALUES[m.group(1)]
    return None


def extract_docinfo(body: str, page_meta: dict | None, html_title: str | None,
                    links: tuple[str, ...] = ()) -> DocInfo:
    """Every field of the document, each from its own function.

    >>> info = extract_docinfo('教职成厅函〔2023〕20号\\n各省:\\n…。\\n教育部办公厅\\n2023年7月7日',
    ...                        {'发布日期': '2024-11-03 20:14'}, None)
    >>> info.doc_number, info.title, info.issuer, info.written_date, info.published_date
    ('教职成厅函〔2023〕20号', None, '教育部办公厅', '2023-07-07', '2024-11-03')
    """
    body = body or ""
    number = doc_number(body, page_meta, html_title, links)
    title_ = title(body, page_meta, html_title)
    issuers_ = issuers(body, page_meta, title_, number)
    # Only a signature or a stated 发文机关 says "this is a document"; agencies
    # read off the title do not (a news headline can start with one).
    signed = _signature(_lines(body))[0] or bool(_meta(page_meta, "发文机关"))
    kind = doc_type(title_, body, number, issuers_ if signed else (), _meta(page_meta, "来源"))
    written = written_date(body, page_meta)
    if kind in GENRES:
        # A news report or an essay is issued by the agency it names as its
        # source (来源：证监会) when that agency's own site carries it; a
        # repost elsewhere (seed 002: 来源:辽宁省教育厅 on a trade site) has
        # none.  It has no date of writing.
        issuers_, written = _own_site_issuers(page_meta, html_title), None
    elif kind == "解读" and not issuers_:
        issuers_ = _source_issuers(page_meta)
    if kind == "解读":
        # An interpretation has no number of its own; the one on its page is
        # the interpreted document's (it becomes a citation, not an identity).
        number = None
    return DocInfo(
        doc_number=number,
        title=_without_book_marks(title_),
        issuers=issuers_,
        issuer="、".join(issuers_) or None,
        doc_type=kind,
        written_date=written,
        published_date=published_date(body, page_meta),
        region=document_region(body, page_meta, issuers_, title_ if kind not in GENRES else None, number),
        status=status(page_meta, html_title),
    )
