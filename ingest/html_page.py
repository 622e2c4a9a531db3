"""``page_from_html``: an HTML page as zoned lines, metadata, links and tables.

The visible text is rendered with lxml in one iterative walk (no recursion,
so 10,000 levels of nesting are fine): script/style/noscript/comments are
dropped, block elements and ``<br>`` start new lines, inline elements join,
and a data table gives one line per row with its cells joined by " | ".

The notice's container is the element with the best score

    dense * (1 + bonus) - 0.5 * other

where ``dense`` counts the Chinese characters of prose lines inside it
(enough text, sentence punctuation, few links, no chrome rule; hidden prose
counts 0.3), ``other`` those of every other line (menus, link lists,
footers) and ``bonus`` comes from known CMS container names
(``data/page_containers.tsv``: TRS_Editor, zoom, …).  Ancestors pay for the
chrome they add, descendants lose prose they leave out, so the maximum is the
tightest element holding the body; an element starting far below every line
that names the page's title scores half.  Its lines are the core handed to
``text_page.zone_lines``, which keeps the title and number line above it and
the signature, date and attachments below it, and zones the rest.  Without a
container, the densest run of lines is the core; without prose at all, the
title line alone (a page whose notice is a PDF link).

Metadata comes from metadata lines and tables (label cells such as 标　题,
发文机关：, [发布日期]) and then from ``<meta name=...>`` tags for what is still
missing; ``Page.tables`` holds the data tables of the notice with rowspan and
colspan expanded; ``Page.links`` the labels of its links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from policykb.ingest.text_page import (
    CHROME, CONTENT, DATA, PUNCT_RE, SIGNATURE, STRONG_TITLE, Line, Rules, similar_title, classify, collect_meta,
    default_rules, han_count, make_key, prepare, text_core, zone_lines,
)
from policykb.records import Page, PageLine

BLOCK = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr "
    "html li main menu nav ol p pre section summary table tbody thead tfoot tr td th ul "
    "caption legend option".split()
)
SKIP = frozenset("script style noscript template head select iframe object svg math button textarea".split())
CHROME_TAGS = frozenset(("nav", "footer"))
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
CANDIDATES = frozenset(("div", "td", "article", "section", "main", "body", "form", "table", "center", "span", "font"))
HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
COLLAPSE_RE = re.compile(r"[ \t\n\r\f\v]+")
TITLE_TOKEN_RE = re.compile(r"title|biaoti", re.I)
DOC_HREF_RE = re.compile(r"\.(pdf|docx?|xlsx?|wps|ofd|zip|rar|7z|et|txt)(\?|#|$)", re.I)
INVISIBLE = " \u200b\u200c\u200d\u2060\ufeff"

# libxml2 stops building the tree at 2048 levels (256 without huge_tree); a
# deeper page is flattened first (see _flatten).
MAX_DEPTH = 1500
# A leaf table cell with more text (or paragraphs) than this is page layout,
# not data: responsibility tables (seed 001's 主要内容) have cells of 300-500
# characters in 1-3 paragraphs.
LAYOUT_CELL_CHARS = 800
LAYOUT_CELL_BLOCKS = 4
# Weight of non-prose characters against prose ones in the container score;
# 0.5 keeps a body that carries its own short headings and signature while
# refusing a parent that adds a menu of half the body's size.
OTHER_WEIGHT = 0.5


@lru_cache(maxsize=1)
def container_tokens() -> dict:
    """``page_containers.tsv``: token -> (role, weight)."""
    out = {}
    for line in (DATA / "page_containers.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            token, role, weight = line.split("\t")[:3]
            out[token.lower()] = (role, float(weight))
    return out


def _tokens(el) -> list[str]:
    out = (el.get("class") or "").lower().split()
    if el.get("id"):
        out.append(el.get("id").lower())
    return out


@dataclass
class Rendered:
    """The visible text of a page, line by line, with what the walk saw."""

    raws: list[str] = field(default_factory=list)
    hints: list = field(default_factory=list)
    link_han: list[int] = field(default_factory=list)
    hidden: list[bool] = field(default_factory=list)
    blocks: list = field(default_factory=list)  # (start, end, bonus) of candidates
    links: list = field(default_factory=list)  # (label, line index)
    doc_lines: set = field(default_factory=set)  # lines holding a link to a PDF/Word file
    tables: list = field(default_factory=list)  # (first line, end line, expanded rows)
    title: str | None = None
    meta_tags: list = field(default_factory=list)  # (name, content)


class _Walker:
    """One pass over the tree building ``Rendered``."""

    def __init__(self, data_tables: set):
        self.r = Rendered()
        self.buf: list[str] = []
        self.buf_link_han = 0
        self.data_tables = data_tables
        self.chrome = 0  # open nav/footer/chrome-class elements
        self.hidden = 0  # open display:none/visibility:hidden elements
        self.heading = 0
        self.pre = 0
        self.links = 0
        self.table = None  # the open data table: {"rows": [...], "row": [...], "cell": [...]}
        self.tokens = container_tokens()

    # -- lines
    def add(self, text: str) -> None:
        if self.table is not None:
            cell = self.table["cell"]
            if cell is None:
                if not text.strip():
                    return
                self.table["cell"] = cell = []  # text outside any cell
            cell.append(text)
        elif self.pre:
            parts = text.split("\n")
            self.buf.append(parts[0])
            for part in parts[1:]:
                self.flush()
                self.buf.append(part)
        else:
            self.buf.append(text)
        if self.links:
            self.buf_link_han += han_count(text)

    def flush(self, hint: str | None = None) -> None:
        text = COLLAPSE_RE.sub(" ", "".join(self.buf)).strip(" ")
        self.buf.clear()
        if text.strip().strip(INVISIBLE):
            self._emit(text, hint)
        self.buf_link_han = 0

    def _emit(self, text: str, hint: str | None) -> None:
        if self.chrome:
            hint = "chrome"
        elif self.heading and hint is None:
            hint = "heading"
        self.r.raws.append(text)
        self.r.hints.append(hint)
        self.r.hidden.append(self.hidden > 0)
        self.r.link_han.append(self.buf_link_han)

    # -- data tables
    def end_cell(self) -> None:
        t = self.table
        if t["cell"] is not None:
            text = COLLAPSE_RE.sub(" ", "".join(t["cell"])).strip()
            t["row"].append((text, t["span"]))
            t["cell"] = None

    def end_row(self) -> None:
        t = self.table
        self.end_cell()
        row = t["row"]
        t["row"] = []
        if any(text.strip() for text, _ in row):
            t["rows"].append(row)
            self._emit(" | ".join(text for text, _ in row), "table")
            self.buf_link_han = 0

    def walk(self, root) -> Rendered:
        w = etree.iterwalk(root, events=("start", "end"))
        stack = []  # per open element: (kind flags) to undo on end
        for ev, el in w:
            tag = el.tag.lower() if isinstance(el.tag, str) else None
            if ev == "start":
                if tag is None or tag in SKIP:
                    if tag == "head":
                        self._head(el)
                    w.skip_subtree()
                    stack.append(None)
                    continue
                stack.append(self._open(el, tag))
            else:
                self._close(el, tag, stack.pop())
                if el.tail:
                    self.add(el.tail)
        self.flush()
        return self.r

    def _head(self, head) -> None:
        for el in head.iter("title", "meta"):
            if el.tag == "title" and self.r.title is None:
                self.r.title = (el.text or "").strip() or None
            elif el.tag == "meta" and el.get("name") and el.get("content") is not None:
                self.r.meta_tags.append((el.get("name"), el.get("content")))

    def _open(self, el, tag):
        toks = _tokens(el)
        role = [self.tokens[t] for t in toks if t in self.tokens]
        # Hidden elements are not chrome: gov CMSs hide the body until a script
        # runs (<body style="visibility:hidden"> on dg.gov.cn/gz.gov.cn, the
        # display:none TRS copy on changchun.gov.cn).
        chrome = tag in CHROME_TAGS or any(r == "chrome" for r, _ in role)
        # ... but a hidden box beside a short notice (a login dialog) must not
        # outweigh it: hidden prose counts HIDDEN_WEIGHT in the container score.
        hidden = el.get("hidden") is not None or HIDDEN_RE.search(el.get("style") or "") is not None
        heading = tag in HEADINGS or any(TITLE_TOKEN_RE.search(t) for t in toks)
        if tag == "title" and self.r.title is None:  # a <title> outside <head>
            self.r.title = (el.text or "").strip() or None
        if tag == "meta" and el.get("name") and el.get("content") is not None:
            self.r.meta_tags.append((el.get("name"), el.get("content")))
        if self.table is not None:
            t = self.table
            if tag == "tr":
                self.end_row()
            elif tag in ("td", "th"):
                self.end_cell()
                t["cell"] = []
                t["span"] = (_span(el.get("rowspan")), _span(el.get("colspan")))
            elif tag in BLOCK or tag == "br":
                self.add(" ")
        else:
            if tag in BLOCK or tag == "br":
                self.flush()
            if tag == "table" and el in self.data_tables:
                self.table = {"rows": [], "row": [], "cell": None, "span": (1, 1),
                              "start": len(self.r.raws)}
        start = len(self.r.raws)
        self.hidden += hidden
        self.chrome += chrome
        self.heading += heading
        self.pre += tag == "pre"
        self.links += tag == "a"
        if el.text:
            self.add(el.text)
        bonus = max((w for r, w in role if r == "content"), default=0.0)
        return (tag, start, chrome, heading, hidden, bonus, el.get("href") if tag == "a" else None)

    def _close(self, el, tag, state) -> None:
        if state is None:
            return
        tag, start, chrome, heading, hidden, bonus, href = state
        if tag == "a":
            label = COLLAPSE_RE.sub(" ", el.xpath("string()")).strip() if len(el) else (el.text or "").strip()
            if label:
                self.r.links.append((label, len(self.r.raws)))
                if href and DOC_HREF_RE.search(href):
                    self.r.doc_lines.add(len(self.r.raws))
        if self.table is not None:
            t = self.table
            if tag in ("td", "th"):
                self.end_cell()
            elif tag == "tr":
                self.end_row()
            elif tag == "table" and el in self.data_tables:
                self.end_row()
                self.r.tables.append((t["start"], len(self.r.raws), _expand(t["rows"])))
                self.table = None
        elif tag in BLOCK or tag == "br":
            self.flush()
        self.chrome -= chrome
        self.hidden -= hidden
        self.heading -= heading
        self.pre -= tag == "pre"
        self.links -= tag == "a"
        if tag in CANDIDATES and not chrome and not self.chrome:
            self.r.blocks.append((start, len(self.r.raws) + (1 if self.buf else 0), bonus))


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip() or 1), 100))
    except ValueError:
        return 1


def _expand(rows: list) -> tuple:
    """Rows of (text, (rowspan, colspan)) cells as a grid, spans repeated."""
    grid: list[list] = []
    pending: dict = {}  # (row, col) -> text carried down by a rowspan
    for r, row in enumerate(rows):
        out: list = []
        cells = iter(row)
        col = 0
        while True:
            if (r, col) in pending:
                out.append(pending.pop((r, col)))
                col += 1
                continue
            cell = next(cells, None)
            if cell is None:
                break
            text, (rowspan, colspan) = cell
            for c in range(colspan):
                out.append(text)
                for k in range(1, rowspan):
                    pending[(r + k, col + c)] = text
            col += colspan
        while (r, col) in pending:  # spans reaching past the row's own cells
            out.append(pending.pop((r, col)))
            col += 1
        grid.append(tuple(out))
    return tuple(grid)


# ------------------------------------------------------------- parsing ---

_TAG_RE = re.compile(r"<(/?)([A-Za-z][\w:-]*)[^>]*?(/?)>")
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def _flatten(html: str, limit: int = MAX_DEPTH) -> str:
    """Drop the tags that nest deeper than ``limit`` (their text stays)."""
    depth = 0
    dropped: dict = {}
    out = []
    pos = 0
    for m in _TAG_RE.finditer(html):
        closing, name, selfclose = m.group(1), m.group(2).lower(), m.group(3)
        keep = True
        if name in VOID or selfclose:
            pass
        elif closing:
            if dropped.get(name):
                dropped[name] -= 1
                keep = False
            else:
                depth = max(0, depth - 1)
        elif depth >= limit:
            dropped[name] = dropped.get(name, 0) + 1
            keep = False
        else:
            depth += 1
        if not keep:
            out.append(html[pos:m.start()])
            out.append("<br>" if name in BLOCK else "")
            pos = m.end()
    out.append(html[pos:])
    return "".join(out)


def parse_html(html: str):
    """The root element of ``html`` (None for an empty document)."""
    data = html.encode("utf-8", "replace")
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.ParserError, ValueError):
        return None
    if any("depth" in e.message.lower() for e in parser.error_log):
        parser = etree.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True)
        try:
            root = etree.fromstring(_flatten(html).encode("utf-8", "replace"), parser)
        except (etree.ParserError, ValueError):
            return None
    return root


CELL_BLOCKS = frozenset(("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section"))


def _data_tables(root) -> set:
    """Leaf tables of real rows and columns: rendered a row per line.

    A table holding another table, a one-column table, or one with a cell of
    page-sized text (over LAYOUT_CELL_CHARS, or more than LAYOUT_CELL_BLOCKS
    paragraphs) is page layout: its cells are ordinary blocks.
    """
    layout = set()
    tables = list(root.iter("table"))
    for t in tables:
        parent = next(t.iterancestors("table"), None)
        if parent is not None:
            layout.add(parent)
    data = set()
    for t in tables:
        if t in layout:
            continue
        widest, ok = 0, True
        for row in t.iter("tr"):
            cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            widest = max(widest, sum(_span(c.get("colspan")) for c in cells))
            for c in cells:
                blocks = sum(1 for d in c.iter() if isinstance(d.tag, str) and d.tag in CELL_BLOCKS)
                if blocks > LAYOUT_CELL_BLOCKS or len(c.xpath("string()")) > LAYOUT_CELL_CHARS:
                    ok = False
                    break
            if not ok:
                break
        if ok and widest >= 2:
            data.add(t)
    return data


# ----------------------------------------------------------- container ---


# A container that starts more than this many lines below every line naming
# the page's title is less likely the notice (a browser tip, a login box):
# its score is multiplied by FAR_FACTOR.  30 lines leave room for a metadata
# table of a dozen rows between title and body.
TITLE_REACH = 30
HIDDEN_WEIGHT = 0.3
# Without a container, the densest run of lines must hold at least one
# sentence of this many characters to be taken for a body.
MIN_PROSE = 20
FAR_FACTOR = 0.5


def choose_container(r: Rendered, lines: list[Line], zones0: list, titles: list[int]) -> tuple[int, int] | None:
    """The line span of the element most likely to hold the notice's body."""
    n = len(r.raws)
    if not n:
        return None
    dense_pre = [0.0] * (n + 1)
    other_pre = [0.0] * (n + 1)
    for i, line in enumerate(lines):
        han = han_count(line.key)
        link = r.link_han[i]
        own = max(0, han - link)
        prose = (
            zones0[i] is None and r.hints[i] != "chrome" and own >= 10
            and link <= 0.3 * han and PUNCT_RE.search(line.key) is not None
        )
        dense_pre[i + 1] = dense_pre[i] + (own if prose else 0) * (HIDDEN_WEIGHT if r.hidden[i] else 1)
        other_pre[i + 1] = other_pre[i] + (link if prose else han)
    best, span = 0.0, None
    for start, end, bonus in r.blocks:
        end = min(end, n)
        if end <= start:
            continue
        dense = dense_pre[end] - dense_pre[start]
        score = dense * (1 + bonus) - OTHER_WEIGHT * (other_pre[end] - other_pre[start])
        if titles and not any(start - TITLE_REACH <= t < end for t in titles):
            score *= FAR_FACTOR
        if score > best or (score == best and span and end - start < span[1] - span[0]):
            best, span = score, (start, end)
    if span is None:
        return None
    return span[0], span[1] - 1


# ---------------------------------------------------------------- page ---


# <meta> tags naming the site: never the notice's title.  (ColumnName is
# not here: a column page of its own has the column's name for title.)
SITE_TAGS = frozenset(("sitename",))
TITLE_SEP_RE = re.compile(r"\s*(?:[_|｜]|\s[-–—－]\s|(?<!\d)[-–—－]+(?!\d))\s*")


def _title_key(value: str) -> str:
    """A title value as a key; CMSs leave markup in them ("关于<br/>进一步…")."""
    return make_key(re.sub(r"<[^>]*>", "", value))


def _title_parts(title: str | None, site_names: set) -> list[str]:
    """The <title> without the site and column names around it (as keys).

    >>> _title_parts("关于开展检查的通知_通知公告_某市政府", {"某市政府"})
    ['关于开展检查的通知通知公告', '关于开展检查的通知']
    """
    if not title:
        return []
    parts = [make_key(p) for p in TITLE_SEP_RE.split(title) if p.strip()]
    # Segments naming an organisation are the site ("成安县人民政府-政府信息公开指南").
    parts = [p for p in parts if p and p not in site_names and not (len(parts) > 1 and SIGNATURE.match(p))]
    if not parts:
        return []
    whole = "".join(parts)
    longest = max(parts, key=len)
    return [whole] + ([longest] if longest != whole else [])


def meta_from_tags(tags: list, rules: Rules) -> dict:
    """Fields of the <meta name=...> tags that meta_labels.tsv names.

    >>> meta_from_tags([("PubDate", " 2024-01-02 "), ("Keywords", "x")], default_rules())
    {'发布日期': '2024-01-02'}
    """
    out: dict = {}
    for name, content in tags:
        canonical = rules.meta_tags.get(name.strip().lower())
        value = (content or "").strip()
        if canonical and value:
            out.setdefault(canonical, value)
    return out


def known_titles(r: Rendered, lines: list[Line], tag_meta: dict, site_names: set) -> list[str]:
    """The page's own names for its notice, as keys: <title>, ArticleTitle, 标题."""
    titles = _title_parts(r.title, site_names) + [_title_key(tag_meta.get("标题", ""))]
    titles += [_title_key(line.fields["标题"]) for line in lines if line.fields.get("标题")]
    return [t for t in titles if t]


def find_core(r: Rendered, lines: list[Line], zones0: list, sections: list, titles: list[str],
              site_names: set) -> tuple[int, int] | None:
    """The body's line span: the container, else the densest run, else the title."""
    title_lines = [
        i for i, line in enumerate(lines)
        if zones0[i] is None and line.key not in site_names and not SIGNATURE.match(line.key)
        and similar_title(line.key, titles)
    ]
    core = choose_container(r, lines, zones0, title_lines)
    if core is None:
        core = text_core(lines, zones0, sections, min_score=MIN_PROSE)
    if core is None:  # no prose: a page whose notice is a PDF link; its visible title
        strong = [
            i for i in title_lines
            # A heading that links elsewhere names a column (a listing's
            # 住房保障名单公示), not the notice of this page.
            if len(lines[i].key) >= 8 and (STRONG_TITLE.search(lines[i].key) or len(lines[i].key) >= 12)
            and not lines[i].linky
        ]
        if not strong:
            strong = _headings_over_meta(lines, zones0)
        if strong:
            t = min(strong, key=lambda i: (r.hidden[i], lines[i].hint != "heading", i))
            core = (t, t)
    return core


def _headings_over_meta(lines: list[Line], zones0: list) -> list[int]:
    """Notice titles right above the page's 来源/发布时间 line: the title of a
    page whose <title> names only its column (德州市住房公积金--通知公告)."""
    out = []
    for i in range(len(lines) - 1):
        key = lines[i].key
        if zones0[i] is None and zones0[i + 1] == "meta" and not lines[i].linky and len(key) >= 12 \
                and STRONG_TITLE.search(key) and "。" not in key:
            out.append(i)
    return out


def _title_bars(lines: list[Line], html_title: str | None, titles: list[str]) -> list[int]:
    """Lines repeating the whole <title>, site name and all (长沙市政府门户网站-
    长沙市人民政府办公厅关于…的通知), on a page that also shows the bare title."""
    whole = make_key(html_title or "")
    keys = {line.key for line in lines}
    if not any(len(t) >= 8 and t != whole and t in whole and t in keys for t in titles):
        return []
    return [i for i, line in enumerate(lines) if line.key == whole]


def content_links(r: Rendered, zones: list[str]) -> tuple[str, ...]:
    """Labels of the notice's links, and of document links in its metadata
    (文件下载：宁房市字〔2017〕108号.pdf names the doc number)."""
    out: list[str] = []
    for label, i in r.links:
        keep = i < len(zones) and (zones[i] == CONTENT or zones[i] == "meta" and i in r.doc_lines)
        if keep and label not in out:
            out.append(label)
    return tuple(out)


def content_tables(r: Rendered, zones: list[str]) -> tuple:
    """The expanded data tables whose rows are mostly content."""
    return tuple(
        rows for start, end, rows in r.tables
        if end > start and sum(z == CONTENT for z in zones[start:end]) * 2 > end - start
    )


def page_from_html(html: str) -> Page:
    """A ``Page`` from decoded HTML.

    >>> page = page_from_html("<title>关于开展检查的通知_某市政府</title><body>"
    ...     "<div class='nav'><a href='/'>首页</a></div><h1>关于开展检查的通知</h1>"
    ...     "<div id='zoom'><p>各区县:</p><p>现将有关事项通知如下,请遵照执行。</p></div></body>")
    >>> [(l.text, l.zone) for l in page.lines]
    [('首页', 'chrome'), ('关于开展检查的通知', 'content'), ('各区县:', 'content'), ('现将有关事项通知如下,请遵照执行。', 'content')]
    """
    rules = default_rules()
    root = parse_html(html)
    if root is None:
        return Page(lines=())
    r = _Walker(_data_tables(root)).walk(root)
    hints = [("doclink" if i in r.doc_lines and h is None else h) for i, h in enumerate(r.hints)]
    lines = prepare(r.raws, hints, raw_values=True)
    for i, line in enumerate(lines):
        line.linky = r.link_han[i] > 0.6 * max(1, han_count(line.key))
    tag_meta = meta_from_tags(r.meta_tags, rules)
    zones0, sections = classify(lines, rules)
    site_names = {make_key(v) for k, v in r.meta_tags if k.strip().lower() in SITE_TAGS and v.strip()}
    titles = known_titles(r, lines, tag_meta, site_names)
    core = find_core(r, lines, zones0, sections, titles, site_names)
    zones = zone_lines(
        lines, rules, core, titles, text_mode=False, classified=(zones0, sections), site_names=site_names
    )
    for i in _title_bars(lines, r.title, titles):
        zones[i] = CHROME
    meta = collect_meta(lines, zones)
    for k, v in tag_meta.items():  # the tags fill only what the page's text left empty
        meta.setdefault(k, v)
    return Page(
        lines=tuple(PageLine(raw, zone) for raw, zone in zip(r.raws, zones)),
        html_title=r.title,
        meta=meta,
        links=content_links(r, zones),
        tables=content_tables(r, zones),
    )
