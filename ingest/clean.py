"""The cleaning stages, in order, from a page's raw text to the body.

Each stage proposes edits on the text the previous one left; ``EditLog``
keeps them all traceable to raw-text positions.  The order matters:

1. zones: lines the page zoner found to be site chrome, metadata or spam go
   first, so no later stage wastes time on them;
2. mojibake of text decoded in the wrong code page (UTF-8 read as GBK,
   Big5 or Windows-1252: ``ingest/recode.py``), before anything else reads
   the characters (the byte AD of 计 in UTF-8 read as Latin-1 is a soft
   hyphen);
3. a mirror's site tag opening the text (``data/site_tags.tsv``), then
   zero-width characters;
4. mojibake of GBK read one byte out of step (``ingest/mojibake.py``),
   repaired while the pinyin glosses that help recover lost characters are
   still there;
5. markup: HTML residue in text scrapes (``</p>``) and entities (after
   mojibake, which can swallow a tag's ``<``), then pinyin glosses;
6. traditional → simplified (OpenCC), only for traditional documents;
7. spam phrases dropped inside sentences;
8. spun words reversed, only in a document detected as spun;
9. whitespace: indentation and blank lines.
"""

from __future__ import annotations

from policykb.records import CleanOptions, CleanText  # noqa: F401 (moved; imported from here too)

import html
import re
from dataclasses import dataclass, field

from policykb.ingest.convert import conversions_and_script, to_simplified
from policykb.ingest.despin import despin
from policykb.ingest.edits import EditLog, Proposal, apply_proposals
from policykb.ingest.mojibake import find_mojibake_repairs
from policykb.ingest.pinyin import find_glosses
from policykb.ingest.recode import find_recode_repairs
from policykb.ingest.spam import find_spam
from policykb.ingest.text_page import find_site_tags
from policykb.records import Edit, Page

ZONE_KINDS = {"chrome": "boilerplate", "meta": "metadata", "spam": "spam"}

MARKUP = re.compile(
    r"</?(?:p|span|div|br|strong|b|i|u|em|font|a|td|tr|th|table|tbody|thead|h[1-6]|li|ul|ol|"
    r"section|article|center|sup|sub)\b[^<>\n]{0,300}?/?>|<!--[^\n]{0,300}?-->"
    r"|&(?:nbsp|amp|lt|gt|quot|apos|ensp|emsp|ldquo|rdquo|middot|hellip|mdash);|&#x?[0-9a-fA-F]{1,6};",
    re.I)
# A Markdown heading's marks: "## 第一章 总则" (one to six #, then a blank).
MD_HEADING = re.compile(r"^#{1,6}[ \t]+(?=\S)", re.M)
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]+")
# Leading and trailing blanks of a line (full-width and no-break spaces too).
# The lookbehind lets only the first blank of a run start a trailing match:
# without it each blank of a run inside a line retries to its end (quadratic).
EDGE_SPACE = re.compile(r"^[^\S\n]+|(?<![^\S\n])[^\S\n]+$", re.M)
# A line that is empty once stripped (\s is what str.strip removes), up to
# the line break that ends it.
BLANK_LINE = re.compile(r"^[^\S\n]*+(?=\n)", re.M)


def zone_deletions(page: Page) -> list[tuple[int, int, str, str]]:
    """(start, end, "", kind) deleting every non-content line with its line break."""
    out: list[tuple[int, int, str, str]] = []
    pos = 0
    n = len(page.lines)
    for i, line in enumerate(page.lines):
        end = pos + len(line.text)
        kind = ZONE_KINDS.get(line.zone)
        if kind:
            # Take the line break after the line (or, for the last line, the
            # one before it) so no empty line is left behind.
            start, stop = (pos, end + 1) if i < n - 1 else (max(pos - 1, 0), end)
            if out and out[-1][1] >= start and out[-1][3] == kind:
                out[-1] = (out[-1][0], stop, "", kind)
            elif out and out[-1][1] > start:
                out.append((out[-1][1], stop, "", kind))
            else:
                out.append((start, stop, "", kind))
        pos = end + 1
    return [d for d in out if d[1] > d[0]]


def find_markup(text: str) -> list[Proposal]:
    """HTML tags, comments and entities left in a text scrape, and the # marks
    of a scrape kept as Markdown.

    >>> find_markup("对接</span> |&nbsp;")
    [(2, 9, ''), (11, 17, '\\xa0')]
    >>> find_markup("# 总则\\n<!-- INFO END -->\\n#1楼")
    [(0, 2, ''), (5, 22, '')]
    """
    found = [(m.start(), m.end(), "" if m.group().startswith("<") else html.unescape(m.group()))
             for m in MARKUP.finditer(text)]
    found += [(m.start(), m.end(), "") for m in MD_HEADING.finditer(text)]
    return sorted(found)


def find_invisible(text: str) -> list[Proposal]:
    return [(m.start(), m.end(), "") for m in INVISIBLE.finditer(text)]


def find_blank_space(text: str) -> list[Proposal]:
    """Indentation, trailing blanks and empty lines."""
    out: list[Proposal] = [(m.start(), m.end(), "") for m in EDGE_SPACE.finditer(text)]
    # Empty (after stripping) lines: delete the line break that ends them.
    out += [(m.end(), m.end() + 1, "") for m in BLANK_LINE.finditer(text)]
    if text.endswith("\n"):
        out.append((len(text) - 1, len(text), ""))
    return _disjoint(out)


def _disjoint(proposals: list[Proposal]) -> list[Proposal]:
    out: list[Proposal] = []
    for p in sorted(set(proposals)):
        if out and p[0] < out[-1][1]:
            continue
        out.append(p)
    return out


def _apply_repairs(log: EditLog, repairs, notes: bool = False) -> int:
    """Apply mojibake repairs, one edit each (noting what damage each undid,
    with ``notes``); returns the characters left unrecovered (〓)."""
    for r in reversed(repairs):
        note = r.note if notes else None
        if not r.recovered:
            note = "unrecovered" + (f"; {note}" if note else "")
        log.apply([(r.start, r.end, r.replacement)], "mojibake", note)
    return sum(r.replacement.count("〓") for r in repairs if not r.recovered)


def clean_meta_value(value: str) -> str:
    """A metadata value as a field: glosses out, simplified, trimmed."""
    value = apply_proposals(value, find_glosses(value))
    return to_simplified(INVISIBLE.sub("", value)).strip(" \t\r\n\u3000\xa0|:：")


def clean_page(page: Page, options: CleanOptions = CleanOptions()) -> CleanText:
    """Clean a page, recording every edit.

    >>> from policykb.records import PageLine
    >>> page = Page((PageLine("點擊次數:5", "chrome"), PageLine("發(fā)展</p>", "content")))
    >>> result = clean_page(page)
    >>> result.body, [e.kind for e in result.edits]
    ('发展', ['boilerplate', 'convert', 'pinyin', 'markup'])
    """
    raw = "\n".join(line.text for line in page.lines)
    log = EditLog(raw)
    log.delete_raw((start, end, kind) for start, end, _, kind in zone_deletions(page))
    unrecovered = 0
    if options.repair_mojibake:
        unrecovered += _apply_repairs(log, find_recode_repairs(log.text), notes=True)
    log.apply(find_site_tags(log.text), "boilerplate")
    log.apply(find_invisible(log.text), "invisible")
    if options.repair_mojibake:
        unrecovered += _apply_repairs(log, find_mojibake_repairs(log.text))
    # After mojibake: a misaligned GBK byte can swallow the "<" of a tag.
    log.apply(find_markup(log.text), "markup")
    log.apply(find_glosses(log.text), "pinyin")
    conversions, traditional = conversions_and_script(log.text)
    log.apply(conversions if options.convert else [], "convert")
    spam, spammed = find_spam(log.text, any(line.zone == "spam" for line in page.lines))
    log.apply(spam, "spam")
    spin_confidence = None
    if options.despin:
        result = despin(log.text)
        spin_confidence = result.confidence
        if result.spun:
            log.apply(result.edits, "despin", f"confidence {result.confidence:.2f}")
    log.apply(find_blank_space(log.text), "whitespace")
    return CleanText(
        raw_text=raw,
        body=log.text,
        edits=tuple(log.edits()),
        meta={key: clean_meta_value(value) for key, value in page.meta.items() if value},
        html_title=clean_meta_value(page.html_title) if page.html_title else None,
        links=tuple(clean_meta_value(link) for link in page.links),
        tables=tuple(tuple(tuple(clean_meta_value(cell) for cell in row) for row in table)
                     for table in page.tables),
        traditional=traditional,
        spammed=spammed,
        spin_confidence=spin_confidence,
        unrecovered=unrecovered,
    )
