"""Who is responsible for what: 责任单位 tables and blocks.

The forms read, in this order of trust (each row's ``evidence`` names it):

1. ``table``: tables with a 责任单位 / 牵头单位 / 配合单位 column, given as
   expanded HTML tables (``tables``: rowspan and colspan cells repeated) or
   flattened into the body one cell to a line (``序号 |``, ``工作任务 |`` …)
   or one row to a line (``1 | 任务 | 内容 | 市教育局 |``).  A flattened row
   whose leading cells were merged with the row above (rowspan) has fewer
   cells; it inherits them from the row above.
2. ``label``: blocks after a measure, ``（责任单位：市商务委、市公安局等）``,
   ``（牵头单位：A；责任单位：B、C）`` or a line ``责任单位：市财政局`` (or
   ``责任单位及承办科室：``) under it; the measure is the text before the block.
3. ``paren_list``: an unlabelled bracket closing a measure that holds
   nothing but agencies and the roles they take: ``（A牵头，B、C配合）``,
   ``（A、B负责）``, ``（省…按职责分工负责）``, or any list when the page says
   the first listed leads (``列第一位者为牵头部门，下同``).  ``heading``: such
   a bracket on a section heading (``一、强化科技创新（区科技局牵头）``).
4. Sentences whose subject is an agency (``教育部将…``, ``市住房公积金管理
   中心负责…``): off unless asked for (``sentences=``), because the gold
   files list none for documents full of them (seeds 000 and 004: "省级教育
   行政部门要…", "教育部将…"); they are duties stated in prose, not a
   division of labour, and they would be false positives beside a table.

Roles: ``lead`` for 牵头 (or the first listed, where the page says so) and
for a list that names no lead; ``support`` for 配合/会同/协助, and for
责任单位 or 负责 beside a 牵头.

Every agency becomes its own row, as written (市发改委) with its canonical
name for the document's region (盘锦市发展和改革委员会).  Collective
mentions (各县区政府, 各州、市人民政府) stay, as written, with no canonical
name; those that name no body (相关部门, 区级有关部门) are never rows.

>>> rows = find_responsibilities('（一）优化布局。推进规划。（责任单位：市教育局牵头，市人社局配合）',
...                              ExtractContext(region='盘锦市'))
>>> [(r.task, r.agency, r.role, r.agency_canonical) for r in rows]
[('优化布局', '市教育局', 'lead', '盘锦市教育局'), ('优化布局', '市人社局', 'support', '盘锦市人力资源和社会保障局')]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from policykb.extract import agencies, regions, tables
from policykb.records import ExtractContext, Responsibility

# The rule tables (extract/data/responsibility_*.tsv), in their stated order.
COLUMN_KINDS = tables.rows("responsibility_columns.tsv")
AGENCY_KINDS = ("lead", "support", "agency")
MAX_LABEL = 12  # a header cell is a short label

BLOCK_LABELS = tables.rows("responsibility_labels.tsv")
# 责任单位及承办科室： names more after 及; the first label gives the kind.
_BLOCK_LABEL = re.compile("(" + tables.alternation(label for label, _ in BLOCK_LABELS) + ")"
                          r"(?:及[\u4e00-\u9fff]{1,6})?[ \t\u3000]{0,3}[:：]")
_BLOCK_KIND = dict(BLOCK_LABELS)
MAX_BLOCK = 600  # characters inside one 责任单位 block
MAX_MEASURE_LINES = 20  # lines of measure read back above a block on its own line

# Words between agencies that say who helps whom.  Before 会同 stand the
# leads, after it the supporters; a group ending in 配合 supports.
# Not inside a name: 市青年联合会, 市残疾人联合会, 就业指导中心.
_HELPED_BY = re.compile("会同|协同(?!中心)|联合(?![会社体])|配合|协助|指导(?![中站组])")
_ROLE_ENDINGS = tuple(sorted(tables.rows("responsibility_roles.tsv"), key=lambda r: len(r[0]), reverse=True))
_WORDS = tables.words_by_role("responsibility_words.tsv")
# "列第一位的为牵头单位", 排名第一的单位为牵头单位, 第一个单位为牵头单位,
# 列在首位的是牵头单位, 列第一位者为牵头部门: the first agency named in each
# cell leads.  The ordinal needs 列/排 before it or 位/个 after it: 第一责任单位
# is a title.
_FIRST_LEADS = re.compile(r"(?:[列排][在于名]?(?:第一|首)[位个]?|(?:第一|首)[位个])[的者]?(?:单位|部门)?[为是]牵头")

_ENUM = re.compile(
    r"^[ \t\u3000]*(?:第[一二三四五六七八九十百零〇\d]{1,4}[章节条部分]|[一二三四五六七八九十]{1,3}[、.．]"
    r"|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,3}[.、．](?!\d)|[①-⑳])[ \t\u3000]*")
MAX_HEADING = 40
_CLAUSE_END = "。！？；;!?\n"
_CLAUSE_END_RE = re.compile(f"[{re.escape(_CLAUSE_END)}]")
_GROUP_SEPS = "，,；;。\n"
_SEGMENT_SEPS = "；;。\n"  # stronger than a comma: a role stated at a segment's end reaches back to its start
_ITEM_SEPS = "、/／"
_OPEN, _CLOSE = "（(", "）)"

# Prose subjects (form 3): a duty verb within this many characters of the
# clause start.
MAX_SUBJECT = 24
_DUTY_VERB = re.compile("要|将|负责|应当|应|须|必须|牵头|配合")
_SELF = ("我部", "我委", "我局", "我厅", "我办", "本部", "本委", "本局", "本厅", "本办")


def _norm(s: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


def _column_kind(label: str) -> str | None:
    label = _norm(label).strip(":：")
    if not label or len(label) > MAX_LABEL or re.search(r"[。，,、\d]", label):
        return None
    for word, kind in COLUMN_KINDS:
        if word in label:
            return kind
    return None


# --- splitting a cell of agencies -------------------------------------------------

@dataclass(frozen=True)
class _Mention:
    agency: str
    role: str
    start: int  # offsets in the text the cell came from
    end: int


def _split_depth0(s: str, seps: str) -> list[tuple[int, int]]:
    """Spans of ``s`` between separators that stand outside brackets."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(s)))
    return spans


def _split_conjunctions(s: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split s[a:b] at 和/及/与 when both sides name bodies (市教育局和市人社局);
    发展和改革委员会 is one name: 发展 is not a body."""
    if b - a > 4 * agencies.MAX_MENTION:
        return [(a, b)]  # a clause, not a list of names
    spans = []
    for i in range(a + 2, b - 1):
        if s[i] in "和及与":
            left, right = s[a:i], s[i + 1:b]
            if agencies.looks_like_agency(left) and (
                    right[:1] in "省市区县各有相" or regions.central_at(right) or regions.division_chain(right)[0]):
                spans.append((a, i))
                a = i + 1
    spans.append((a, b))
    return spans


def _strip_role_ending(s: str, a: int, b: int) -> tuple[int, int, str | None]:
    """Drop 牵头 / 配合 / 负责 … from the end of s[a:b]; the role it states
    (``responsible`` for 负责: see responsibility_roles.tsv)."""
    seg = s[a:b].rstrip()
    for ending, role in _ROLE_ENDINGS:
        if seg.endswith(ending) and len(seg) > len(ending):
            return a, a + len(seg) - len(ending), role
    return a, b, None


# Longest first: 各县（市、区） before 各县, 各相关 before 相关.
SCOPE_PREFIXES = tuple(sorted(_WORDS["scope"], key=len, reverse=True))
_OWN_SCOPE = _WORDS["own_scope"]
_UNNAMED = tuple(sorted(_WORDS["unnamed"], key=len, reverse=True))
_PLACE_TYPES = "".join(_WORDS["place_type"])
_GOVERNMENTS = tuple(sorted(_WORDS["government"], key=len, reverse=True))
_LEAD_INS = tuple(sorted(_WORDS["lead_in"], key=len, reverse=True))


def unnamed(name: str) -> bool:
    """A mention that names no body at all (相关部门, 区级相关部门, 市各有关部门,
    其他成员单位): never a row.  Collective ones (各县区政府) name their bodies.

    >>> unnamed('区级相关部门'), unnamed('市各有关部门'), unnamed('各县区政府'), unnamed('市教育局')
    (True, True, False, False)
    """
    rest = name
    scope = next((p for p in SCOPE_PREFIXES if rest.startswith(p) and not rest.startswith(_UNNAMED)), "")
    rest = rest[len(scope):]
    if not scope and len(rest) > 1 and rest[0] in "省市区县" and rest[1:].startswith(_UNNAMED):
        rest = rest[1:]
    return rest.startswith(_UNNAMED) or any(w in name for w in _WORDS["unnamed_within"])


def _list_scope(name: str) -> str | None:
    """The scope prefix a list opens with (各区市场监管部门 → 各区), when a
    department name follows it."""
    scope = next((p for p in SCOPE_PREFIXES if name.startswith(p)), None)
    if scope is None:
        return None
    rest = name[len(scope):]
    return scope if len(rest) >= 2 and (agencies.looks_like_agency(rest) or agencies.is_vague(rest)) else None


def _bare_department(name: str) -> bool:
    """A department named without its place or level (消防救援部门, 税务局):
    it takes the scope of the list it stands in.  市场监管部门 is bare — 市场
    is a word, not 市 (agencies._unscoped knows those words)."""
    if name.startswith(_OWN_SCOPE) or agencies._unscoped(name) != name:
        return False
    if regions.central_at(name) or regions.division_chain(name)[0]:
        return False  # 人民银行北京市分行, 北京经济技术开发区商务金融局, 教育部
    return agencies.looks_like_agency(name) or agencies.is_vague(name)


_TYPE_ONLY = re.compile(f"(?:各辖|各|相关|有关|所属)?[{_PLACE_TYPES}]")


def _single_place(name: str) -> str | None:
    """The full name of the one division a bare place names (哈尔滨 → 哈尔滨市,
    马尾区 → 马尾区), else None."""
    found, n = regions.division_chain(name)
    if len(found) != 1 or n != len(name) or agencies.looks_like_agency(name):
        return None
    return found[0].name if found[0].name.startswith(name) else name


def _government_of(name: str) -> str | None:
    """What a place's government is called in ``name`` (绥芬河市政府 → 政府)."""
    found, n = regions.division_chain(name)
    rest = name[n:]
    return rest if len(found) == 1 and rest in _GOVERNMENTS else None


def _elided(names: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """An elided list of places made whole: 各州、市人民政府 and 相关市、县政府
    are one collective mention; in 马尾区、闽侯县人民政府 and 哈尔滨、黑河、
    绥芬河市政府 each place has its government (马尾区人民政府, 哈尔滨市政府)."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(names):
        name, start, end = names[i]
        j = i + 1
        if _TYPE_ONLY.fullmatch(name):
            while j < len(names) and len(names[j][0]) == 1 and names[j][0] in _PLACE_TYPES:
                j += 1
            if j < len(names) and names[j][0][0] in _PLACE_TYPES and agencies.looks_like_agency(names[j][0]):
                out.append(("、".join(n for n, _, _ in names[i:j + 1]), start, names[j][2]))
                i = j + 1
                continue
        elif _single_place(name):
            while j < len(names) and _single_place(names[j][0]):
                j += 1
            government = _government_of(names[j][0]) if j < len(names) else None
            if government:
                out += [(_single_place(n) + government, a, b) for n, a, b in names[i:j]]
                i = j
                continue
        out.append(names[i])
        i += 1
    return out


def _without_alias(name: str) -> str:
    """省发改委（省能源局） → 省发改委: a bracketed second name is the same
    body's other name; 各县（市）人民政府 keeps its bracket."""
    m = re.fullmatch(r"(.+?)[（(]([^（）()]+)[）)]", name)
    if m and agencies.looks_like_agency(m.group(1)) and agencies.looks_like_agency(m.group(2)):
        return m.group(1)
    return name


def _items(s: str, a: int, b: int, role: str, base: int, out: list[_Mention]) -> None:
    names = []
    for x, y in _split_depth0(s[a:b], _ITEM_SEPS + " \t\u3000"):
        for x2, y2 in _split_conjunctions(s, a + x, a + y):
            raw = s[x2:y2]
            name = agencies.clean_mention(raw)
            if len(name) < 2 and not (name and name in _PLACE_TYPES):
                continue  # a one-character item can only be a place type (市、县政府)
            if not re.search(r"[\u4e00-\u9fff]", name):
                continue
            start = x2 + max(raw.find(name), 0)
            names.append((name, start, start + len(name)))
    scope = None  # the scope the list opened with, while its items are bare
    for name, start, end in _elided(names):
        if len(name) < 2:
            continue
        name = written = _without_alias(name)
        if scope and _bare_department(name):
            written = scope + name
        else:
            scope = _list_scope(name)  # an item with its own place opens (or ends) a scope
        out.append(_Mention(written, role, base + start, base + end))


def _back_roles(groups: list[list], first_segment: bool) -> None:
    """A role stated at the end of a segment reaches back over the groups
    before it that state none (省发展改革委牵头；省工信委、国土厅，各州、市人民
    政府配合: both groups help), once the list has stated a role before them
    (or the segment is not the list's first): in A、B，C配合 only C helps."""
    carry = None
    for k in range(len(groups) - 1, -1, -1):
        if groups[k][2] is not None:
            carry = groups[k][2]
        elif carry and (not first_segment or any(g[2] for g in groups[:k])):
            groups[k][2] = carry


# A label of something else (完成时限：, 时间：) after a list of agencies ends it.
_OTHER_LABEL = re.compile(r"[；;，,。\s][ \t\u3000]*[\u4e00-\u9fff]{2,8}[：:]")


def split_agencies(cell: str, role: str = "lead", base: int = 0, first_leads: bool = False) -> list[_Mention]:
    """The agencies a responsibility cell names, each with its role.

    >>> [(m.agency, m.role) for m in split_agencies('市发改委、市教育局会同相关部门,各县区政府')]
    [('市发改委', 'lead'), ('市教育局', 'lead'), ('相关部门', 'support'), ('各县区政府', 'lead')]
    >>> [(m.agency, m.role) for m in split_agencies('省发改委、财政厅牵头；省林业厅，各州、市人民政府配合')]
    [('省发改委', 'lead'), ('财政厅', 'lead'), ('省林业厅', 'support'), ('各州、市人民政府', 'support')]
    """
    labelled = list(_BLOCK_LABEL.finditer(cell))
    if labelled:
        out: list[_Mention] = []
        seen_lead = False
        for k, m in enumerate(labelled):
            end = labelled[k + 1].start() if k + 1 < len(labelled) else len(cell)
            kind = _BLOCK_KIND[m.group(1)]
            if kind == "agency":
                # 牵头责任单位：X；责任单位：Y — after a lead label, 责任 means helping.
                kind = "support" if seen_lead else role
            seen_lead = seen_lead or kind == "lead"
            out += split_agencies(cell[m.end():end], kind, base + m.end(), first_leads)
        return out
    other = _OTHER_LABEL.search(cell)
    if other:
        cell = cell[:other.start()]  # 市教育局；完成时限：2024年底 — the list ends at another label
    note = _FIRST_LEADS.search(cell)
    if note:  # 市发改委、市财政局，列第一位的为牵头单位，下同 — the note is no agency
        cell = cell[:max(0, *(cell.rfind(sep, 0, note.start()) for sep in _GROUP_SEPS + "（("))]
    groups: list[list] = []
    for n, (sa, sb) in enumerate(_split_depth0(cell, _SEGMENT_SEPS)):
        segment = [list(_strip_role_ending(cell, sa + a, sa + b)) for a, b in _split_depth0(cell[sa:sb], "，,")]
        _back_roles(segment, n == 0)
        groups += segment
    groups = [g for g in groups if not _time_limit(cell[g[0]:g[1]])]
    stated = {g[2] for g in groups}
    out = []
    for a, b, said in groups:
        # Groups after the first (", 各县区政府") keep the cell's role: a
        # comma starts another list of bodies answerable for the task in
        # their own area — the counties implement it, they do not assist the
        # city departments named before (会同 would say so).  负责 beside 牵头
        # (A牵头，B、C负责) is the help, as 责任单位 beside 牵头单位.
        if said == "responsible":
            said = "support" if "lead" in stated else role
        group_role = said or role
        m = _HELPED_BY.search(cell, a, b)
        if m and m.group(0) == "配合" and not cell[m.end():b].strip():
            m = None  # "市人社局配合" was handled as an ending
        if m:
            before_role = "support" if m.group(0) in ("配合", "协助") and m.start() == a else group_role
            _items(cell, a, m.start(), before_role, base, out)
            _items(cell, m.end(), b, "support", base, out)
        else:
            _items(cell, a, b, group_role, base, out)
    if first_leads and out and not _HELPED_BY.search(cell) and stated <= {None}:
        out = [out[0]] + [_Mention(x.agency, "support", x.start, x.end) for x in out[1:]]
    return out


def _named_body(name: str) -> bool:
    """A mention that says whose it is: 市教育局, 辽宁省教育厅, 教育部,
    相关部门 — not just a phrase ending in 局 (优化职业教育布局)."""
    if agencies.is_vague(name):
        return True
    if not agencies.looks_like_agency(name):
        return False
    return bool(name[0] in "省市区县州盟旗" or regions.central_at(name) or regions.division_chain(name)[0])


def _agency_score(cell: str, strict: bool = True) -> float:
    """How much a cell reads as a list of agencies (0 to 1)."""
    mentions = split_agencies(cell)
    if not mentions:
        return 0.0
    test = _named_body if strict else (lambda n: agencies.looks_like_agency(n) or agencies.is_vague(n))
    return sum(1 for m in mentions if test(m.agency)) / len(mentions)


# --- rows to records ---------------------------------------------------------------

@dataclass(frozen=True)
class _Column:
    label: str
    kind: str | None


def _roles(columns: list[_Column]) -> list[str | None]:
    has_lead = any(c.kind == "lead" for c in columns)
    out = []
    for c in columns:
        if c.kind == "agency":
            out.append("support" if has_lead else "lead")
        elif c.kind in ("lead", "support"):
            out.append(c.kind)
        else:
            out.append(None)
    return out


def _text_columns(columns: list[_Column]) -> tuple[int | None, int | None]:
    """(task column, content column): the first task-like and the last
    content-like column; an unlabelled text column counts as content."""
    first_agency = next((i for i, c in enumerate(columns) if c.kind in AGENCY_KINDS), len(columns))
    texty = [i for i, c in enumerate(columns) if c.kind in ("task", "content", None) and i < first_agency]
    if not texty:
        texty = [i for i, c in enumerate(columns) if c.kind in ("task", "content")]
    if not texty:
        return None, None
    tasks = [i for i in texty if columns[i].kind == "task"]
    contents = [i for i in texty if columns[i].kind == "content"]
    content = contents[-1] if contents else texty[-1]
    task = tasks[0] if tasks else texty[0]
    return (None if task == content else task), content


def _records(values: list[str | None], spans: list[tuple[int, int] | None], columns: list[_Column],
             ctx: ExtractContext, row: int | None, sentence: str, span: tuple[int, int],
             first_leads: bool, section: str | None = None) -> list[Responsibility]:
    roles = _roles(columns)
    task_i, content_i = _text_columns(columns)
    task = values[task_i] if task_i is not None else section
    content = values[content_i] if content_i is not None else None
    out = []
    for i, role in enumerate(roles):
        if role is None or not values[i]:
            continue
        base = spans[i][0] if spans[i] else 0
        out += _rows_of(split_agencies(values[i], role, base, first_leads), ctx, "table", task=task or None,
                        content=content or None, sentence=sentence, start=span[0], end=span[1], row=row)
    return out


def _rows_of(mentions: list[_Mention], ctx: ExtractContext, evidence: str, **fields) -> list[Responsibility]:
    """One row per agency named (never one that names no body: 相关部门),
    with its canonical name for the document's region and the rule path that
    found it (``evidence``: table, label, paren_list, heading, list_subject, scope)."""
    out = []
    for m in mentions:
        if unnamed(m.agency):
            continue
        found = agencies.canonical_agency(m.agency, ctx.region)
        out.append(Responsibility(agency=m.agency, role=m.role, agency_canonical=found.name if found else None,
                                  evidence=evidence, **fields))
    return out


def _row_number(cell: str) -> int | None:
    m = re.fullmatch(r"[（(]?(\d{1,3})[）)]?[.、．]?", _norm(cell))
    return int(m.group(1)) if m else None


# --- expanded HTML tables -------------------------------------------------------------

def _is_header(kinds: list[str | None]) -> bool:
    """Labels that make a responsibility table: an agency column and a task
    or content column."""
    return any(k in AGENCY_KINDS for k in kinds) and any(k in ("task", "content") for k in kinds)


def _header(rows: tuple) -> tuple[int, list[_Column]] | None:
    """(index of the last header row, columns) when one of the first rows
    labels an agency column; a second header row refines the first
    (责任单位 over 牵头单位 | 配合单位)."""
    for h, row in enumerate(rows[:3]):
        kinds = [_column_kind(c) for c in row]
        if _is_header(kinds):
            labels = list(row)
            last = h
            if h + 1 < len(rows):
                below = [_column_kind(c) for c in rows[h + 1]]
                if any(k in AGENCY_KINDS for k in below) and all(
                        k is not None or not _norm(c) for k, c in zip(below, rows[h + 1])):
                    labels = [b if _norm(b) and b != a else a for a, b in zip(labels, rows[h + 1])]
                    last = h + 1
            return last, [_Column(lab, _column_kind(lab)) for lab in labels]
    return None


def _locate(text: str, cells: list[str]) -> tuple[int, int]:
    """Where a table row stands in the body, if its cells are there."""
    for cell in sorted(cells, key=len, reverse=True):
        if len(cell) >= 4:
            i = text.find(cell)
            if i >= 0:
                return i, i + len(cell)
    return 0, 0


def _from_tables(tables: tuple, text: str, ctx: ExtractContext, first_leads: bool) -> list[Responsibility]:
    out: list[Responsibility] = []
    for table in tables or ():
        rows = [tuple(str(c or "").strip() for c in row) for row in table if row]
        found = _header(tuple(rows))
        if not found:
            continue
        last, columns = found
        width = len(columns)
        section = None
        counter = 0
        for row in rows[last + 1:]:
            cells = list(row[:width]) + [""] * (width - len(row))
            filled = {c for c in cells if c}
            if len(filled) == 1 and width > 1 and all(cells):
                section = filled.pop()  # a colspan row across the table: a heading
                continue
            if not filled or [_column_kind(c) for c in cells] == [c.kind for c in columns]:
                continue
            counter += 1
            number_i = next((i for i, c in enumerate(columns) if c.kind == "number"), None)
            number = _row_number(cells[number_i]) if number_i is not None else None
            sentence = " | ".join(c for c in cells if c)
            span = _locate(text, cells)
            out += _records(cells, [None] * width, columns, ctx, number or counter, sentence, span,
                            first_leads, section)
    return out


# --- tables flattened into the body -------------------------------------------------

@dataclass(frozen=True)
class _Cell:
    text: str
    start: int
    end: int
    line: int


def _cell_lines(text: str) -> list[list[_Cell]]:
    """Runs of consecutive table lines, as cells.  A table line ends with |
    (one cell to a line: ``工作任务 |``) or joins its cells with " | "
    (one row to a line: ``1 | 任务 | 市教育局``)."""
    runs: list[list[_Cell]] = []
    current: list[_Cell] = []
    last_line = -2
    pos = 0
    for n, line in enumerate(text.split("\n")):
        stripped = line.rstrip()
        if stripped.endswith("|") or " | " in stripped:
            if n != last_line + 1 and current:
                runs.append(current)
                current = []
            bars = [k for k, ch in enumerate(stripped) if ch == "|"]
            if not stripped.endswith("|"):
                bars.append(len(stripped))
            seg_start = 0
            for k in bars:
                seg = line[seg_start:k]
                inner = seg.strip()
                off = pos + seg_start + (seg.find(inner) if inner else 0)
                current.append(_Cell(inner, off, off + len(inner), n))
                seg_start = k + 1
            last_line = n
        pos += len(line) + 1
    if current:
        runs.append(current)
    return runs


def _align(cells: list[_Cell], columns: list[_Column], previous: list[str | None]
           ) -> tuple[list[str | None], list[tuple[int, int] | None]] | None:
    """Put a flattened row's cells under their columns.  Cells lost to a
    rowspan are the leading ones: anchor the agency cell under the agency
    column, the cells before it right before it; what is left of the row
    comes from the row above."""
    width = len(columns)
    present = [c for c in cells if c.text]
    values: list[str | None] = [None] * width
    spans: list[tuple[int, int] | None] = [None] * width
    if len(present) >= width:
        for i, c in enumerate(present[:width]):
            values[i], spans[i] = c.text, (c.start, c.end)
        return values, spans
    cols = list(range(width))
    number_i = next((i for i, c in enumerate(columns) if c.kind == "number"), None)
    if number_i is not None and present and _row_number(present[0].text) is not None:
        values[number_i], spans[number_i] = present[0].text, (present[0].start, present[0].end)
        present = present[1:]
        cols.remove(number_i)
    if len(present) >= len(cols):
        for i, c in zip(cols, present):
            values[i], spans[i] = c.text, (c.start, c.end)
        return values, spans
    agency_cols = [k for k, i in enumerate(cols) if columns[i].kind in AGENCY_KINDS]
    if not agency_cols or not present:
        return None
    # The first cell that reads as agencies goes under the first agency
    # column (牵头单位 before 配合单位).
    anchor = next((k for k, c in enumerate(present) if _agency_score(c.text) >= 0.5), None)
    if anchor is None:  # no cell names its bodies' place: the last that ends like agencies
        loose = [k for k, c in enumerate(present) if _agency_score(c.text, strict=False) >= 0.5]
        if not loose:
            return None
        anchor = loose[-1]
    a = agency_cols[0]
    if anchor > a or len(present) - anchor > len(cols) - a:
        return None  # more cells before (or after) the agency cell than columns
    for k, c in enumerate(present):
        i = cols[a - anchor + k]
        values[i], spans[i] = c.text, (c.start, c.end)
    first = cols[a - anchor]
    for i in cols:
        if i >= first:
            break
        values[i] = previous[i] if i < len(previous) else None  # merged with the row above
    return values, spans


def _header_cells(run: list[_Cell]) -> tuple[int, int] | None:
    """(first, end) indices of a run's header cells: a stretch of short
    labels that names an agency column."""
    for k, c in enumerate(run):
        if _column_kind(c.text) in AGENCY_KINDS:
            a = k
            while a > 0 and _column_kind(run[a - 1].text) and run[a - 1].text:
                a -= 1
            b = k + 1
            while b < len(run) and _column_kind(run[b].text) and run[b].text:
                b += 1
            if _is_header([_column_kind(x.text) for x in run[a:b]]):
                return a, b
    return None


def _from_text_tables(text: str, ctx: ExtractContext, first_leads: bool) -> tuple[list[Responsibility], list[tuple[int, int]]]:
    out: list[Responsibility] = []
    used: list[tuple[int, int]] = []
    for run in _cell_lines(text):
        found = _header_cells(run)
        if not found:
            continue
        a, b = found
        columns = [_Column(c.text, _column_kind(c.text)) for c in run[a:b]]
        data = run[b:]
        used.append((run[a].start, run[-1].end))
        one_line_header = run[a].line == run[b - 1].line
        if one_line_header:
            rows: list[list[_Cell]] = []
            for c in data:
                if rows and rows[-1][0].line == c.line:
                    rows[-1].append(c)
                else:
                    rows.append([c])
        else:
            rows = _rows_of_stream(data, columns)
        previous: list[str | None] = [None] * len(columns)
        for n, row in enumerate(rows, 1):
            aligned = _align(row, columns, previous)
            if aligned is None:
                continue
            values, spans = aligned
            previous = values
            present = [c for c in row if c.text]
            if not present:
                continue
            number_i = next((i for i, c in enumerate(columns) if c.kind == "number"), None)
            number = _row_number(values[number_i] or "") if number_i is not None else None
            sentence = " | ".join(c.text for c in present)
            out += _records(values, spans, columns, ctx, number or n, sentence,
                            (present[0].start, present[-1].end), first_leads)
    return out, used


def _rows_of_stream(cells: list[_Cell], columns: list[_Column]) -> list[list[_Cell]]:
    """Rows of a table flattened one cell to a line.  With a number column a
    row starts at the next number in sequence (1, 2, 3 …); without one, every
    ``len(columns)`` cells make a row."""
    if columns[0].kind == "number":
        rows: list[list[_Cell]] = []
        expected = None
        for c in cells:
            n = _row_number(c.text)
            if n is not None and (expected is None or n == expected):
                rows.append([c])
                expected = n + 1
            elif rows:
                rows[-1].append(c)
        return rows
    width = len(columns)
    return [cells[i:i + width] for i in range(0, len(cells), width)]


# --- 责任单位 blocks after a measure ----------------------------------------------------

def _line_bounds(text: str, i: int) -> tuple[int, int]:
    a = text.rfind("\n", 0, i) + 1
    b = text.find("\n", i)
    return a, (len(text) if b < 0 else b)


def _heading_text(line: str) -> str | None:
    """The title of a heading line (六、促进商品房销售 → 促进商品房销售): a
    number and a short title with no sentence inside it."""
    m = _ENUM.match(line)
    if not m:
        return None
    title = line[m.end():].strip()
    bracket = re.search(r"[（(][^（）()]*[）)]$", title)
    if bracket and _states_role(bracket.group(0)[1:-1]):
        title = title[:bracket.start()].strip()  # 强化科技创新（区科技局牵头）
    if (not title or len(title) > MAX_HEADING or "。" in title.rstrip("。")
            or re.search("[，,；;：:]", title) or "（责任" in title):
        return None
    return title.rstrip("。.")


_ENUM_STYLES = (
    ("article", re.compile(r"第[一二三四五六七八九十百零〇\d]{1,4}[章节条部分]")),
    ("han", re.compile(r"[一二三四五六七八九十]{1,3}[、.．]")),
    ("paren-han", re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)]")),
    ("paren-digit", re.compile(r"[（(]\d{1,3}[）)]")),
    ("digit", re.compile(r"\d{1,3}[.、．](?!\d)")),
    ("circled", re.compile(r"[①-⑳]")),
)


def _enum_style(line: str) -> str | None:
    """Which kind of number opens a line: 一、 (han), （一） (paren-han), 1. …"""
    line = line.lstrip(" \t\u3000")
    for style, pattern in _ENUM_STYLES:
        if pattern.match(line):
            return style
    return None


def _task_of(measure: str) -> tuple[str | None, str]:
    """(task, measure without its number): a measure opening with a number
    and a short title sentence — （九）提升配套服务水平。鼓励… — is titled so."""
    m = _ENUM.match(measure)
    if not m:
        return None, measure.strip()
    rest = measure[m.end():]
    # 二、支持刚性和改善性住房需求4.落实…: a section title run into the item.
    inner = re.match(r"([^。\n]{2,40}?)(\d{1,3}[.．、](?!\d))", rest)
    if inner:
        rest = rest[inner.end():]
    end = rest.find("。")
    title = rest[:end] if 0 < end <= MAX_HEADING else None
    return title, rest.strip()


def _measure_above(text: str, line_start: int, floor: int) -> tuple[str | None, str, int]:
    """(heading, measure, start) for a block alone on its line: the lines
    above it, back to the numbered item that opens the measure (and its
    numbered siblings: （一）（二）（三） under 六、), a heading, the previous
    block or ``floor``."""
    lines: list[tuple[int, str]] = []
    end = line_start - 1
    heading = None
    style = None
    while end > floor and len(lines) < MAX_MEASURE_LINES:
        a = max(text.rfind("\n", 0, end) + 1, floor)
        line = text[a:end].strip()
        end = a - 1
        if not line:
            if lines:
                break
            continue
        title = _heading_text(line)
        if title:
            heading = title
            break
        if line.endswith("|") or _BLOCK_LABEL.search(line):
            break
        this = _enum_style(line)
        if style is not None and this != style:
            break  # above the first numbered item of the measure
        lines.append((a, line))
        style = this
    if not lines:
        return heading, "", line_start
    lines.reverse()
    return heading, "".join(line for _, line in lines), lines[0][0]


def _close_paren(text: str, i: int) -> int:
    """Index of the bracket closing the one open before ``i``, or -1."""
    depth = 1
    for j in range(i, min(len(text), i + MAX_BLOCK)):
        ch = text[j]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return j
        elif ch == "\n":
            return -1
    return -1


@dataclass(frozen=True)
class _Block:
    start: int  # the block's bracket, or its label where it opens a line
    end: int  # just after it
    body: tuple[int, int]  # the text its agencies are read from
    evidence: str  # label (（责任单位：…）), paren_list (（A牵头，B配合）)


def _table_line(text: str, line_start: int, line_end: int) -> bool:
    line = text[line_start:line_end]
    return line.rstrip().endswith("|") or " | " in line


def _label_blocks(text: str, skip: list[tuple[int, int]]) -> list[_Block]:
    """（责任单位：…） after a measure and 责任单位：… opening a line."""
    out: list[_Block] = []
    last_end = 0
    line_start = line_end = -1
    table_line = False
    for m in _BLOCK_LABEL.finditer(text):
        if m.start() < last_end or any(a <= m.start() < b for a, b in skip):
            continue
        if m.start() > line_end:  # blocks come in order: look each line up once
            line_start, line_end = _line_bounds(text, m.start())
            table_line = _table_line(text, line_start, line_end)
        if table_line:
            continue  # a table cell: the table reader has it
        j = m.start() - 1
        while j >= line_start and text[j] in " \t\u3000":
            j -= 1
        if j >= line_start and text[j] in _OPEN:
            close = _close_paren(text, m.start())
            body_end = close if close >= 0 else line_end
            block = _Block(j, close + 1 if close >= 0 else line_end, (m.start(), body_end), "label")
        elif j < line_start:  # the label opens its line: 责任单位：市财政局
            block = _Block(m.start(), line_end, (m.start(), line_end), "label")
        else:
            continue  # 公开责任部门：… or prose that mentions a 责任单位
        out.append(block)
        last_end = block.end
    return out


# A bracket closing a line (or its sentence) with one level of brackets
# inside (省发改委（省能源局）): where a measure names who carries it out.
_PAREN = re.compile(r"[（(]((?:[^（）()\n]|[（(][^（）()\n]{1,30}[）)]){2,%d})[）)]"
                    r"(?=[。；;，,．.]?[ \t\u3000]*(?:\n|$))" % MAX_BLOCK)
_NOT_IN_NAME = re.compile(r"[\d的在于对将把为了]")


def _states_role(s: str) -> bool:
    return any(_strip_role_ending(s, a, b)[2] for a, b in _split_depth0(s, _GROUP_SEPS))


def _listed(name: str) -> bool:
    """A list item that can stand for a body: one named with its place
    (市教育局), a collective or vague one, or a short department name
    (财政厅, 铁路办) — never a phrase (2024年底前由市财政局)."""
    if _named_body(name) or agencies.is_vague(name):
        return True
    return agencies.looks_like_agency(name) and len(name) <= 15 and not _NOT_IN_NAME.search(name)


def _paren_list(text: str, a: int, b: int, first_leads: bool) -> tuple[int, int] | None:
    """The span of the agencies inside a bracket text[a:b] that holds nothing
    but a list of them and their roles — （省发改委、财政厅牵头；…配合）,
    （A负责）, （省…按职责分工负责）, （A、B。列第一位者为牵头部门，下同） — or None.
    Unlabelled, the list must state a role (or the page must say the first
    named leads): （市教育局） alone may be anything."""
    inner = text[a:b]
    if _BLOCK_LABEL.search(inner):
        return None
    note = _FIRST_LEADS.search(inner)
    if note:
        b = a + len(inner[:note.start()].rstrip("。，,；;：: \t\u3000注"))
    lead_in = next((w for w in _LEAD_INS if text.startswith(w, a)), "")
    a += len(lead_in)
    groups = _split_depth0(text[a:b], _GROUP_SEPS)
    while len(groups) > 1 and _time_limit(text[a + groups[-1][0]:a + groups[-1][1]]):
        groups.pop()  # （市教育局负责，2024年底前完成）: the time limit is no agency
    b = a + groups[-1][1]
    if b - a < 2 or not (note or first_leads or _states_role(text[a:b])):
        return None
    mentions = split_agencies(text[a:b], "lead", a, first_leads)
    if not mentions or not all(_listed(m.agency) for m in mentions):
        return None
    if not any(_names_a_body(m.agency) for m in mentions):
        return None  # （省有关部门按职责分工负责）, （各地负责）
    return a, b


def _names_a_body(name: str) -> bool:
    """One body named with its place (市教育局) or every unit of a level
    named as bodies (各区政府) — not a class (财政部门) nor 各地."""
    if agencies.is_vague(name):
        return name.startswith("各") and agencies.looks_like_agency(name) and not unnamed(name)
    return _named_body(name)


def _time_limit(group: str) -> bool:
    """A time limit written among agencies: 2024年底前完成, 持续推进."""
    if agencies.looks_like_agency(group):
        return False
    return bool(re.search(r"\d", group)) or any(w in group for w in _WORDS["time"])


def _paren_blocks(text: str, skip: list[tuple[int, int]], first_leads: bool) -> list[_Block]:
    out = []
    for m in _PAREN.finditer(text):
        if any(a <= m.start() < b for a, b in skip):
            continue
        body = _paren_list(text, m.start(1), m.end(1), first_leads)
        if body and not _table_line(text, *_line_bounds(text, m.start())):
            out.append(_Block(m.start(), m.end(), body, "paren_list"))
    return out


def _section_intro(text: str, line_end: int, stops: list[int]) -> str:
    """The unnumbered lines right under a heading: its introduction, up to
    the first numbered line, table line, block or blank line after text."""
    lines: list[str] = []
    pos = line_end + 1
    while pos < len(text) and len(lines) < MAX_MEASURE_LINES:
        a, b = _line_bounds(text, pos)
        line = text[a:b].strip()
        pos = b + 1
        if not line:
            if lines:
                break
            continue
        if _enum_style(line) or _table_line(text, a, b) or any(a <= s < b for s in stops):
            break
        lines.append(line)
    return "".join(lines)


def _from_blocks(text: str, ctx: ExtractContext, skip: list[tuple[int, int]], first_leads: bool
                 ) -> list[Responsibility]:
    blocks = _label_blocks(text, skip)
    taken = [(k.start, k.end) for k in blocks]
    blocks += [k for k in _paren_blocks(text, skip, first_leads)
               if not any(a < k.end and k.start < b for a, b in taken)]
    blocks.sort(key=lambda k: k.start)
    stops = [k.start for k in blocks]
    out: list[Responsibility] = []
    last_end = 0
    for block in blocks:
        if block.start < last_end:
            continue
        line_start, line_end = _line_bounds(text, block.start)
        seg_start = max(line_start, last_end)
        measure = text[seg_start:block.start]
        evidence = block.evidence
        heading = _heading_text(measure) if (block.evidence == "paren_list" and seg_start == line_start
                                             and not measure.rstrip().endswith(("。", "."))) else None
        if heading:  # 一、强化科技创新（区科技局牵头）: the whole section's lead
            task = heading
            content = "。".join(x for x in (heading, _section_intro(text, line_end, stops)) if x)
            start, evidence = seg_start + (len(measure) - len(measure.lstrip())), "heading"
        elif measure.strip():
            task, content = _task_of(measure)
            if task is None:
                task = _heading_above(text, seg_start)
            start = seg_start + (len(measure) - len(measure.lstrip()))
        else:
            task, content, start = _measure_above(text, line_start, last_end)
            if content:
                inner_task, content = _task_of(content)
                task = task or inner_task
        last_end = block.end
        if not content and not task:
            continue  # a block with no measure before it assigns nothing
        a, b = block.body
        out += _rows_of(split_agencies(text[a:b], "lead", a, first_leads), ctx, evidence, task=task or None,
                        content=content or None, sentence=text[start:block.end].strip(), start=start,
                        end=block.end)
    return out


def _heading_above(text: str, i: int) -> str | None:
    """The nearest heading line above position ``i`` (a few lines up at most)."""
    end = i - 1
    for _ in range(MAX_MEASURE_LINES):
        if end <= 0:
            return None
        a = text.rfind("\n", 0, end) + 1
        line = text[a:end].strip()
        title = _heading_text(line) if line else None
        if title:
            return title
        if _BLOCK_LABEL.search(line):
            return None
        end = a - 1
    return None


# --- a scope given once for the list below ------------------------------------------------

# 以下各项由各区人民政府负责落实： / 以下措施由市住建局牵头： — the bodies
# carry every numbered item of the list that follows.
_SCOPE_LINE = re.compile(r"以下[^。\n：:由]{0,12}由([^。\n：:]{2,120}?)(负责|牵头)[^。\n：:，,]{0,6}[：:。]?[ \t\u3000]*$",
                         re.M)
MAX_SCOPE_LINES = 60  # lines of a list a scope reaches


def _scoped_items(text: str, pos: int) -> list[tuple[int, int]]:
    """Spans of the numbered items after ``pos``: the first numbered line's
    style and every line of that style (with the unnumbered lines under
    them), up to a line numbered otherwise, a table or a block."""
    items: list[list[int]] = []
    style = None
    for _ in range(MAX_SCOPE_LINES):
        if pos >= len(text):
            break
        a, b = _line_bounds(text, pos)
        pos = b + 1
        line = text[a:b].strip()
        if not line:
            continue
        this = _enum_style(line)
        if _table_line(text, a, b) or (this and style and this != style) or (not this and not items):
            break
        if this:
            style = style or this
            items.append([a, b])
        else:
            items[-1][1] = b
    return [(a, b) for a, b in items]


def _from_scopes(text: str, ctx: ExtractContext, taken: list[tuple[int, int]], first_leads: bool
                 ) -> list[Responsibility]:
    out = []
    for m in _SCOPE_LINE.finditer(text):
        listed = text[m.start(1):m.end(2)]
        mentions = split_agencies(listed, "lead", m.start(1), first_leads)
        if not mentions or not all(_listed(x.agency) for x in mentions):
            continue
        if not any(_named_body(x.agency) and not agencies.is_vague(x.agency) or x.agency.startswith("各")
                   for x in mentions):
            continue
        for a, b in _scoped_items(text, m.end() + 1):
            if any(x < b and a < y for x, y in taken):
                continue  # the item names its own bodies
            task, content = _task_of(text[a:b])
            out += _rows_of(mentions, ctx, "scope", task=task, content=content or None,
                            sentence=text[a:b].strip(), start=a, end=b)
    return out


# --- a list of agencies as the subject of a sentence ---------------------------------

MAX_LIST_SUBJECT = 200  # characters of a subject listing agencies
_SUBJECT_VERBS = dict(tables.rows("responsibility_subject_verbs.tsv"))
_SUBJECT_VERB = re.compile(tables.alternation(_SUBJECT_VERBS))
# Where a subject may open: a clause's start, after a lead-in (具体由) or a number.
_CLAUSE_OPEN = re.compile(r"(?:^|(?<=[。；;！？!?\n，,：:]))[ \t\u3000]*(?:" + _ENUM.pattern.lstrip("^")
                          + r")?(?:" + tables.alternation(_LEAD_INS) + ")?", re.M)
_CLAUSE_STOP = re.compile("[。；;！？!?\n，,：:]")
_LIST_END = re.compile("等(?:部门|单位)$")
_SENTENCE_END = re.compile("[。！？!?；;\n]")
_ARTICLE_LINE = re.compile(r"^[ \t\u3000]*第[一二三四五六七八九十百零〇\d]{1,4}条", re.M)
MIN_ARTICLES = 3  # a page of 第…条 articles states standing duties (gold: optional at most)


def _subject_body(name: str) -> bool:
    """A subject item that names its body: with its place (市公安局) or as
    every unit of a level (各辖市、区政府) — not a class (行业主管部门)."""
    if unnamed(name) or not _named_body(name):
        return False
    return not agencies.is_vague(name) or name.startswith("各")


def _subject_list(subject: str, base: int, role: str) -> list[_Mention]:
    """The agencies of a subject that is nothing but a list of two or more
    bodies named with their place (市公安局、市人社局等部门; 各辖市、区政府和
    常州经开区管委会), else none: 财政、税务部门, 教育部 alone, 会同X… are not."""
    last = _LIST_END.sub("", re.split("[、和及与]", subject)[-1])
    if not agencies.looks_like_agency(last) or _HELPED_BY.match(subject) or not re.search("[、和及与]", subject):
        return []  # cheap tests first: most clauses are no list of bodies
    mentions = split_agencies(subject, role, base)
    if len(mentions) < 2 or not all(_subject_body(x.agency) for x in mentions):
        return []
    if all(agencies.is_vague(x.agency) for x in mentions):
        return []
    return mentions


def _from_list_subjects(text: str, ctx: ExtractContext) -> list[Responsibility]:
    """Sentences whose subject lists named agencies: 市公安局、市人社局、
    市政数局等部门要做好统筹协调，扎实推进…; 具体由市公安局、市人社局负责牵头
    组织.  The content runs from the verb to the sentence's end.  Not in a
    page of articles (第一条 …): a regulation's standing duties are no task."""
    if len(_ARTICLE_LINE.findall(text)) >= MIN_ARTICLES:
        return []
    out = []
    for m in _CLAUSE_OPEN.finditer(text):
        a = m.end()
        stop = _CLAUSE_STOP.search(text, a, a + MAX_LIST_SUBJECT)
        clause_end = stop.start() if stop else min(len(text), a + MAX_LIST_SUBJECT)
        for v in _SUBJECT_VERB.finditer(text, a + 5, clause_end):
            mentions = _subject_list(text[a:v.start()], a, _SUBJECT_VERBS[v.group(0)])
            if mentions:
                break
        else:
            continue
        stop = _SENTENCE_END.search(text, v.end())
        end = stop.start() if stop else len(text)
        kept = v.group(0) in ("负责", "牵头")  # 负责牵头组织 reads whole
        content = text[v.start() if kept else v.end():end].strip(" ，,")
        line_start, _ = _line_bounds(text, a)
        task, _ = _task_of(text[line_start:a])
        out += _rows_of(mentions, ctx, "list_subject", task=task or _heading_above(text, line_start),
                        content=content or None, sentence=text[a:end].strip(), start=a, end=end)
    return out


# --- agencies as subjects of prose ----------------------------------------------------

def _subject_agency(subject: str, ctx: ExtractContext) -> str | None:
    """The subject if it names an agency (or 我部, meaning the issuer)."""
    if subject in _SELF:
        return subject if ctx.issuer else None
    return _named_agency(subject, ctx.region)


_SUBJECT = re.compile(r"[\u4e00-\u9fff、（）()]{2,%d}" % MAX_SUBJECT)


# The same few subjects (各地, 县级以上人民政府, 国务院 …) come back in every
# clause of a law; the agency tables answer each once per region.
@lru_cache(maxsize=1 << 14)
def _named_agency(subject: str, region: str | None) -> str | None:
    if not _SUBJECT.fullmatch(subject):
        return None
    if regions.central_at(subject) and agencies.canonical_agency(subject, region):
        return subject
    if agencies.is_vague(subject):
        # 省级教育行政部门, 行业主管部门: a class of bodies, named as such.
        return subject if subject.endswith(("部门", "单位", "机构")) and not subject.startswith(("各地", "各级")) else None
    if agencies.looks_like_agency(subject) and agencies.canonical_agency(subject, region):
        return subject
    return None


def find_duty_sentences(text: str, ctx: ExtractContext) -> list[Responsibility]:
    """Clauses whose subject is an agency: 教育部将…, 市住房公积金管理中心负责….

    >>> [(r.agency, r.content) for r in find_duty_sentences('市住房公积金管理中心负责审核。', ExtractContext(region='南京市'))]
    [('市住房公积金管理中心', '负责审核')]
    """
    out = []
    start = 0
    n = len(text)
    while start < n:
        stop = _CLAUSE_END_RE.search(text, start)
        end = stop.start() if stop else n
        clause = text[start:end]
        m = _ENUM.match(clause)
        head = m.end() if m else 0
        while head < len(clause) and clause[head] in " \t\u3000":
            head += 1
        for v in _DUTY_VERB.finditer(clause, head, min(len(clause), head + MAX_SUBJECT + 2)):
            subject = clause[head:v.start()]
            agency = _subject_agency(subject, ctx) if subject else None
            if agency is None:
                continue
            content = clause[v.end():].strip(" ，,") if v.group(0) in ("要", "将", "应当", "应", "须", "必须") \
                else clause[v.start():].strip()
            if len(content) < 4:
                break
            role = "support" if v.group(0) == "配合" else "lead"
            found = None
            if agency in _SELF:
                issuer = re.sub("(办公厅|办公室)$", "", ctx.issuer or "")
                found = agencies.canonical_agency(issuer, ctx.region)
            else:
                found = agencies.canonical_agency(agency, ctx.region)
            out.append(Responsibility(
                task=None, content=content, agency=agency, role=role, sentence=clause.strip(),
                start=start, end=end, agency_canonical=found.name if found else None))
            break
        start = end + 1
    return out


# --- all of it ----------------------------------------------------------------------------

SENTENCE_MODES = ("never", "fallback", "always")


def find_responsibilities(text: str, ctx: ExtractContext, tables: tuple = (), *,
                          sentences: str = "never") -> list[Responsibility]:
    """Every (task, content, agency, role) the document assigns.

    ``tables``: HTML tables with rowspan/colspan expanded (rows of cell
    strings).  ``sentences``: whether agency-subject prose counts too —
    ``never`` (default, see the module docstring), ``fallback`` (only when
    the document has no table or block), ``always``.

    >>> rows = find_responsibilities('序号 |\\n工作任务 |\\n主要内容 |\\n责任单位 |\\n1 |\\n构建格局 |\\n'
    ...                              '规划引导 |\\n市发改委会同相关部门 |\\n2 |\\n优化布局 |\\n市教育局 |\\n|',
    ...                              ExtractContext(region='盘锦市'))
    >>> [(r.row, r.task, r.content, r.agency, r.role) for r in rows]
    [(1, '构建格局', '规划引导', '市发改委', 'lead'), (2, '构建格局', '优化布局', '市教育局', 'lead')]
    """
    if sentences not in SENTENCE_MODES:
        raise ValueError(f"sentences must be one of {SENTENCE_MODES}, not {sentences!r}")
    text = text or ""
    first_leads = bool(_FIRST_LEADS.search(text))
    # The body's own rows first: they carry offsets; the same rows from
    # ``tables`` are then duplicates.
    found, used = _from_text_tables(text, ctx, first_leads)
    found += _from_blocks(text, ctx, used, first_leads)
    found += _from_tables(tables, text, ctx, first_leads)
    found += _from_scopes(text, ctx, [(r.start, r.end) for r in found], first_leads)
    if not found:  # beside a table or block, prose is no division of labour
        found = _from_list_subjects(text, ctx)
    if sentences == "always" or (sentences == "fallback" and not found):
        covered = [(r.start, r.end) for r in found]
        found += [r for r in find_duty_sentences(text, ctx)
                  if not any(a <= r.start < b for a, b in covered)]
    out, seen = [], set()
    for r in found:
        key = (_norm(r.content), _norm(r.agency), r.role)
        if key in seen:
            continue  # the same row from an HTML table and from the body
        seen.add(key)
        out.append(r)
    return sorted(out, key=lambda r: (r.start, r.row or 0))
