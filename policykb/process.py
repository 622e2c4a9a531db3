"""One source file through every stage: bytes → page → clean text → records.

``process_source`` never raises for a bad file: the failure becomes the
result's ``status``, so one strange page never costs the rest of the batch.
"""

from __future__ import annotations

from policykb.records import CleanOptions, PageInfo, Sidecar, SourceResult

import hashlib
import json
import time
from pathlib import Path

from policykb.ingest.clean import clean_page
from policykb.ingest.decode import DecodeError, decode

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
SIDECAR_SUFFIX = ".metadata.json"


NO_NOTICE = "no notice on the page (a listing, index or script-only page)"


class SourceError(Exception):
    """A file that cannot become a document; the message is its status."""


def read_sidecar(path: Path) -> Sidecar:
    """The fetch record stored beside a scraped page, if any."""
    side = path.with_name(path.name + SIDECAR_SUFFIX)
    if not side.exists():
        return Sidecar()
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Sidecar()
    return Sidecar(url=data.get("final_url") or data.get("requested_url"), fetched_at=data.get("retrieved_at"),
                   response_sha256=data.get("response_sha256"), http_status=data.get("status_code"),
                   content_type=data.get("content_type"))


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or error.__class__.__name__
    return text[:300]


def process_bytes(data: bytes, suffix: str, options: CleanOptions = CleanOptions()):
    """Decode, zone, clean and extract one file's bytes; raises SourceError."""
    from policykb.extract.pipeline import extract
    from policykb.ingest.page import page_from_html, page_from_text

    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        raise SourceError(f"unsupported file type {suffix or '(none)'}")
    try:
        decoded = decode(data)
    except DecodeError as e:
        raise SourceError(str(e)) from None
    page = page_from_html(decoded.text) if suffix in HTML_SUFFIXES else page_from_text(decoded.text)
    clean = clean_page(page, options)
    if not clean.body.strip():
        raise SourceError(NO_NOTICE)
    extracted = extract(clean.body, PageInfo(clean.meta, clean.html_title, clean.links, clean.tables))
    return decoded, clean, extracted


def process_source(path: Path, rel: str, options: CleanOptions = CleanOptions(),
                   data: bytes | None = None) -> SourceResult:
    """Everything one file yields, or why it yields nothing."""
    started = time.perf_counter()
    sidecar = read_sidecar(path)
    try:
        data = path.read_bytes() if data is None else data
    except OSError as e:
        return SourceResult(rel, None, None, f"unreadable: {e.strerror or one_line(e)}", sidecar=sidecar)
    sha = hashlib.sha256(data).hexdigest()
    base = dict(path=rel, sha256=sha, size=len(data), sidecar=sidecar)
    try:
        decoded, clean, extracted = process_bytes(data, path.suffix.lower(), options)
    except SourceError as e:
        return SourceResult(**base, status=str(e), seconds=time.perf_counter() - started)
    except Exception as e:  # a bug must cost one file, not the batch
        return SourceResult(**base, status=f"internal error: {e.__class__.__name__}: {one_line(e)}",
                            seconds=time.perf_counter() - started)
    return SourceResult(**base, status="ok", encoding=decoded.encoding, declared_encoding=decoded.declared,
                        clean=clean, extracted=extracted, seconds=time.perf_counter() - started)
