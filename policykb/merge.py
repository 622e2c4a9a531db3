"""From sources to documents: mirrors merged, titles filled, citations linked.

Pure Python over small per-source summaries (``SourceSummary``: numbers,
titles, dates, a damage score), so that a build of any size keeps only these
in memory; the texts and extracted records wait in the database, which the
caller reads through the functions passed in (``body_of``, the cited titles,
the repeals).

>>> docs = documents_from_summaries([SourceSummary("a.txt", "国办发〔2024〕1号", None, (0, 0.0, -9, "a.txt"),
...                                                  "关于印发某办法的通知")], body_of=lambda path: "")
>>> docs[0].id, docs[0].primary, docs[0].title
('9af74aefa48f', 'a.txt', '关于印发某办法的通知')
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from typing import Callable, Iterable

from policykb.extract.docinfo import names_a_document
from policykb.extract.periods import document_dates
from policykb.records import DocumentRecord, SourceResult, SourceSummary

# Two bodies under one document number are one notice when this share of
# their 4-character shingles is shared.  Mirrors of the seeds share > 0.8;
# different notices that reuse a number by mistake share < 0.2.
MIRROR_SIMILARITY = 0.5
# A title is shared more often than a number (two cities' 关于调整住房公积金贷款
# 政策的通知): under one title only near-copies merge.
TITLE_MIRROR_SIMILARITY = 0.8
FIRSTS_KEPT = 16
MIN_KEY_TITLE = 8

DAMAGE_KINDS = ("mojibake", "despin", "spam")


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


def jaccard(sa: set[int], sb: set[int]) -> float:
    return len(sa & sb) / max(len(sa | sb), 1)


def damage(result: SourceResult) -> tuple:
    """Lower is better: which mirror's text becomes the body."""
    clean = result.clean
    repaired = sum(1 for e in clean.edits if any(k in e.kind for k in DAMAGE_KINDS))
    return (clean.unrecovered, repaired / max(len(clean.body), 1), -len(clean.body), result.path)


def summarise(result: SourceResult) -> SourceSummary:
    """The summary of an ok source: everything merging and linking read of it."""
    info = result.extracted.docinfo
    effective_date, expiry_date = document_dates(result.extracted.periods)
    text_key = None if info.doc_number else hashlib.sha1(normalised(result.clean.body).encode("utf-8")).hexdigest()
    return SourceSummary(path=result.path, doc_number=info.doc_number, text_key=text_key, damage=damage(result),
                         title=info.title, issuers=tuple(info.issuers or ()), issuer=info.issuer,
                         doc_type=info.doc_type, written_date=info.written_date,
                         published_date=info.published_date, region=info.region,
                         status=getattr(info, "status", None), effective_date=effective_date,
                         expiry_date=expiry_date)


def identity_key(s: SourceSummary) -> str:
    """What names the document a source holds; its id is a hash of this.

    The number when it has one.  Else its title, issuer and date of writing:
    all three survive improvements to cleaning, so the id (and every link to
    it) does too, and mirrors whose bodies differ a little (one kept a spam
    line) still merge; the date keeps two versions of one law apart.  Only a
    title that reads as a document's (关于…, …的通知, …条例) and is at least
    MIN_KEY_TITLE long names one: 通知 alone names too little, and a line
    taken for the title (令订定发布全文 28 条, in 23 Taiwanese orders) names
    nothing.  Without a date of writing two versions of one law (2020 and
    2024, most articles alike) would pass for mirrors.  The body's hash is
    the last resort.

    >>> identity_key(SourceSummary("a.txt", None, "9f2c", (), title="关于做好 秋季开学工作的通知", issuer="某市教育局",
    ...                            written_date="2024-08-20"))
    'title:关于做好秋季开学工作的通知|某市教育局|2024-08-20'
    """
    if s.doc_number:
        return f"num:{s.doc_number}"
    title = normalised(s.title)
    if len(title) >= MIN_KEY_TITLE and names_a_document(title) and s.written_date:
        return f"title:{title}|{s.issuer or ''}|{s.written_date}"
    return "text:" + s.text_key


def _groups(summaries: Iterable[SourceSummary], body_of: Callable[[str], str]) -> dict[str, list[SourceSummary]]:
    groups: dict[str, list[SourceSummary]] = defaultdict(list)
    # The shingles of a group's first text are made once for a run of
    # comparisons (one title on many laws), but only a few are kept: a set is
    # up to 1.4 MB, and tw_laws has 390 titles shared by different laws.
    first_shingles = lru_cache(maxsize=FIRSTS_KEPT)(lambda path: shingles(body_of(path)))
    for s in sorted(summaries, key=lambda s: s.path):
        key = identity_key(s)
        # The same name on a different text (a number reused by mistake, a
        # common title): not a mirror; keep it apart.
        if not key.startswith("text:") and groups[key]:
            bar = MIRROR_SIMILARITY if key.startswith("num:") else TITLE_MIRROR_SIMILARITY
            if jaccard(first_shingles(groups[key][0].path), shingles(body_of(s.path))) < bar:
                key = f"{key}|{s.path}"
        groups[key].append(s)
    return groups


def _first(values):
    return next((v for v in values if v), None)


def documents_from_summaries(summaries: Iterable[SourceSummary], body_of: Callable[[str], str]) -> list[DocumentRecord]:
    """Mirrors merged into documents, in the order of their first source's path.

    ``body_of(path)`` gives a source's clean body; it is asked only for
    sources that share a number or a title key with another."""
    docs: list[DocumentRecord] = []
    for key, members in _groups(summaries, body_of).items():
        members = sorted(members, key=lambda s: s.damage)
        title = _first(m.title for m in members)
        docs.append(DocumentRecord(
            id=stable_id(key), primary=members[0].path, source_paths=tuple(m.path for m in members),
            doc_number=members[0].doc_number, title=title, title_source="page" if title else None,
            issuers=next((m.issuers for m in members if m.issuers), ()), issuer=_first(m.issuer for m in members),
            doc_type=_first(m.doc_type for m in members), written_date=_first(m.written_date for m in members),
            published_date=_first(m.published_date for m in members), region=_first(m.region for m in members),
            validity=_first(m.status for m in members), repealed_by=None,
            effective_date=_first(m.effective_date for m in members),
            expiry_date=_first(m.expiry_date for m in members)))
    return docs


def titles_from_citations(docs: list[DocumentRecord],
                          cited: Callable[[], Iterable[tuple[str, str]]]) -> list[DocumentRecord]:
    """A document without a title takes the title the first citation of its
    number gives.  ``cited()``: (cited number, cited title) of every citation
    that has both, documents in order, each document's citations in order."""
    untitled = {d.doc_number for d in docs if not d.title and d.doc_number}
    if not untitled:
        return docs
    titles: dict[str, str] = {}
    for number, title in cited():
        if number in untitled:
            titles.setdefault(number, title)
    return [replace(d, title=titles[d.doc_number], title_source="citation")
            if not d.title and d.doc_number in titles else d for d in docs]


def link_maps(docs: list[DocumentRecord]) -> tuple[dict[str, str], dict[str, str | None]]:
    """How a citation finds its target: by number (the last document with it),
    else by title (None for a title two documents share: it identifies neither)."""
    by_number = {d.doc_number: d.id for d in docs if d.doc_number}
    by_title: dict[str, str | None] = {}
    for d in docs:
        if d.title:
            by_title[d.title] = None if d.title in by_title else d.id
    return by_number, by_title


def resolve(number: str | None, title: str | None, citing_id: str, by_number: dict, by_title: dict) -> str | None:
    """The document a citation points at (never the citing one), or None."""
    target = by_number.get(number) if number else None
    if target is None and title:
        target = by_title.get(title)
    return None if target == citing_id else target


# What pages say of a document's validity, as one of the contract's values.
STATED_VALIDITY = {"有效": "in force", "现行有效": "in force", "失效": "repealed", "已失效": "repealed",
                   "废止": "repealed", "已废止": "repealed", "部分失效": "amended", "已修改": "amended",
                   "已被修改": "amended"}


def validity_of(doc: DocumentRecord, today: str) -> tuple[str | None, str | None]:
    """(validity, reason) as of ``today`` (ISO): a repeal or an amendment by a
    document of the base first, then what the page says, then its own dates.

    >>> d = DocumentRecord("x", "a", ("a",), None, "t", None, (), None, None, None, None, None, None, None,
    ...                    effective_date="2024-01-01", expiry_date="2025-12-31")
    >>> validity_of(d, "2026-12-02")
    ('expired', 'its term ended 2025-12-31')
    >>> validity_of(d, "2025-06-30")
    ('in force', 'in force from 2024-01-01 to 2025-12-31')
    """
    if doc.repealed_by:
        return "repealed", f"repealed by document {doc.repealed_by}"
    stated = STATED_VALIDITY.get((doc.validity or "").replace(" ", ""))
    if stated == "repealed":
        return stated, f"the page says {doc.validity}"
    if doc.expiry_date and doc.expiry_date < today:
        return "expired", f"its term ended {doc.expiry_date}"
    if doc.effective_date and doc.effective_date > today:
        return "not yet in force", f"takes effect {doc.effective_date}"
    if doc.amended_by:
        return "amended", f"amended by document {doc.amended_by}"
    if stated:
        return stated, f"the page says {doc.validity}"
    if doc.effective_date:
        until = f" to {doc.expiry_date}" if doc.expiry_date else ""
        return "in force", f"in force from {doc.effective_date}{until}"
    return None, None


def _first_citer(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(cited id, citing id) pairs in citation order → the first citer of each."""
    first: dict[str, str] = {}
    for target, citing in pairs:
        first.setdefault(target, citing)
    return first


def assess_validity(docs: list[DocumentRecord], repeals: Iterable[tuple[str, str]],
                    amendments: Iterable[tuple[str, str]], today: str) -> list[DocumentRecord]:
    """Each document's repealer and amender (the first document of the base
    that cites it so) and its validity as of ``today``; ``repeals`` and
    ``amendments``: (cited id, citing id) in citation order."""
    repealed, amended = _first_citer(repeals), _first_citer(amendments)
    out = []
    for d in docs:
        d = replace(d, repealed_by=repealed.get(d.id), amended_by=amended.get(d.id))
        validity, reason = validity_of(d, today)
        out.append(replace(d, validity=validity, validity_reason=reason))
    return out
