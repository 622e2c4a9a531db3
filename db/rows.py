"""Records as table rows: one function per table, no SQL.

A build stages each source's rows as the source arrives (keyed by its path,
with each record's position), and the document-level rows once mirrors are
merged; ``db.store.BuildWriter`` assembles the final tables from them.
"""

from __future__ import annotations

import json
from typing import Iterator

from policykb.db.search import spaced
from policykb.records import DocumentRecord, SourceResult


def _offsets(record) -> dict:
    return {"char_start": record.start, "char_end": record.end}


def _sureness(record) -> dict:
    return {"confidence": record.confidence, "evidence": record.evidence}


def document_row(doc: DocumentRecord) -> dict:
    """The merged fields of a document; the text columns come from its primary source (``text_row``)."""
    return {
        "id": doc.id, "primary_path": doc.primary, "doc_number": doc.doc_number, "title": doc.title,
        "title_source": doc.title_source, "issuer": doc.issuer, "doc_type": doc.doc_type,
        "written_date": doc.written_date, "published_date": doc.published_date, "year": doc.year,
        "region": doc.region, "effective_date": doc.effective_date, "expiry_date": doc.expiry_date,
        "validity": doc.validity, "validity_reason": doc.validity_reason, "repealed_by": doc.repealed_by,
        "amended_by": doc.amended_by,
        "source_count": len(doc.source_paths),
    }


def text_row(result: SourceResult) -> dict:
    """What a source would give its document: the texts and the cleaning flags."""
    clean = result.clean
    return {
        "path": result.path, "traditional": int(clean.traditional), "spammed": int(clean.spammed),
        "spin_confidence": clean.spin_confidence, "mojibake_unrecovered": clean.unrecovered,
        "edit_count": len(clean.edits), "body": clean.body, "raw_text": clean.raw_text,
        # What the search index holds of the body, made here (in a build
        # worker) rather than by the parent that fills the index.
        "body_index": spaced(clean.body),
    }


def source_row(result: SourceResult, seq: int) -> dict:
    """The source's row but for ``document_id`` and ``is_primary`` (known once mirrors are merged)."""
    side = result.sidecar
    return {
        "seq": seq, "path": result.path, "sha256": result.sha256, "size": result.size,
        "encoding": result.encoding, "declared_encoding": result.declared_encoding,
        "status": result.status, "url": side.url, "fetched_at": side.fetched_at,
        "response_sha256": side.response_sha256, "http_status": side.http_status,
        "seconds": round(result.seconds, 4),
    }


def member_row(doc: DocumentRecord, path: str) -> dict:
    return {"path": path, "document_id": doc.id, "is_primary": int(path == doc.primary)}


def primary_row(doc: DocumentRecord, index: int) -> dict:
    return {"doc_index": index, "path": doc.primary, "id": doc.id}


def issuer_rows(doc: DocumentRecord) -> Iterator[dict]:
    for position, issuer in enumerate(doc.issuers):
        yield {"document_id": doc.id, "position": position, "issuer": issuer}


def citation_rows(result: SourceResult) -> Iterator[dict]:
    for i, c in enumerate(result.extracted.citations):
        yield {"path": result.path, "position": i, "cited_doc_number": c.cited_doc_number,
               "cited_title": c.cited_title, "relation": c.relation, "sentence": c.sentence, **_offsets(c),
               **_sureness(c)}


def target_rows(result: SourceResult) -> Iterator[dict]:
    for i, t in enumerate(result.extracted.targets):
        yield {"path": result.path, "position": i, "year": t.year, "quantity": t.quantity,
               "quantity_max": t.quantity_max, "unit": t.unit, "qualifier": t.qualifier, "object": t.object,
               "sentence": t.sentence, **_offsets(t), **_sureness(t)}


def deadline_rows(result: SourceResult) -> Iterator[dict]:
    for i, d in enumerate(result.extracted.deadlines):
        yield {"path": result.path, "position": i, "recurrence": d.recurrence, "date": d.date,
               "month_day": d.month_day, "from_year": d.from_year, "kind": d.kind, "action": d.action,
               "sentence": d.sentence, **_offsets(d), **_sureness(d)}


def period_rows(result: SourceResult) -> Iterator[dict]:
    for i, p in enumerate(result.extracted.periods):
        yield {"path": result.path, "position": i, "kind": p.kind, "start": p.date_from, "end": p.date_to,
               "recurrence": p.recurrence, "subject": p.subject, "sentence": p.sentence, **_offsets(p),
               **_sureness(p)}


def responsibility_rows(result: SourceResult) -> Iterator[dict]:
    for i, r in enumerate(result.extracted.responsibilities):
        yield {"path": result.path, "position": i, "row": r.row, "task": r.task, "content": r.content,
               "agency": r.agency, "agency_canonical": r.agency_canonical, "role": r.role, "sentence": r.sentence,
               **_offsets(r), **_sureness(r)}


def duty_rows(result: SourceResult) -> Iterator[dict]:
    for i, r in enumerate(getattr(result.extracted, "duties", ())):
        yield {"path": result.path, "position": i, "agency": r.agency, "agency_canonical": r.agency_canonical,
               "content": r.content, "sentence": r.sentence, **_offsets(r)}


def edit_rows(result: SourceResult) -> Iterator[dict]:
    for i, e in enumerate(result.clean.edits):
        yield {"path": result.path, "position": i, "kind": e.kind, "char_start": e.start, "char_end": e.end,
               "original": e.original, "replacement": e.replacement, "note": e.note}


# Per-source rows staged for every ok source: (staging table, rows).
SOURCE_TABLES = (("texts", lambda r: [text_row(r)]), ("citations", citation_rows), ("targets", target_rows),
                 ("deadlines", deadline_rows), ("periods", period_rows), ("responsibilities", responsibility_rows), ("duties", duty_rows),
                 ("cleaning_edits", edit_rows))


def staged_rows(result: SourceResult, seq: int) -> Iterator[tuple[str, dict]]:
    """(staging table, row) for everything one source yields."""
    yield "sources", source_row(result, seq)
    if result.ok:
        for table, make in SOURCE_TABLES:
            for row in make(result):
                yield table, row


def cache_row(path: str, sha256: str | None, version: str, blob: bytes) -> dict:
    return {"path": path, "sha256": sha256 or "", "version": version, "result": blob}


def agency_row(agency: dict) -> dict:
    aliases = agency.get("aliases")
    return {"name": agency["name"], "level": agency.get("level"), "region": agency.get("region"),
            "aliases": json.dumps(list(aliases or []), ensure_ascii=False)}
