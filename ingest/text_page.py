"""Zoning the lines of a page; ``page_from_text`` for ``.txt`` scrapes.

One engine serves text and HTML pages: each line gets a zone,

- ``content``: the notice (title, number line, salutation, body, contacts
  before the signature, 附件 lines, signature, date, the attachment after it),
- ``meta``: lines of metadata fields (索引号/发文机关/… tables, "发布时间:…
  点击次数:…" and 来源/责任编辑 lines); their fields fill ``Page.meta``,
- ``chrome``: everything else the site adds (navigation, share widgets,
  footers, related-article lists, contact blocks of the site …),
- ``spam``: whole lines of SEO spam.

Rule order (first match wins for a line; see ``classify``):

1. spam keywords (``data/spam_lines.tsv``), priority 10;
2. ``section`` rules (相关阅读, 相关推荐, 联系我们 …), priority 20: the line
   and the list after it are chrome;
3. metadata labels (``data/meta_labels.tsv``), priority 30, then the
   ``fields`` regexes of ``data/boilerplate.tsv`` (bylines), priority 35;
4. the chrome markers of ``data/boilerplate.tsv`` by their priority (40+).

Lines no rule claims are placed by structure: the *core* (the notice's body:
the densest run of prose lines for text, the chosen container for HTML) is
content; walking back from it we keep the title and the number line,
salutation and date before the body; walking forward we keep the notice's
tail (附件, signature, date, (此件公开发布), the attachment after the date);
everything else is chrome.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from policykb.ingest.edits import code_points
from policykb.ingest.recode import repair_lines
from policykb.records import Page, PageLine

DATA = Path(__file__).parent / "data"

CONTENT, META, CHROME, SPAM = "content", "meta", "chrome", "spam"


# ---------------------------------------------------------------- rules ---


@dataclass(frozen=True)
class Rule:
    """One row of ``boilerplate.tsv``."""

    marker: str
    zone: str
    kind: str  # starts, contains, exact, regex, fields, section
    priority: int
    max_len: int  # 0: no limit
    pattern: re.Pattern | None = None

    def matches(self, key: str, soft: str) -> re.Match | bool | None:
        if self.max_len and len(key) > self.max_len:
            return None
        if self.kind == "starts" or self.kind == "section":
            return key.startswith(self.marker)
        if self.kind == "contains":
            return self.marker in key
        if self.kind == "exact":
            return key.rstrip(":") == self.marker
        if self.kind == "regex":
            return self.pattern.search(key)
        if self.kind == "fields":
            return self.pattern.search(soft)
        raise ValueError(f"unknown rule kind {self.kind!r} for marker {self.marker!r}")


@dataclass(frozen=True)
class Rules:
    """Everything the zoning reads from ``ingest/data``."""

    line_rules: tuple[Rule, ...]  # sorted by priority, file order within one
    spam: tuple[tuple[str, int], ...]  # keyword, weight
    labels: dict  # label -> (canonical, strong)
    meta_tags: dict  # lower-case <meta name> -> canonical
    label_alt: str  # regex alternation of labels, spaces allowed inside
    # A prefilter over the key: no match means no key rule can match
    # (it ignores max_len, so it may say yes when the ordered scan says no).
    quick: re.Pattern | None = None
    exact: frozenset = frozenset()
    spam_quick: re.Pattern | None = None
    fields_rules: tuple = ()  # the rules matching the soft form (bylines)
    starts: tuple = ()  # markers of starts/section rules
    longest: int = 0  # no key rule applies to a longer key
    # ``quick`` holds the literal markers only: an alternation whose every
    # branch opens with a literal lets the engine skip to the characters
    # they start with.  The regex markers are apart: those anchored at the
    # key's start (^…), tried there only, and the rest.  One alternation of
    # all of them cost a fifth of zoning (every marker tried at every position).
    quick_regex: re.Pattern | None = None
    quick_start: re.Pattern | None = None
    fields_longest: int = 1 << 30  # no fields rule applies to a longer key


class BadRuleFile(ValueError):
    """A data file row that cannot be read; the message shows the row."""


def _rows(name: str) -> list[list[str]]:
    rows = []
    for n, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3:
            raise BadRuleFile(f"{name}:{n}: expected tab-separated columns, got {line!r}")
        rows.append(cols)
    return rows


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    """The rules in ``ingest/data`` (read once)."""
    line_rules = []
    for cols in _rows("boilerplate.tsv"):
        marker, zone, kind, priority = cols[0], cols[1], cols[2], int(cols[3])
        max_len = int(cols[4]) if len(cols) > 4 and cols[4] else 0
        if kind not in ("starts", "contains", "exact", "regex", "fields", "section"):
            raise BadRuleFile(f"boilerplate.tsv: unknown kind {kind!r} for {marker!r}")
        try:
            pattern = re.compile(marker) if kind in ("regex", "fields") else None
        except re.error as e:
            raise BadRuleFile(f"boilerplate.tsv: bad regex {marker!r}: {e}") from None
        line_rules.append(Rule(marker, zone, kind, priority, max_len, pattern))
    line_rules.sort(key=lambda r: r.priority)
    spam = tuple((cols[0], int(cols[4])) for cols in _rows("spam_lines.tsv"))
    labels, meta_tags = {}, {}
    for cols in _rows("meta_labels.tsv"):
        label, canonical, source = cols[0], cols[1], cols[2]
        strong = (cols[3] if len(cols) > 3 else "strong") == "strong"
        if source == "meta_tag":
            meta_tags[label.lower()] = canonical
        else:
            labels[label] = (canonical, strong)
    # Longest first so 发文字号 wins over 文号; spaces may sit between the
    # characters of a label (索 引 号, 标　题).
    alt = "|".join(
        r"\s*".join(map(re.escape, label))
        for label in sorted(labels, key=len, reverse=True)
    )
    starts = tuple(r.marker for r in line_rules if r.kind in ("starts", "section"))
    scanned = [r for r in line_rules if r.kind in ("regex", "contains")]
    anchored = [r.marker for r in scanned if r.kind == "regex" and _anchored(r.marker)]
    floating = [r.marker for r in scanned if r.kind == "regex" and r.marker not in anchored]
    quick = re.compile("|".join(re.escape(r.marker) for r in scanned if r.kind == "contains"))
    quick_regex = re.compile("|".join(f"(?:{m})" for m in floating)) if floating else None
    quick_start = re.compile("|".join(f"(?:{m})" for m in anchored)) if anchored else None
    limits = [r.max_len for r in line_rules if r.kind not in ("exact", "fields")]
    longest = 1 << 30 if 0 in limits else max(limits, default=0)
    exact = frozenset(r.marker for r in line_rules if r.kind == "exact")
    spam_quick = re.compile("|".join(re.escape(m) for m, _ in spam))
    fields_rules = tuple(r for r in line_rules if r.kind == "fields")
    field_limits = [r.max_len for r in fields_rules]
    fields_longest = 1 << 30 if 0 in field_limits else max(field_limits, default=0)
    return Rules(
        tuple(line_rules), spam, labels, meta_tags, alt, quick, exact, spam_quick, fields_rules,
        starts, longest, quick_regex, quick_start, fields_longest,
    )


@lru_cache(maxsize=1)
def _site_tags() -> re.Pattern | None:
    rows = [cols[0] for cols in (line.split("\t") for line in
            (DATA / "site_tags.tsv").read_text(encoding="utf-8").splitlines())
            if cols[0].strip() and not cols[0].startswith("#")]
    try:
        return re.compile("|".join(f"(?:{r})" for r in rows)) if rows else None
    except re.error as e:
        raise BadRuleFile(f"site_tags.tsv: bad regex: {e}") from None


def find_site_tags(text: str) -> list[tuple[int, int, str]]:
    """A mirror's site tag opening the text (rules in data/site_tags.tsv):
    the zoner reads the first line without it, the cleaner deletes it.

    >>> find_site_tags("[中国网 资讯] 第五条 县级以上人民政府")
    [(0, 9, '')]
    >>> find_site_tags("第五条 见[中国网 资讯]")
    []
    """
    pattern = _site_tags()
    start = len(text) - len(text.lstrip())
    m = pattern.match(text, start) if pattern else None
    return [(m.start(), m.end(), "")] if m else []


def _anchored(pattern: str) -> bool:
    """Whether a regex can only match at the start of the string: it opens
    with ^ and has no | outside brackets (``^a|b`` also matches b anywhere).

    >>> _anchored("^(星期|周)[一二]$"), _anchored("^a|b"), _anchored("a^")
    (True, False, False)
    """
    if not pattern.startswith("^"):
        return False
    depth, in_class, escaped = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return False
    return True


# -------------------------------------------------------- normalisation ---

# A pinyin gloss after a character: 發(fā).  A tone mark is required so that
# ordinary bracketed Latin text such as (AHK) stays.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
GLOSS_RE = re.compile(rf"[(（](?=[a-zü]*[{_TONED}])[a-zü{_TONED}]{{1,7}} ?[)）]")
_WS_RE = re.compile(r"\s+")
_BLANKS_RE = re.compile(r"[^\S\n]+")  # _WS_RE within lines


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplify(texts: Sequence[str]) -> list[str]:
    """Traditional -> simplified for many lines in one converter call."""
    if not texts:
        return []
    joined = "\n".join(t.replace("\n", " ") for t in texts)
    # The converter wants encodable text: lone surrogates (from broken
    # decoding) become "?" in the matching forms; the lines keep them.
    joined = joined.encode("utf-8", "replace").decode("utf-8")
    out = _t2s().convert(joined).split("\n")
    if len(out) != len(texts):  # the converter never merges lines; be safe
        out = [_t2s().convert(t) for t in texts]
    return out


def make_key(soft: str) -> str:
    """The form rules match against: NFKC, no whitespace, lower case."""
    return _WS_RE.sub("", unicodedata.normalize("NFKC", soft)).lower()


# Full-width ASCII (！ to ～) and the ideographic space: what NFKC changes in
# almost every line of Chinese text.  Each is replaced by its NFKD form
# first, which leaves NFKC's result as it was (the decomposition is the
# same) but lets ``normalize`` take its quick path on the line.
_FULLWIDTH_FIRST, _FULLWIDTH_LAST, _FULLWIDTH_OFFSET = 0xFF01, 0xFF5E, 0xFEE0


def make_keys(softs: Sequence[str]) -> list[str]:
    """``[make_key(s) for s in softs]``, with the full-width characters of all
    lines mapped in one array operation (NFKC per line was an eighth of zoning).

    >>> make_keys(["发布时间：２０２３　年", "Ｗｏｒｄ版"])
    ['发布时间:2023年', 'word版']
    """
    joined = "\n".join(softs)
    if joined.count("\n") != len(softs) - 1:  # a line holding a line break (or none at all)
        return [make_key(s) for s in softs]
    codes = code_points(joined).copy()
    wide = (codes >= _FULLWIDTH_FIRST) & (codes <= _FULLWIDTH_LAST)
    codes[wide] -= _FULLWIDTH_OFFSET
    codes[codes == 0x3000] = 0x20
    narrowed = codes.tobytes().decode("utf-32-le", "surrogatepass")
    if unicodedata.is_normalized("NFKC", narrowed):
        # NFKC leaves every line as it is (a line break never composes), so
        # the blanks and the case go in one pass over the page.
        return _BLANKS_RE.sub("", narrowed).lower().split("\n")
    return [make_key(s) for s in narrowed.split("\n")]


@dataclass
class Line:
    """A line being zoned: its raw text and the forms rules look at."""

    raw: str
    soft: str = ""  # glosses removed, simplified: for matching and meta values
    key: str = ""  # make_key(soft)
    hint: str | None = None  # HTML: heading, table, chrome, doclink
    vsrc: str = ""  # where meta values are read: soft for text, raw for HTML
    linky: bool = False  # HTML: most of its text is link labels
    fields: dict = field(default_factory=dict)


def prepare(
    raws: Sequence[str], hints: Sequence[str | None] | None = None, raw_values: bool = False
) -> list[Line]:
    """Lines with their ``soft`` and ``key`` forms filled in.

    Metadata values are read from the soft form (glosses removed, simplified)
    for text scrapes, and as written (``raw_values``) for HTML.
    """
    # Lines are judged as they read once text decoded in the wrong code page
    # is repaired (the cleaner repairs it again, as an edit): damage alone
    # must not make a line look like chrome.
    readable = repair_lines(raws)
    first = next((i for i, r in enumerate(readable) if r.strip()), None)
    if first is not None and (tag := find_site_tags(readable[first])):
        readable[first] = readable[first][tag[0][1]:]
    softs = simplify([GLOSS_RE.sub("", r) for r in readable])
    lines = []
    for i, (raw, soft, key) in enumerate(zip(raws, softs, make_keys(softs))):
        hint = hints[i] if hints else None
        if key[:1] in "#<" and key:
            key = _markup_key(key)
        lines.append(Line(raw, soft, key, hint, readable[i] if raw_values else soft))
    return lines


_MD_HEADING = re.compile(r"^#{1,6}(?=[^#])")
_COMMENT = re.compile(r"^<!--.*-->$")


def _markup_key(key: str) -> str:
    """A text scrape kept as Markdown: a heading's key without its # marks (so
    "# 广东省知识产权保护条例" reads as a title), an HTML comment line's key empty
    (a blank line to every rule).

    >>> _markup_key("##第一章总则"), _markup_key("<!--infoend-->"), _markup_key("#1")
    ('第一章总则', '', '1')
    """
    if _COMMENT.match(key):
        return ""
    return _MD_HEADING.sub("", key)


# ------------------------------------------------------ line patterns ---
# Structural roles of lines, matched against the key.  These decide what is
# kept around the core; they are patterns of the official-document format
# (GB/T 9704), not of any one site.

HAN_RE = re.compile(r"[\u3400-\u9fff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
# Sentence punctuation (after NFKC): what makes a line prose.  、 and : are
# left out: titles carry them ("市域产教联合体:职教高质量发展的突破口").
PUNCT_RE = re.compile(r"[,。;!?]")
NUMBER_LINE = re.compile(
    r"^[^,。;:]{1,24}[〔\[【(]\d{4}[〕\]】)]第?\d{1,5}号$|^[^,。;:]{1,24}第\d{1,5}号$"
    r"|^签发人:"
)
SALUTATION = re.compile(r"^(各|有关|全市|全省|全区|全县|市|省|区|县|尊敬的).{0,240}:$")
CN_DIGIT = "〇○零一二三四五六七八九十"
DATE_LINE = re.compile(
    rf"^(\d{{4}}|[{CN_DIGIT}]{{4}})年[\d{CN_DIGIT}]{{1,3}}月[\d{CN_DIGIT}]{{1,3}}日$"
    r"|^\d{4}[-./]\d{1,2}[-./]\d{1,2}$"
)
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
ATTACH = re.compile(r"^(附件|附表|附:)")
ATTACH_ITEM = re.compile(r"^\d{1,2}[.、]|^附件\d")
ATTACH_HEADING = re.compile(r"^附件[\d一二三四五六七八九十]*[:.、]?$")
ORG_SUFFIX = (
    "人民政府|办公厅|办公室|委员会|管理局|局|部|厅|委|院|署|中心|政府|小组|指挥部|管委会|"
    "党委|联合会|协会|银行|公司|集团|学校|大学|学院|法院|检察院|工会|团委|妇联|科|处|所"
)
SIGNATURE = re.compile(rf"^[\u3400-\u9fff()·]{{2,40}}({ORG_SUFFIX})$")
_SIGNATURE_ENDS = tuple(ORG_SUFFIX.split("|")) + ("\n",)  # $ also matches before a final \n


def signature_or_date(key: str) -> bool:
    """``SIGNATURE.match(key) or DATE_LINE.match(key)``, for the walks over
    every line of a long body: the last character rules out most lines
    before either regex runs (each is anchored at the end)."""
    if key.endswith(_SIGNATURE_ENDS) and SIGNATURE.match(key):
        return True
    last = key[-1:]
    return (last == "日" or last == "\n" or last.isdecimal()) and DATE_LINE.match(key) is not None


TAIL_PAREN = re.compile(r"^\(.{1,80}\)$")
CC_LINE = re.compile(r"^(抄送|抄报|主送|印发|报送|分送):|印发$")
CONTACT = re.compile(
    r"^(联系人|联系电话|联系方式|咨询电话|监督电话|电话|传真|邮箱|电子邮箱|电子信箱|邮编|"
    r"邮政编码|地址|通讯地址|邮寄地址|联系地址|联系单位)[:]"
)
HEADING = re.compile(
    r"^([一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d{1,3}[.、]|"
    r"第[一二三四五六七八九十百零〇\d]+[条章节])"
)
DOC_TYPES = (
    "通知|意见|办法|方案|决定|公告|通告|规定|细则|规划|批复|函|报告|纲要|措施|指引|指南|公示|"
    "名单|条例|规则|要点|计划|答记者问|解读|问答|意见稿|决议|命令|令|通报|规范|标准|目录|清单"
)
STRONG_TITLE = re.compile(rf"关于|《.+》|({DOC_TYPES})(\(.{{1,20}}\))?$")


# Zoning asks both of every line several times (rule pass, prose before a
# section, core scoring); a line's key is the same string object each time.
@lru_cache(maxsize=1 << 14)
def han_count(s: str) -> int:
    """Chinese characters in ``s`` (counted by runs, not one by one).

    >>> han_count("第1条 总则")
    4
    """
    return sum(map(len, _HAN_RUN.findall(s)))


@lru_cache(maxsize=1 << 14)
def is_dense(key: str) -> bool:
    """A line of prose: enough Chinese text and at least one punctuation mark,
    or a short sentence that ends like one (现将有关事项通知如下。)."""
    han = han_count(key)
    return han >= 12 and PUNCT_RE.search(key) is not None or han >= 6 and key.endswith(("。", "!", "?"))


def is_title(line: Line) -> bool:
    """A title-like line that is not a link (menus are made of links)."""
    return not line.linky and title_like(line.key)


def title_like(key: str) -> bool:
    """Short, mostly Chinese, no closing punctuation: could be a heading."""
    if not 5 <= len(key) <= 100 or "|" in key:
        return False
    han = han_count(key)
    if han < 4 or han < 0.5 * len(key):
        return False
    if key[-1] in ",;:。、" or HEADING.match(key) or DATE_LINE.match(key) or ADOPTION_NOTE.match(key):
        return False
    return not NUMBER_LINE.match(key)


def is_preamble(line: Line, strict: bool = False) -> bool:
    """Lines that sit between a notice's title and its body.

    ``strict``: only the document's own parts (number line, salutation,
    date, a bracketed note, a subtitle), not any line of prose.
    """
    k = line.key
    return bool(
        NUMBER_LINE.match(k) or SALUTATION.match(k) or DATE_LINE.match(k)
        or TAIL_PAREN.match(k) or k.startswith("——") or ADOPTION_NOTE.match(k) or (not strict and is_dense(k))
    )


# A law's note of its adoption under the title (题注), bracketed or not:
# "2022年3月29日广东省第十三届人民代表大会常务委员会第四十一次会议通过".
ADOPTION_NOTE = re.compile(
    rf"^\(?(\d{{4}}|[{CN_DIGIT}]{{4}})年[\d{CN_DIGIT}]{{1,3}}月[\d{CN_DIGIT}]{{1,3}}日.{{0,120}}"
    r"(通过|批准|修正|修订|公布|发布|施行)\)?$"
    # A Taiwanese law's history (沿革), one numbered entry a line, often
    # wrapped: "1.中华民国八十一年七月二十九日内政部…号" / "令订定发布全文28条".
    r"|^\d{1,3}\.中华民国[〇零一二三四五六七八九十百]+年"
    r"|^令(订定|修正|增订|删除|废止|停止适用)?(发布|公布)"
)


# --------------------------------------------------------- metadata ---


@lru_cache(maxsize=4)
def _label_res(alt: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    sp = r"\s*"
    at = re.compile(
        rf"[\[【]{sp}(?P<b>{alt}){sp}[\]】]{sp}[:：]?|(?P<c>{alt}){sp}[:：]"
    )
    start = re.compile(rf"^{BULLETS}(?:[\[【]{sp}(?:{alt}){sp}[\]】]|(?:{alt}){sp}[:：])")
    cell = re.compile(rf"^[\[【]?{sp}(?P<l>{alt}){sp}[\]】]?{sp}[:：]?$")
    return at, start, cell


# Bullets a metadata row may open with: "• 时间:…", "- 发文字号:…" (web page 044).
BULLETS = r"[\s•·●■◆▪>*\-]*"


@lru_cache(maxsize=4)
def _spaced_res(alt: str) -> re.Pattern:
    # A label standing between blanks (or the line's ends), no colon:
    # "发布机构 自治区人民政府 文  号 内政发〔2013〕62号" (web pages 038, 055).
    return re.compile(rf"(?:^|(?<=\s))(?P<l>{alt})(?=\s|$)")


def _canon(rules: Rules, label: str) -> tuple[str, bool]:
    return rules.labels.get(re.sub(r"\s", "", label), ("-", False))


def parse_meta_line(soft: str, rules: Rules) -> tuple[str | None, dict]:
    """Metadata in one line: (``"strong"``/``"weak"``/None, {canonical: value}).

    >>> parse_meta_line("发布时间:2023年10月11日 点击次数:508", default_rules())
    ('strong', {'发布日期': '2023年10月11日'})
    """
    if "|" in soft:
        return _parse_cells([c.strip() for c in soft.split("|")], rules)
    found = _parse_inline(soft, rules)
    if found[0] is None:
        found = _parse_dated(soft, rules)
    if found[0] is None:
        found = _parse_spaced(soft, rules)
    return found


# A row of labels and values set apart by blanks is this short at most, and
# each value shorter (the longest seen: a title of 60 characters, web page 055).
SPACED_ROW_MAX, SPACED_VALUE_MAX = 160, 100


def _parse_spaced(soft: str, rules: Rules) -> tuple[str | None, dict]:
    """"发文字号 豫政〔2014〕86号 发布时间 2014年11月17日": labels without colons,
    each value up to the next label.  The row opens with a strong label and
    holds a value; a row of labels alone (a table's header) is not read.

    >>> _parse_spaced("文  号 内政发〔2013〕62号", default_rules())
    ('strong', {'发文字号': '内政发〔2013〕62号'})
    >>> _parse_spaced("标题党 的文章", default_rules())
    (None, {})
    """
    body = re.sub(rf"^{BULLETS}", "", soft).rstrip()
    if not body or len(body) > SPACED_ROW_MAX or any(c in body for c in ":：。;；"):
        return None, {}
    hits = list(_spaced_res(rules.label_alt).finditer(body))
    if not hits or hits[0].start() != 0:
        return None, {}
    canonical, strong = _canon(rules, hits[0].group("l"))
    if not strong:
        return None, {}
    fields, values = {}, 0
    for n, m in enumerate(hits):
        end = hits[n + 1].start() if n + 1 < len(hits) else len(body)
        value = body[m.end():end].strip()
        if len(value) > SPACED_VALUE_MAX:
            return None, {}
        canonical, _ = _canon(rules, m.group("l"))
        if canonical in DATE_FIELDS and (date := DATE_PREFIX.match(value)):
            value = date.group(0).strip()
        if value:
            values += 1
            if canonical != "-":
                fields.setdefault(canonical, value)
    return ("strong", fields) if values else (None, {})


def _parse_dated(soft: str, rules: Rules) -> tuple[str | None, dict]:
    """"2011-06-18 00:00:00 来源: 本站原创": a date opening a byline of labels
    is the publication date (web pages 050, 055, 059).

    >>> _parse_dated("2011-06-18 00:00:00 来源: 本站原创", default_rules())
    ('strong', {'来源': '本站原创', '发布日期': '2011-06-18 00:00:00'})
    """
    body = re.sub(rf"^{BULLETS}", "", soft)
    date = DATE_PREFIX.match(body)
    if date is None:
        return None, {}
    strength, fields = _parse_inline(body[date.end():].lstrip(), rules)
    if strength is None:
        return None, {}
    fields.setdefault("发布日期", date.group(0).strip())
    return strength, fields


def _parse_cells(cells: list[str], rules: Rules) -> tuple[str | None, dict]:
    """A table row: label cells followed by value cells, or "label:value" cells."""
    _, start, cell = _label_res(rules.label_alt)
    fields, labelled, strong = {}, 0, False
    for i, c in enumerate(cells):
        if not c:
            continue
        m = cell.match(c)
        if m is None:
            if start.match(c):  # 文件编号：常公积金〔2024〕1号 | 发布机构：…
                s, f = _parse_inline(c, rules)
                if s:
                    labelled += 1
                    strong = strong or s == "strong"
                    for k, v in f.items():
                        fields.setdefault(k, v)
            continue
        nxt = cells[i + 1] if i + 1 < len(cells) else ""
        if nxt and cell.match(nxt):
            if not c.endswith((":", "：")):
                return None, {}  # a header row of a data table: 序号 | 文件名称 | 文号
            nxt = ""  # "发布机构： | 成文日期： | 2023-09-20": an empty value
        labelled += 1
        canonical, is_strong = _canon(rules, m.group("l"))
        strong = strong or is_strong or c.endswith((":", "："))
        if nxt and canonical != "-":
            fields.setdefault(canonical, nxt)
    values = sum(1 for c in cells if c) - labelled
    # Unknown labels count as values: "生成日期 | 2021年08月06日 | 体裁 | 函"
    # still opens with a label and has one for every three other cells.
    opens = bool(cells) and cell.match(cells[0]) is not None
    if labelled and (labelled >= values or (opens and 3 * labelled >= values)):
        return ("strong" if strong else "weak"), fields
    return None, {}


def _parse_inline(soft: str, rules: Rules) -> tuple[str | None, dict]:
    """"发布时间:2023-10-11 点击次数:508": labels and the values after them."""
    at, start, _ = _label_res(rules.label_alt)
    if len(soft) > 240 or not start.match(soft):
        return None, {}
    hits = list(at.finditer(soft))
    fields, strong = {}, False
    for n, m in enumerate(hits):
        label = m.group("b") or m.group("c")
        canonical, is_strong = _canon(rules, label)
        strong = strong or is_strong
        end = hits[n + 1].start() if n + 1 < len(hits) else len(soft)
        value = _trim_value(soft[m.end():end], rules)
        if canonical in DATE_FIELDS:  # "2025-11-20 10:17分享至:" keeps the date as written
            date = DATE_PREFIX.match(value)
            value = date.group(0).strip() if date else value
        dated = TRAILING_DATE.match(value) if canonical in ("来源", "作者") else None
        if dated:  # "来源:长乐区人社局 2024-02-23 15:16"
            value = dated.group(1)
            fields.setdefault("发布日期", dated.group(2))
        if value and canonical != "-":
            fields.setdefault(canonical, value)
    if not hits:
        return None, {}
    if not fields and not (soft.strip().endswith((":", "：", "]", "】")) or strong):
        return None, {}
    return ("strong" if strong else "weak"), fields


DATE_FIELDS = frozenset(("发布日期", "成文日期", "实施日期", "废止日期", "开始日期", "结束日期"))
DATE_PREFIX = re.compile(
    r"\s*\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
TRAILING_DATE = re.compile(
    r"^(.*?)\s+(\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)$"
)


_LAST_WORD = re.compile(r"\s+(\S+)\s*$")


def _trim_value(value: str, rules: Rules) -> str:
    """A value up to the next label, without trailing widgets (列印此页 关闭)."""
    value = value.strip()
    while (m := _LAST_WORD.search(value)) and rule_zone(make_key(m.group(1)), m.group(1), rules)[0] == CHROME:
        value = value[:m.start()].rstrip()
    return value


# ------------------------------------------------------------ zoning ---


MIN_PROSE_AROUND_SPAM = 12


def _without(key: str, found: list[tuple[str, int]]) -> str:
    for marker, _ in found:
        key = key.replace(marker, "")
    return key


def is_spam(key: str, rules: Rules) -> bool:
    """A whole line of SEO spam (not a notice line with a phrase injected)."""
    if rules.spam_quick is not None and not rules.spam_quick.search(key):
        return False
    found = [(marker, w) for marker, w in rules.spam if marker in key]
    score = sum(w for _, w in found)
    if score < 2:
        return False
    covered = sum(len(marker) * key.count(marker) for marker, _ in found)
    if covered >= 0.5 * len(key):
        return True
    # A sentence or a title of the notice with a phrase dropped into it (seed
    # 004: "…虚仿基地,西野翔qvod带动各地…") stays content: the cleaner removes the
    # phrase.  Only what the markers leave counts, so a short salutation or
    # title qualifies too.
    if han_count(key) - covered >= MIN_PROSE_AROUND_SPAM and (is_dense(key) or title_like(_without(key, found))):
        return False
    if covered >= 0.3 * len(key):
        return True
    # "国产精品…_日韩…_…": a headline of keyword segments
    return score >= 4 or key.count("_") + key.count("|") >= 2


# Metadata labels are applied at this priority, between the section rules
# and the byline/chrome rules of boilerplate.tsv.
LABEL_PRIORITY = 30


def rule_zone(
    key: str, soft: str, rules: Rules, lo: int = 0, hi: int = 1 << 30
) -> tuple[str | None, Rule | None]:
    """The zone of the first rule (lo <= priority < hi) matching a line."""
    if rules.quick is not None and key.rstrip(":") not in rules.exact and (
        len(key) > rules.longest or not (
            key.startswith(rules.starts) or rules.quick.search(key)
            or rules.quick_regex is not None and rules.quick_regex.search(key)
            or rules.quick_start is not None and rules.quick_start.match(key))
    ) and (len(key) > rules.fields_longest or not any(r.matches(key, soft) for r in rules.fields_rules)):
        return None, None
    for rule in rules.line_rules:
        if lo <= rule.priority < hi and rule.matches(key, soft):
            return rule.zone, rule
    return None, None


def classify(lines: list[Line], rules: Rules) -> tuple[list[str | None], list[bool]]:
    """Rule pass: zone per line (None: no rule) and which lines open sections."""
    zones: list[str | None] = [None] * len(lines)
    sections = [False] * len(lines)
    pending_value = None  # a label alone on its line: the value is the next line
    for i, line in enumerate(lines):
        key = line.key
        if not key:
            continue
        if pending_value is not None:
            canonical, j = pending_value
            pending_value = None
            # A heading is never a label's value: after an empty 时效： the
            # page's <h1> title follows (harbin.gov.cn).
            if len(key) <= 80 and not key.endswith(":") and line.hint != "heading" \
                    and parse_meta_line(line.soft, rules)[0] is None \
                    and rule_zone(key, line.soft, rules)[0] in (None, META):
                zones[i] = zones[j]
                if canonical != "-":
                    line.fields[canonical] = line.vsrc.strip()
                continue
        if is_spam(key, rules):  # priority 10
            zones[i] = SPAM
            continue
        zone, rule = rule_zone(key, line.soft, rules)
        if rule is not None and rule.priority < LABEL_PRIORITY:  # sections, 20
            zones[i] = zone
            sections[i] = rule.kind == "section"
            continue
        strength, fields = (None, {})  # metadata labels, 30
        if len(key) <= 240:
            strength, fields = parse_meta_line(line.vsrc, rules)
            if strength is None and line.vsrc != line.soft:
                strength, fields = parse_meta_line(line.soft, rules)
        if strength:
            zones[i] = META if strength == "strong" else "weakmeta"
            line.fields.update(fields)
            lone = _label_res(rules.label_alt)[2].match(line.soft.strip())  # "发文机关：" alone
            if not fields and "|" not in line.soft and lone:
                canonical, _ = _canon(rules, lone.group("l"))
                pending_value = (canonical, i)
            continue
        # bylines 35, chrome 40+ (the rule found above)
        if rule is not None and rule.kind == "fields":
            m = rule.pattern.search(line.soft)
            line.fields.update({k: v.strip() for k, v in m.groupdict().items() if v})
        if zone is not None:
            zones[i] = zone
        elif line.hint == "chrome":
            zones[i] = CHROME
    return zones, sections


def text_core(
    lines: list[Line], zones: list[str | None], sections: list[bool], min_score: float = 0.0
) -> tuple[int, int] | None:
    """The densest run of prose lines (maximum-sum subarray of line weights).

    Prose lines weigh their Chinese characters, rule-claimed lines -40 and a
    section header is a barrier; short unclaimed lines cost a little, so
    headings inside the body do not split it.
    """
    best, best_span = min_score, None
    run, run_start = 0.0, 0
    for i, line in enumerate(lines):
        key = line.key
        if sections[i]:
            w = -1e9
        elif zones[i] in (SPAM, CHROME, META):
            w = -40.0
        elif not key:
            w = 0.0
        elif is_dense(key) and not line.linky:
            w = float(han_count(key))
        elif HEADING.match(key) or SALUTATION.match(key) or NUMBER_LINE.match(key) \
                or ATTACH.match(key) or CONTACT.match(key):
            w = 3.0
        else:
            w = -(2.0 + 0.3 * han_count(key))
        if run <= 0:
            run, run_start = w, i
        else:
            run += w
        if run > best:
            best, best_span = run, (run_start, i)
    return best_span


def similar_title(key: str, titles: Sequence[str]) -> bool:
    """Does a line name one of the page's known titles?

    The <title> usually adds the site's name (标题-栏目-站点), and long titles
    are cut; a body sentence quoting the title is not a match.
    """
    if len(key) < 4 or len(key) > 150 or "。" in key:
        return False
    for t in titles:
        if not t:
            continue
        if key == t:
            return True
        # A short piece of the <title> is usually its column or site name.
        if len(key) >= 8 and key in t or (len(t) >= 8 and t in key and len(key) <= 1.3 * len(t) + 4):
            return True
        n = min(len(key), len(t))
        common = next((j for j in range(n) if key[j] != t[j]), n)
        if common >= 12 and len(key) <= 1.3 * len(t) + 4:
            return True
    return False


def zone_lines(
    lines: list[Line],
    rules: Rules,
    core: tuple[int, int] | None = None,
    known_titles: Sequence[str] = (),
    text_mode: bool = True,
    classified: tuple[list, list] | None = None,
    site_names: Sequence[str] = (),
) -> list[str]:
    """Zones for ``lines``; ``core`` is the body span (None: find it, text only).

    >>> [z for z in zone_lines(prepare(["分享到:", "各有关单位:", "现将有关事项通知如下。"]), default_rules())]
    ['chrome', 'content', 'content']
    """
    n = len(lines)
    zones0, sections = classified if classified else classify(lines, rules)
    zones0 = list(zones0)
    _swallow_after_prose(lines, zones0, sections)
    if core is None and text_mode:
        core = text_core(lines, zones0, sections)
    out: list[str | None] = [None] * n
    if core is None:
        # No prose at all: a text (a bare table, a title only) keeps what no
        # rule claims; an HTML page without a body is all chrome.
        for i in range(n):
            out[i] = _outside(zones0[i]) if zones0[i] else (CONTENT if text_mode else CHROME)
        return _blanks(lines, out)
    a, b = core
    for s in (i for i in range(n) if sections[i]):
        if s >= a:
            for j in range(s, n):
                if zones0[j] not in (SPAM, META):
                    zones0[j] = CHROME
            continue
        # A box above the notice (or a menu item such as 联系我们): only the
        # list right under its header, up to the first line of another kind.
        zones0[s] = CHROME
        for j in range(s + 1, a):
            if not lines[j].key:
                continue
            if zones0[j] is None and not _list_item(lines[j]):
                break
            if zones0[j] not in (SPAM, META):
                zones0[j] = CHROME
    for i in range(a, b + 1):
        z = zones0[i]
        out[i] = CONTENT if z in (None, "weakmeta") else z
        # The links right under a chrome line (相关链接：…, 政策解读：) are its list.
        if out[i] == CONTENT and i > a and out[i - 1] == CHROME and zones0[i - 1] != META \
                and lines[i].linky and lines[i].hint != "doclink" and not ATTACH.match(lines[i].key):
            out[i] = CHROME
    # A 标题 field of the page's own metadata names the title too (seed 001).
    titles = list(known_titles) + [
        make_key(line.fields["标题"]) for line in lines if line.fields.get("标题")
    ]
    title = _walk_back(lines, zones0, out, a, titles, set(site_names))
    if title is None:  # the title may open the core itself
        title = next((i for i in range(a, b + 1) if lines[i].key), None)
    elif titles:
        _title_lines(lines, zones0, out, title, a, titles)
    _links_after_signature(lines, out, a, b)
    _walk_forward(lines, zones0, out, b, text_mode)
    _menu_after_signature(lines, out)
    if title is not None and is_title(lines[title]):
        _repeated_title(lines, out, title)
    return _blanks(lines, out)


def _repeated_title(lines: list[Line], out: list[str | None], title: int) -> None:
    """The title repeated below itself is chrome: whole (seed 003), or broken
    over two lines the way the notice prints it (东莞市人民政府办公室关于进一步完善 /
    我市住房限购政策的通知 under the page's one-line heading)."""
    key = lines[title].key
    content = [i for i in range(title + 1, len(lines)) if out[i] == CONTENT and lines[i].key]
    for k, i in enumerate(content):
        if lines[i].key == key:
            out[i] = CHROME
        elif k + 1 < len(content) and key.startswith(lines[i].key) and lines[i].key + lines[content[k + 1]].key == key:
            out[i] = out[content[k + 1]] = CHROME


# A section header with this much prose (Chinese characters of dense lines)
# above it follows the notice: the rest of the page is its list.  Below it,
# the header is taken for a box beside the notice (it only swallows up to the
# core).  150 is about two sentences; the seeds' bodies have 600+.
PROSE_BEFORE_SECTION = 150


def _swallow_after_prose(lines: list[Line], zones0: list, sections: list[bool]) -> None:
    prose = 0
    for i, line in enumerate(lines):
        if sections[i] and prose >= PROSE_BEFORE_SECTION:
            for j in range(i, len(lines)):
                if zones0[j] not in (SPAM, META):
                    zones0[j] = CHROME
            return
        if zones0[i] is None and is_dense(line.key):
            prose += han_count(line.key)


def _list_item(line: Line) -> bool:
    """A link (HTML) or an indented/bulleted line (text) of a list."""
    return line.linky or bool(re.match(r"^(\s+|[•·●▪■◆\-*]\s*)\S", line.raw))


def _outside(z: str | None) -> str:
    """Zone of a rule-claimed or unclaimed line outside the notice."""
    if z == "weakmeta":
        return META
    return z or CHROME


# A title found by its looks alone (no known title, no heading element) sits
# at most this many lines above the body: seeds 000/002 have 4-7 (number
# line, metadata and share widgets in between).
TITLE_GAP = 15


def _walk_back(lines, zones0, out, a, known_titles, site_names=frozenset()) -> int | None:
    """Zone lines before the core; returns the title line's index."""
    title = None
    first = next((i for i in range(a, len(lines)) if lines[i].key), None)
    if first is not None and known_titles and similar_title(lines[first].key, known_titles) \
            and (zones0[first] != CHROME or lines[first].key in known_titles):
        # The core opens with the title: nothing above it is the notice.
        for i in range(a - 1, -1, -1):
            if lines[i].key:
                out[i] = _outside(zones0[i])
        return first
    # A line that is exactly a known title is the title even when a chrome
    # marker matches it ("解读：《…》" is a title and a link label).
    cands = [
        i for i in range(a - 1, max(-1, a - 80), -1)
        if lines[i].key and lines[i].key not in site_names and (
            zones0[i] is None or zones0[i] == CHROME and lines[i].key in known_titles)
    ]
    if known_titles:  # 1. a line naming the known title
        title = next((
            i for i in cands if len(lines[i].key) >= 8 and not SIGNATURE.match(lines[i].key)
            and similar_title(lines[i].key, known_titles)), None
        )
    if title is None:  # 2. the nearest heading element (HTML)
        title = next((i for i in cands if lines[i].hint == "heading" and is_title(lines[i])), None)
    if title is None:  # 3. the nearest title-like line, above preamble lines only
        for i in cands:
            if a - i > TITLE_GAP:
                break
            if is_title(lines[i]):
                title = i
                break
            if not is_preamble(lines[i]) and a - i > 12:
                break
    if title is None and known_titles:  # 4. a short title: the <title> is all it says
        title = next((i for i in cands if similar_title(lines[i].key, known_titles)), None)
    top = title if title is not None else 0
    misses = 0
    for i in range(a - 1, -1, -1):
        if not lines[i].key:
            continue
        if i == title:
            out[i] = CONTENT
        elif zones0[i] is not None:
            out[i] = _outside(zones0[i])
        elif i > top and ISO_DATE.match(lines[i].key):
            out[i] = META  # "2024-05-01" under a title: the publication date, not the notice's
            lines[i].fields.setdefault("发布日期", lines[i].vsrc.strip())
        elif i > top and (is_preamble(lines[i], strict=True) or misses < 3 and is_preamble(lines[i])):
            out[i] = CONTENT
        elif title is not None and i == title - 1 and out[i] is None \
                and lines[i].key.endswith(("关于", "印发", "转发")) and lines[i].hint == lines[title].hint:
            out[i] = CONTENT  # a title broken over two lines
            top = i
        else:
            out[i] = CHROME
            if i > top:
                misses += 1
    if title is not None:
        _header_above(lines, zones0, out, top, site_names)
    return title


# Words a notice's title opens with after its issuer (XX关于…, XX印发…):
# the line holding one starts the title block; an agency line right above
# it is the issuer printed apart (GB/T 9704 版头/标题).
TITLE_OPENERS = ("关于", "印发", "转发", "批转", "颁发", "发布")
# Lines of the header block read above a title: number and issuer lines
# (web pages 041, 046, 058: 1-3), and pieces of a title broken over lines.
# One piece only: the fields reader joins two heading lines, not three (a
# third piece on web pages 008, 071, 075 made the title the first piece).
HEADER_ABOVE = 6
TITLE_PIECES = 1
_DOC_TYPE_END = re.compile(rf"({DOC_TYPES})(\(.{{1,20}}\))?$")
# The last line of a wrapper title: …的通知, …》的决定.
_WRAPPER_END = re.compile(rf"的({DOC_TYPES})(\(.{{1,20}}\))?$")


def _unclaimed_above(lines, zones0, out, i, site_names):
    """The next non-empty line above ``i`` that no rule claimed, or None."""
    j = next((j for j in range(i - 1, -1, -1) if lines[j].key), None)
    if j is None or zones0[j] is not None or lines[j].linky or lines[j].key in site_names:
        return None
    return j


def is_agency_line(line: Line) -> bool:
    """An issuer alone on its line (四川省人民政府; 鹤岗市人民政府 鹤岗市中级人民法院)."""
    return bool(SIGNATURE.match(line.key)) or _signatures(line.soft)


def opens_title(key: str) -> bool:
    """Does a line start a title block (关于…, XX关于…, 转发…)?"""
    return any(w in key for w in TITLE_OPENERS)


def _title_pieces_above(lines, zones0, out, top, site_names) -> list[int]:
    """Lines above ``top`` that are the start of a title broken over lines
    (广东省人民政府办公厅关于印发广东省 / 进一步…生长 / 实行方案的通知): title-like
    pieces, none a whole title itself, the topmost holding a title opener."""
    if not _WRAPPER_END.search(lines[top].key):
        return []  # a whole headline, not the end of 关于…的通知 (web page 069)
    pieces, i, opened = [], top, 0
    for _ in range(TITLE_PIECES):
        j = _unclaimed_above(lines, zones0, out, i, site_names)
        if j is None or not is_title(lines[j]) or _DOC_TYPE_END.search(lines[j].key) \
                or is_agency_line(lines[j]) or lines[j].hint != lines[top].hint \
                or opened and not lines[j].key.startswith(TITLE_OPENERS):
            break  # above an opener, only another (转发… / 关于…的意见的通知)
        pieces.append(j)
        i = j
        if opens_title(lines[j].key):
            opened = len(pieces)
    return pieces[:opened]


def _header_above(lines, zones0, out, top, site_names) -> None:
    """Keep the notice's header over its title as content: the rest of a
    title broken over lines, a number line alone (鹤政发〔2025〕4号), and an
    issuer line right above a title that opens with 关于/印发/转发 (web pages
    010, 019, 041, 046, 055, 058, 067)."""
    for j in _title_pieces_above(lines, zones0, out, top, site_names):
        out[j] = CONTENT
        top = j
    opened = opens_title(lines[top].key)
    i = top
    for _ in range(HEADER_ABOVE):
        j = _unclaimed_above(lines, zones0, out, i, site_names)
        if j is None:
            return
        if NUMBER_LINE.match(lines[j].key):
            out[j] = CONTENT
        elif opened and is_agency_line(lines[j]) and out[i] == CONTENT:
            out[j] = CONTENT
        else:
            return
        i = j


def _title_lines(lines, zones0, out, title, a, titles) -> None:
    """A title broken over lines (<br> in an h1): its neighbours in the known title."""
    def joined(i, j):
        return "".join(lines[k].key for k in range(i, j + 1))

    top, bottom = title, title
    while top > 0 and zones0[top - 1] is None and is_title(lines[top - 1]) \
            and any(joined(top - 1, bottom) in t for t in titles):
        top -= 1
    while bottom + 1 < a and zones0[bottom + 1] is None and is_title(lines[bottom + 1]) \
            and any(joined(top, bottom + 1) in t for t in titles):
        bottom += 1
    for i in range(top, bottom + 1):
        out[i] = CONTENT


def _links_after_signature(lines, out, a, b) -> None:
    """Links below the signature and date are related pages (政策解读 …),
    unless they are the notice's attachments."""
    end = next((i for i in range(b, a - 1, -1) if out[i] == CONTENT and (
        signature_or_date(lines[i].key))), None)
    if end is None:
        return
    for i in range(end + 1, b + 1):
        if lines[i].linky and out[i] == CONTENT and lines[i].hint != "doclink" \
                and not ATTACH.match(lines[i].key):
            out[i] = CHROME


def _walk_forward(lines, zones0, out, b, text_mode) -> None:
    """Zone lines after the core: the notice's tail, then chrome."""
    seen_end = attach = stopped = False
    attach_list = False  # just after "附件:1.…": its numbered items follow
    # The core may end inside the tail (the rows of an attachment's table
    # are prose too): start in the state the core's last tail line leaves.
    for i in range(b, max(-1, b - 2000), -1):
        k = lines[i].key
        if out[i] != CONTENT or not k:
            continue
        if ATTACH.match(k) and text_mode and (ATTACH_HEADING.match(k) or any(
            signature_or_date(lines[j].key)
            for j in range(max(0, i - 6), i)
        )):
            attach = seen_end = True
            break
        if signature_or_date(k):
            seen_end = True
            break
    for i in range(b + 1, len(lines)):
        line = lines[i]
        if not line.key:
            continue
        z = zones0[i]
        if stopped or z is not None:
            out[i] = _outside(z)
            # Metadata may sit in the tail, and a download button between
            # two attachments ("附件1…", "公报PDF", "附件2…") does not end it.
            nxt = next((j for j in range(i + 1, min(len(lines), i + 50)) if lines[j].key), None)
            between = z == CHROME and nxt is not None and zones0[nxt] is None and (
                ATTACH.match(lines[nxt].key) or lines[nxt].hint == "doclink")
            stopped = stopped or z not in (META, "weakmeta") and not between
            continue
        k = line.key
        if attach or (attach_list and ATTACH_ITEM.match(k)):
            out[i] = CONTENT
        elif ATTACH.match(k):
            out[i] = CONTENT
            attach = text_mode and (seen_end or bool(ATTACH_HEADING.match(k)))
            attach_list = True
        elif signature_or_date(k) or _signatures(line.soft):
            out[i] = CONTENT
            seen_end = True
        elif TAIL_PAREN.match(k) or CC_LINE.search(k) or (CONTACT.match(k) and not seen_end) \
                or line.hint == "doclink":
            out[i] = CONTENT
        else:
            out[i] = CHROME
            stopped = True


# A tab bar under the notice: single words, one a line (相关附件, 媒体报道,
# 部门解读, 访谈, 其他 on dg.gov.cn), at least this many in a row.
MENU_WORD = re.compile(r"^[\u4e00-\u9fff]{1,6}$")
MENU_RUN = 4


def _menu_after_signature(lines, out) -> None:
    """Zone as chrome a run of menu words that ends the content after the
    signature's date (with an 附件: heading left with nothing under it)."""
    content = [i for i, z in enumerate(out) if z == CONTENT and lines[i].key]
    run = []
    for i in reversed(content):
        if not MENU_WORD.match(lines[i].key) or ATTACH.match(lines[i].key):
            break
        run.append(i)
    if len(run) < MENU_RUN or len(run) == len(content):
        return
    before = content[len(content) - len(run) - 1]
    heading = ATTACH_HEADING.match(lines[before].key)
    anchor = content[len(content) - len(run) - 2] if heading and len(content) > len(run) + 1 else before
    if not signature_or_date(lines[anchor].key):
        return
    for i in run + ([before] if heading else []):
        out[i] = CHROME


def _signatures(soft: str) -> bool:
    """Several issuers on one line: 市住建委 市发改委 市财政局."""
    parts = soft.split()
    return 1 < len(parts) <= 6 and all(SIGNATURE.match(make_key(p)) for p in parts)


def _blanks(lines: list[Line], out: list[str | None]) -> list[str]:
    """Empty lines take the zone around them: content only inside content."""
    n = len(out)
    after: list[str | None] = [None] * n  # zone of the next non-empty line
    nxt = None
    for i in range(n - 1, -1, -1):
        after[i] = nxt
        if lines[i].key:
            nxt = out[i]
    result = list(out)
    prev = None
    for i in range(n):
        if lines[i].key:
            prev = out[i]
            continue
        if prev == CONTENT and after[i] == CONTENT:
            result[i] = CONTENT
        elif prev not in (None, CONTENT):
            result[i] = prev
        else:
            result[i] = after[i] if after[i] not in (None, CONTENT) else CHROME
    return [z or CHROME for z in result]


def collect_meta(lines: list[Line], zones: Sequence[str]) -> dict:
    """Fields of the meta lines, first value of each key wins."""
    meta: dict = {}
    for line, zone in zip(lines, zones):
        if zone == META:
            for k, v in line.fields.items():
                if v:
                    meta.setdefault(k, v)
    return meta


# -------------------------------------------------------------- text ---


def page_from_text(text: str) -> Page:
    """A ``Page`` from a plain-text scrape; lines are ``text.split("\\n")``.

    >>> page = page_from_text("分享到:\\n各有关单位:\\n现将有关事项通知如下,请遵照执行。")
    >>> [l.zone for l in page.lines]
    ['chrome', 'content', 'content']
    """
    rules = default_rules()
    raws = text.split("\n")
    lines = prepare(raws)
    zones = zone_lines(lines, rules)
    return Page(
        lines=tuple(PageLine(raw, zone) for raw, zone in zip(raws, zones)),
        meta=collect_meta(lines, zones),
    )
