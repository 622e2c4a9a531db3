"""Records as table rows: one function per table, no SQL."""

from __future__ import annotations

import json
from typing import Iterator

from policykb.merge import DocumentRecord
from policykb.process import SourceResult


def _offsets(record) -> dict:
    return {"char_start": record.start, "char_end": record.end}


def document_row(doc: DocumentRecord) -> dict:
    clean = doc.primary.clean
    return {
        "id": doc.id, "doc_number": doc.doc_number, "title": doc.title, "title_source": doc.title_source,
        "issuer": doc.issuer, "doc_type": doc.doc_type, "written_date": doc.written_date,
        "published_date": doc.published_date, "year": doc.year, "region": doc.region,
        "validity": doc.validity, "repealed_by": doc.repealed_by, "source_count": len(doc.source_paths),
        "traditional": int(clean.traditional), "spammed": int(clean.spammed),
        "spin_confidence": clean.spin_confidence, "mojibake_unrecovered": clean.unrecovered,
        "edit_count": len(clean.edits), "body": clean.body, "raw_text": clean.raw_text,
    }


def source_row(result: SourceResult, document_id: str | None, is_primary: bool) -> dict:
    side = result.sidecar
    return {
        "path": result.path, "sha256": result.sha256, "size": result.size, "document_id": document_id,
        "is_primary": int(is_primary), "encoding": result.encoding, "declared_encoding": result.declared_encoding,
        "status": result.status, "url": side.url, "fetched_at": side.fetched_at,
        "response_sha256": side.response_sha256, "http_status": side.http_status,
        "seconds": round(result.seconds, 4),
    }


def issuer_rows(doc: DocumentRecord) -> Iterator[dict]:
    for position, issuer in enumerate(doc.issuers):
        yield {"document_id": doc.id, "position": position, "issuer": issuer}


def citation_rows(doc: DocumentRecord) -> Iterator[dict]:
    for c, cited_id in doc.citations:
        yield {"document_id": doc.id, "cited_doc_number": c.cited_doc_number, "cited_title": c.cited_title,
               "cited_document_id": cited_id, "relation": c.relation, "sentence": c.sentence, **_offsets(c)}


def target_rows(doc: DocumentRecord) -> Iterator[dict]:
    for t in doc.primary.extracted.targets:
        yield {"document_id": doc.id, "year": t.year, "quantity": t.quantity, "quantity_max": t.quantity_max,
               "unit": t.unit, "qualifier": t.qualifier, "object": t.object, "sentence": t.sentence,
               **_offsets(t)}


def deadline_rows(doc: DocumentRecord) -> Iterator[dict]:
    for d in doc.primary.extracted.deadlines:
        yield {"document_id": doc.id, "recurrence": d.recurrence, "date": d.date, "month_day": d.month_day,
               "from_year": d.from_year, "kind": d.kind, "action": d.action, "sentence": d.sentence,
               **_offsets(d)}


def responsibility_rows(doc: DocumentRecord) -> Iterator[dict]:
    for r in doc.primary.extracted.responsibilities:
        yield {"document_id": doc.id, "row": r.row, "task": r.task, "content": r.content, "agency": r.agency,
               "agency_canonical": r.agency_canonical, "role": r.role, "sentence": r.sentence, **_offsets(r)}


def duty_rows(doc: DocumentRecord) -> Iterator[dict]:
    for r in getattr(doc.primary.extracted, "duties", ()):
        yield {"document_id": doc.id, "agency": r.agency, "agency_canonical": r.agency_canonical,
               "content": r.content, "sentence": r.sentence, **_offsets(r)}


def edit_rows(doc: DocumentRecord) -> Iterator[dict]:
    for e in doc.primary.clean.edits:
        yield {"document_id": doc.id, "source_path": doc.primary.path, "kind": e.kind, "char_start": e.start,
               "char_end": e.end, "original": e.original, "replacement": e.replacement, "note": e.note}


def agency_row(agency: dict) -> dict:
    aliases = agency.get("aliases")
    return {"name": agency["name"], "level": agency.get("level"), "region": agency.get("region"),
            "aliases": json.dumps(list(aliases or []), ensure_ascii=False)}
