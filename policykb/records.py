"""Plain records passed between the stages.

Every stage is a function from text (or a record) to these frozen dataclasses;
only ``db/`` knows how they become rows.  Character offsets (``start``/``end``)
are positions in the text the record was found in: raw text for edits, the
clean body for everything extracted.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Edit:
    """One change between ``raw_text`` and ``body``.

    ``raw_text[start:end] == original`` and, replayed left to right, the
    edits turn ``raw_text`` into ``body``.
    """

    kind: str  # boilerplate, spam, pinyin, mojibake, convert, despin, markup, whitespace …
    start: int
    end: int
    original: str
    replacement: str
    note: str | None = None  # e.g. "unrecovered" for a mojibake mark, a confidence


@dataclass(frozen=True)
class Citation:
    cited_doc_number: str | None
    cited_title: str | None
    relation: str  # cites, repeals, amends
    sentence: str
    start: int
    end: int


@dataclass(frozen=True)
class Target:
    year: int | None
    quantity: float
    unit: str
    qualifier: str | None
    object: str
    sentence: str
    start: int
    end: int
    quantity_max: float | None = None  # upper end of a range (3至5个)


@dataclass(frozen=True)
class Deadline:
    recurrence: str  # once, annual
    date: str | None  # YYYY-MM-DD, for once
    month_day: str | None  # MM-DD, for annual
    from_year: int | None
    action: str | None
    sentence: str
    start: int
    end: int
    kind: str = "due"  # due, from, window_start, window_end, effective, expiry


@dataclass(frozen=True)
class Responsibility:
    task: str | None
    content: str | None
    agency: str  # as written: 市发改委
    role: str  # lead, support
    sentence: str
    start: int
    end: int
    agency_canonical: str | None = None  # 盘锦市发展和改革委员会
    row: int | None = None  # the table row it came from


@dataclass(frozen=True)
class ExtractContext:
    """What the extractors may know about a document beyond its text."""

    region: str | None = None  # 全国, 辽宁省, 盘锦市 …
    issuer: str | None = None
    written_date: str | None = None
    published_date: str | None = None
    doc_number: str | None = None


@dataclass(frozen=True)
class PageLine:
    """One line of a page's visible text, with the zone it was found in."""

    text: str
    zone: str  # content, meta (fields, not body), chrome (site boilerplate), spam


@dataclass(frozen=True)
class Page:
    """What an HTML (or text) page offers before cleaning."""

    lines: tuple[PageLine, ...]
    html_title: str | None = None
    meta: dict = field(default_factory=dict)  # label -> value: 发文字号, 成文日期, 发布机构 …
    links: tuple[str, ...] = ()  # link labels that may carry a doc number (PDF links)
    # HTML tables with rowspan/colspan expanded: one list of cell texts per row.
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()
