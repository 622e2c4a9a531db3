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
    # How sure the project is (0 to 1) and why: the evidence names the rule
    # path, its confidence is that path's precision on the development set
    # (extract/data/confidence.tsv).  Set by policykb.extract.confidence.
    confidence: float | None = None
    evidence: str | None = None


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
    # How sure the project is (0 to 1) and why: the evidence names the rule
    # path, its confidence is that path's precision on the development set
    # (extract/data/confidence.tsv).  Set by policykb.extract.confidence.
    confidence: float | None = None
    evidence: str | None = None


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
    # How sure the project is (0 to 1) and why: the evidence names the rule
    # path, its confidence is that path's precision on the development set
    # (extract/data/confidence.tsv).  Set by policykb.extract.confidence.
    confidence: float | None = None
    evidence: str | None = None


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
    # How sure the project is (0 to 1) and why: the evidence names the rule
    # path, its confidence is that path's precision on the development set
    # (extract/data/confidence.tsv).  Set by policykb.extract.confidence.
    confidence: float | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class Period:
    """When the document or a measure in it is in force, loses force, starts or runs.

    ``date_from``/``date_to`` are ISO dates, or ``MM-DD`` for an annual
    period (``recurrence`` annual); ``subject`` is what the period applies to
    (本通知, a measure), ``start``/``end`` the offsets in the body.
    """

    kind: str  # effective, expiry, from, window
    date_from: str | None
    date_to: str | None
    recurrence: str  # once, annual
    subject: str | None
    sentence: str
    start: int
    end: int
    # How sure the project is (0 to 1) and why: the evidence names the rule
    # path, its confidence is that path's precision on the development set
    # (extract/data/confidence.tsv).  Set by policykb.extract.confidence.
    confidence: float | None = None
    evidence: str | None = None


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


@dataclass(frozen=True)
class Sidecar:
    url: str | None = None
    fetched_at: str | None = None
    response_sha256: str | None = None
    http_status: int | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class SourceResult:
    path: str  # relative to the corpus root it was found under
    sha256: str | None
    size: int | None
    status: str  # "ok" or the one-line reason it failed
    encoding: str | None = None
    declared_encoding: str | None = None
    sidecar: Sidecar = Sidecar()
    clean: CleanText | None = None
    extracted: Extracted | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class SourceSummary:
    """What merging needs to know of one ok source (a few hundred bytes)."""

    path: str
    doc_number: str | None
    text_key: str | None  # hash of the normalised body, for a source without a number
    damage: tuple  # see damage(): lower is better
    title: str | None = None
    issuers: tuple[str, ...] = ()
    issuer: str | None = None
    doc_type: str | None = None
    written_date: str | None = None
    published_date: str | None = None
    region: str | None = None
    status: str | None = None  # validity as the page states it
    effective_date: str | None = None  # the document's own, from its periods
    expiry_date: str | None = None


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    primary: str  # path of the source whose text is the body
    source_paths: tuple[str, ...]
    doc_number: str | None
    title: str | None
    title_source: str | None  # page, citation
    issuers: tuple[str, ...]
    issuer: str | None
    doc_type: str | None
    written_date: str | None
    published_date: str | None
    region: str | None
    validity: str | None  # what the page says (有效, 失效 …), then policykb.merge.assess_validity's value
    repealed_by: str | None
    effective_date: str | None = None
    expiry_date: str | None = None
    validity_reason: str | None = None  # why validity says what it says (policykb.merge.assess_validity)
    amended_by: str | None = None

    @property
    def year(self) -> int | None:
        date = self.written_date or self.published_date
        return int(date[:4]) if date else None


@dataclass(frozen=True)
class DocInfo:
    doc_number: str | None
    title: str | None
    issuers: tuple[str, ...]
    issuer: str | None  # the issuers joined with '、'
    doc_type: str | None
    written_date: str | None
    published_date: str | None
    region: str | None
    status: str | None = None  # 有效, 失效, 废止 when the page says so


@dataclass(frozen=True)
class PageInfo:
    """What a component may know of the page beyond the body."""

    meta: dict
    html_title: str | None = None
    links: tuple[str, ...] = ()
    tables: tuple = ()


@dataclass(frozen=True)
class Extracted:
    docinfo: DocInfo
    citations: tuple[Citation, ...]
    targets: tuple[Target, ...]
    deadlines: tuple[Deadline, ...]
    responsibilities: tuple[Responsibility, ...]
    duties: tuple[Responsibility, ...] = ()  # agency-subject sentences (教育部将…)
    periods: tuple[Period, ...] = ()  # when the document or its measures are in force


@dataclass(frozen=True)
class CleanOptions:
    """Which optional stages run (all by default)."""

    repair_mojibake: bool = True
    convert: bool = True
    despin: bool = True


@dataclass(frozen=True)
class CleanText:
    raw_text: str
    body: str
    edits: tuple[Edit, ...]
    meta: dict = field(default_factory=dict)  # page metadata, simplified
    html_title: str | None = None
    links: tuple[str, ...] = ()
    tables: tuple = ()
    traditional: bool = False
    spammed: bool = False
    spin_confidence: float | None = None
    unrecovered: int = 0  # characters lost to mojibake and left marked
