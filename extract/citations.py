"""What a document cites: every 《title》 and every document number in its body.

``《教育部办公厅关于开展市域产教联合体建设的通知》（教职成厅函〔2023〕15号）`` is
one citation with both a title and a number; ``《关于深化现代职业教育体系建设改革的
意见》`` is a title-only citation; ``按照国办发〔2019〕3号文件`` a number-only one.
Laws, standards and lists in 《》 count too (《职业院校数字校园规范》); newspapers
do not (data file ``citation_not_documents.tsv``).

Not citations: the document's own number (given, or standing alone on one of
the first lines), an attachment it issues itself (现将《…办法》印发给你们), and
short names it defines (以下简称《办法》).  The same citation made twice counts
once, with the sentence of its first mention.

The relation — cites, repeals, amends — comes from cue words in the same
clause (data file ``citation_relations.tsv``).

Scanning is one pass over the text with a stack for nested 《》, so hostile
input (100,000 《 without 》) costs linear time.
"""

from __future__ import annotations

import re
from functools import lru_cache

from policykb.extract.docnumber import find_doc_numbers, leading_doc_number, normalise_doc_number
from policykb.records import Citation

from policykb.extract.scan import finditer_from
from policykb.extract.tables import rows

# Longest title seen in the development pages is about 90 characters (a 关于印
# 发《…》的通知 with a long inner title); 200 leaves room and bounds the work
# a stray 《 can cause.
MAX_TITLE = 200
# Characters allowed between 》 and the bracket holding its number: 》（…号）.
_NUMBER_AFTER_TITLE = re.compile(r"[\s\u200b]{0,3}[(（〔\[［]?[\s\u200b]{0,3}")
_SENTENCE_END = "。！？!?\n"
_STATE_PREFIX = "中华人民共和国"
_RELATION_RANK = {"cites": 0, "amends": 1, "repeals": 2}
_CLAUSE_END = "。！？!?；;，,\n"




@lru_cache(maxsize=1)
def _not_document_suffixes() -> tuple[str, ...]:
    return tuple(r[0] for r in rows("citation_not_documents.tsv"))


_TRAILING_PART = re.compile(r"[(（][^()（）]{1,4}[)）]$")


def names_no_document(name: str) -> bool:
    """Whether a name in 《》 is a newspaper, a form, a table or a red header,
    not a document (data file ``citation_not_documents.tsv``); a part number
    after it does not change what it is.

    >>> names_no_document("增值税纳税申报表附列资料(一)"), names_no_document("经营所得个人所得税月（季）度申报（A表）")
    (True, True)
    >>> names_no_document("湖南省人民政府办公厅文件"), names_no_document("关于开展市域产教联合体建设的通知")
    (True, False)
    """
    bare = _TRAILING_PART.sub("", name)
    return name.endswith(_not_document_suffixes()) or bare.endswith(_not_document_suffixes()) or (
        bare != name and _TRAILING_PART.search(name).group()[1:-1].endswith(_not_document_suffixes()))


def _relation_cues() -> tuple[tuple[str, str, str], ...]:
    return tuple((r[0], r[1], r[2]) for r in rows("citation_relations.tsv"))


# --------------------------------------------------------------------------
# Finding


_TITLE_EVENTS = re.compile("[《》\n]")


def title_spans(text: str) -> list[tuple[int, int]]:
    """Outermost 《…》 spans as (start of 《, end after 》), in text order.

    Nested 《》 inside a title belong to it; a 《 never closed on its line (or
    within ``MAX_TITLE`` characters) is dropped, and the titles nested in it
    are kept as outermost ones.

    >>> title_spans('按《关于印发〈A办法〉的通知》和《B》')
    [(1, 15), (16, 19)]
    """
    spans: list[tuple[int, int]] = []
    stack: list[int] = []  # positions of open 《
    pending: list[list[tuple[int, int]]] = []  # closed spans inside each open level

    def abandon() -> None:
        for children in pending:
            spans.extend(children)
        stack.clear()
        pending.clear()

    # Only 《, 》 and line breaks change anything: visit those.  A title too
    # long to close is dropped at the next of them instead of at the very
    # character where it became too long, which leaves the same spans.
    for m in _TITLE_EVENTS.finditer(text):
        pos, ch = m.start(), m.group()
        if stack and (ch == "\n" or pos - stack[0] > MAX_TITLE):
            abandon()
        if ch == "《":
            stack.append(pos)
            pending.append([])
        elif ch == "》" and stack:
            start = stack.pop()
            pending.pop()
            if pending:
                pending[-1].append((start, pos + 1))
            else:
                spans.append((start, pos + 1))
    abandon()
    spans.sort()
    return spans


def clean_title(raw: str) -> str:
    """A cited title as stored: no outer 《》, inner 〈〉 and <> as 《》, no spaces."""
    inner = raw[1:-1] if raw.startswith("《") and raw.endswith("》") else raw
    inner = inner.translate(str.maketrans({"〈": "《", "〉": "》", "<": "《", ">": "》", "＜": "《", "＞": "》"}))
    return re.sub(r"[\s\u200b-\u200d\u2060\ufeff\u3000\xa0]+", "", inner)


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in _SENTENCE_END) + 1
    rights = [i for i in (text.find(c, end) for c in _SENTENCE_END) if i >= 0]
    right = min(rights) if rights else len(text)
    if right < len(text) and text[right] not in "\n":
        right += 1  # keep the 。
    return text[left:right].strip()


def _relation(text: str, start: int, end: int) -> str:
    """cites, repeals or amends, from cue words around text[start:end]."""
    # The clause after the citation, skipping a bracket right after it
    # (（2019年修订）, （京建发〔2019〕1号）).
    after = text[end:end + 80]
    after = re.sub(r"^\s*[(（][^()（）\n]{0,40}[)）]", "", after)
    clause_end = min([i for i in (after.find(c) for c in _CLAUSE_END) if i >= 0] or [len(after)])
    after = after[:clause_end]
    before = text[max(0, start - 6):start]
    for relation, cue, where in _relation_cues():
        if where == "after" and cue in after and f"{cue}后" not in after:
            return relation
        if where == "before" and cue in before[-(len(cue) + 3):] and not before.endswith(("后的", "后")):
            return relation
    return "cites"


_ALIAS = re.compile(r"简称\s*$")


# Blanks, not \s: with re.M, \s* would run across every following newline
# from each line start (quadratic on a run of empty lines).
_ATTACHMENT_LINE = re.compile(r"^[ \t\u3000]*附件[ \t\u3000]*\d*[ \t\u3000]*[：:][ \t\u3000]*(.+)$", re.M)
_LIST_MARK = re.compile(r"^\s*(?:\d+|[一二三四五六七八九十]+)\s*[.．、]\s*")


def _attachment_names(text: str) -> set[str]:
    """Names on 附件：… lines: the document's own attachments, not citations."""
    names: set[str] = set()
    for m in _ATTACHMENT_LINE.finditer(text):
        for part in re.split(r"[、；;]", m.group(1)):
            name = clean_title(_LIST_MARK.sub("", part).strip().strip("《》"))
            if len(name) >= 4:
                names.add(name)
    return names


def _is_bare_type_word(name: str) -> bool:
    """《通知》, 《意见》, 《实施办法》: a short name for a document, never a title."""
    core = name[1:] if name.startswith("本") else name
    return core in _type_words()


@lru_cache(maxsize=1)
def _type_words() -> frozenset[str]:
    from policykb.extract.docinfo import _doc_types  # the 文种 table lives there

    return frozenset(suffix for suffix, _ in _doc_types())


def _is_alias(text: str, start: int) -> bool:
    """以下简称《办法》: a short name for something already cited."""
    return bool(_ALIAS.search(text[max(0, start - 6):start]))


_ISSUE_VERB = re.compile(r"(?:现将|现予|现)?(?:印发给你们|印发你们|予以印发|印发给|现印发|予印发)")
_ISSUE_VERB_FIRST = re.compile("[现印予]")  # where an _ISSUE_VERB match can start
_HEADING_LINES = 3


def _issued_titles(text: str, titles: list[tuple[int, int]]) -> set[str]:
    """Titles of what the document itself issues, not cites.

    关于印发《X》的通知 in a heading line, 现将《X》印发给你们, and 《X》已经市政府
    同意，现印发给你们 (the last 《》 before the verb in its sentence).
    """
    issued: set[str] = set()
    heading_end = 0
    for _ in range(_HEADING_LINES):
        nxt = text.find("\n", heading_end)
        if nxt < 0:
            heading_end = len(text)
            break
        heading_end = nxt + 1
    for s, e in titles:
        if s < heading_end and text[max(0, s - 2):s] == "印发" and "转发" not in text[max(0, s - 12):s]:
            issued.add(clean_title(text[s:e]))
    for m in finditer_from(_ISSUE_VERB, _ISSUE_VERB_FIRST, text):
        sentence_start = max(text.rfind(c, 0, m.start()) for c in _SENTENCE_END) + 1
        before = [(s, e) for s, e in titles if sentence_start <= s and e <= m.start()]
        if before and "转发" not in text[before[-1][1]:m.start()]:
            s, e = before[-1]
            issued.add(clean_title(text[s:e]))
    return issued


# 国务院关于…的通知（国发〔2019〕3号）: a title written without 《》.
_BARE_TITLE_STOP = re.compile(r"(?:根据|按照|依据|依照|贯彻落实|落实|执行|参照|对照|转发|印发的|[。，,；;：:、“”\"《》\n])")


def _bare_title(text: str, number_start: int) -> str | None:
    head = text[max(0, number_start - 100):number_start]
    m = re.search(r"[(（〔\[［]\s*$", head)
    if not m:
        return None
    head = head[: m.start()]
    cut = 0
    for stop in _BARE_TITLE_STOP.finditer(head):
        cut = stop.end()
    candidate = head[cut:].strip()
    if 6 <= len(candidate) <= 90 and "关于" in candidate:
        from policykb.extract.docinfo import _type_of_title  # the 文种 table lives there

        if _type_of_title(candidate):
            return candidate
    return None


def _own_title(text: str, own_title: str | None) -> str | None:
    """The document's own title: given, or the heading on the body's first line."""
    if own_title:
        return clean_title(own_title)
    first = text.lstrip().split("\n", 1)[0].strip()
    if 6 <= len(first) <= 150 and "关于" in first and not re.search(r"[。；：:]", first):
        return clean_title(first)
    return None


def find_citations(body: str, own_doc_number: str | None, own_title: str | None = None) -> list[Citation]:
    """Every document ``body`` cites, first mention first.

    ``own_title`` (optional; else the heading line, when the body starts with
    one) keeps a page from citing itself: 市商务局制定了《(own title)》.

    >>> [(c.cited_doc_number, c.cited_title, c.relation) for c in find_citations(
    ...     '根据《教育部办公厅关于开展市域产教联合体建设的通知》(教职成厅函〔2023〕15号),现予公布。', None)]
    [('教职成厅函〔2023〕15号', '教育部办公厅关于开展市域产教联合体建设的通知', 'cites')]
    """
    text = body or ""
    own = {n for n in (normalise_doc_number(own_doc_number),) if n}
    leading = leading_doc_number(text)
    if leading:
        own.add(leading[2])

    numbers = find_doc_numbers(text)
    by_start = {s: (s, e, n) for s, e, n in numbers}
    titles = title_spans(text)
    used_numbers: set[int] = set()
    raw: list[tuple[int, int, str | None, str | None]] = []  # start, end, number, title

    # Short names it defines and attachments it issues are excluded at every
    # mention, not only where they are introduced.
    skip = {clean_title(text[s:e]) for s, e in titles if _is_alias(text, s)} | _issued_titles(text, titles)
    skip |= _attachment_names(text)
    mine = _own_title(text, own_title)
    if mine:
        skip.add(mine)
    for s, e in titles:
        name = clean_title(text[s:e])
        if len(name) < 2 or name in skip or _is_bare_type_word(name):
            continue
        if names_no_document(name):
            continue
        gap = _NUMBER_AFTER_TITLE.match(text, e)
        hit = by_start.get(gap.end()) if gap else None
        number = None
        end = e
        if hit and hit[0] not in used_numbers:
            used_numbers.add(hit[0])
            number, end = hit[2], hit[1]
            if number in own:
                number = None
        raw.append((s, end, number, name))

    inside = [(s, e) for s, e in titles]
    for s, e, n in numbers:
        if s in used_numbers or n in own:
            continue
        if any(ts <= s < te for ts, te in inside):
            continue  # 《关于…（京建发〔2019〕1号）的解读》: part of a title
        raw.append((s, e, n, _bare_title(text, s)))

    raw.sort()
    # 《行政处罚法》 after 《中华人民共和国行政处罚法》: the short form of a law.
    full_names = {name for _, _, _, name in raw if name and name.startswith(_STATE_PREFIX)}
    raw = [r for r in raw if r[2] or not r[3] or _STATE_PREFIX + r[3] not in full_names]
    out: list[Citation] = []
    index: dict[str, int] = {}
    for s, e, number, name in raw:
        keys = [k for k in (number and "#" + number, name and "@" + name) if k]
        known = next((index[k] for k in keys if k in index), None)
        if known is not None:
            first = out[known]
            # One citation, first sentence; a later mention may add the number
            # (cited by title first) or a stronger relation (…同时废止 at the end).
            relation = _relation(text, s, e)
            if _RELATION_RANK[relation] > _RELATION_RANK[first.relation] or (number and not first.cited_doc_number):
                out[known] = Citation(first.cited_doc_number or number, first.cited_title or name,
                                      max(first.relation, relation, key=_RELATION_RANK.get),
                                      first.sentence, first.start, first.end)
            for k in keys:
                index.setdefault(k, known)
            continue
        for k in keys:
            index[k] = len(out)
        out.append(Citation(number, name, _relation(text, s, e), _sentence(text, s, e), s, e))
    return out
