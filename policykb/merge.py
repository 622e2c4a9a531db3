"""From sources to documents: mirrors merged, titles filled, citations linked.

Pure Python over ``SourceResult`` records; the database layer writes what
this returns.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace

from policykb.process import SourceResult
from policykb.records import Citation

# Two bodies under one document number are one notice when this share of
# their 4-character shingles is shared.  Mirrors of the seeds share > 0.8;
# different notices that reuse a number by mistake share < 0.2.
MIRROR_SIMILARITY = 0.5

DAMAGE_KINDS = ("mojibake", "despin", "spam")


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    primary: SourceResult  # the source whose text is the body
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
    validity: str | None  # what the page says (有效, 失效 …) or 已废止 when a document in the base repeals it
    repealed_by: str | None
    citations: tuple[tuple[Citation, str | None], ...]  # with the cited document's id when in the base

    @property
    def year(self) -> int | None:
        date = self.written_date or self.published_date
        return int(date[:4]) if date else None


def normalised(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def stable_id(key: str) -> str:
    """Twelve hex digits derived from what identifies the document.

    >>> stable_id("num:教职成厅函〔2023〕23号")
    '359fa9866a7c'
    """
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def shingles(text: str, size: int = 4) -> set[int]:
    text = normalised(text)[:20000]
    return {hash(text[i:i + size]) for i in range(max(len(text) - size + 1, 1))}


def similarity(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / max(len(sa | sb), 1)


def damage(result: SourceResult) -> tuple:
    """Lower is better: which mirror's text becomes the body."""
    clean = result.clean
    repaired = sum(1 for e in clean.edits if any(k in e.kind for k in DAMAGE_KINDS))
    return (clean.unrecovered, repaired / max(len(clean.body), 1), -len(clean.body), result.path)


def _groups(results: list[SourceResult]) -> dict[str, list[SourceResult]]:
    groups: dict[str, list[SourceResult]] = defaultdict(list)
    for r in sorted(results, key=lambda r: r.path):
        info = r.extracted.docinfo
        if info.doc_number:
            key = f"num:{info.doc_number}"
            # Same number but a different text: not a mirror; keep apart.
            if groups[key] and similarity(groups[key][0].clean.body, r.clean.body) < MIRROR_SIMILARITY:
                key = f"num:{info.doc_number}|{r.path}"
        else:
            key = "text:" + hashlib.sha1(normalised(r.clean.body).encode("utf-8")).hexdigest()
        groups[key].append(r)
    return groups


def _first(values):
    return next((v for v in values if v), None)


def documents_from_sources(results: list[SourceResult]) -> list[DocumentRecord]:
    """Merge mirrors into documents and link citations within the base."""
    docs: list[DocumentRecord] = []
    for key, members in _groups([r for r in results if r.ok]).items():
        members = sorted(members, key=damage)
        primary = members[0]
        infos = [m.extracted.docinfo for m in members]
        title = _first(i.title for i in infos)
        docs.append(DocumentRecord(
            id=stable_id(key), primary=primary, source_paths=tuple(m.path for m in members),
            doc_number=infos[0].doc_number, title=title, title_source="page" if title else None,
            issuers=next((i.issuers for i in infos if i.issuers), ()), issuer=_first(i.issuer for i in infos),
            doc_type=_first(i.doc_type for i in infos), written_date=_first(i.written_date for i in infos),
            published_date=_first(i.published_date for i in infos), region=_first(i.region for i in infos),
            validity=_first(getattr(i, "status", None) for i in infos), repealed_by=None,
            citations=tuple((c, None) for c in primary.extracted.citations)))
    return link(docs)


def link(docs: list[DocumentRecord]) -> list[DocumentRecord]:
    """Titles from citations elsewhere, citation targets, repeal status."""
    cited_titles: dict[str, str] = {}
    for doc in docs:
        for citation, _ in doc.citations:
            if citation.cited_doc_number and citation.cited_title:
                cited_titles.setdefault(citation.cited_doc_number, citation.cited_title)
    docs = [replace(d, title=cited_titles[d.doc_number], title_source="citation")
            if not d.title and d.doc_number in cited_titles else d for d in docs]
    by_number = {d.doc_number: d.id for d in docs if d.doc_number}
    by_title: dict[str, str | None] = {}
    for d in docs:
        if d.title:
            # A title two documents share identifies neither.
            by_title[d.title] = None if d.title in by_title else d.id
    repealed: dict[str, str] = {}
    linked = []
    for d in docs:
        citations = []
        for c, _ in d.citations:
            target = by_number.get(c.cited_doc_number) if c.cited_doc_number else None
            if target is None and c.cited_title:
                target = by_title.get(c.cited_title)
            if target == d.id:
                target = None
            if target and c.relation == "repeals":
                repealed.setdefault(target, d.id)
            citations.append((c, target))
        linked.append(replace(d, citations=tuple(citations)))
    return [replace(d, repealed_by=repealed[d.id], validity="已废止") if d.id in repealed else d
            for d in linked]
