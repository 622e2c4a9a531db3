"""The SQLite database: schema, writing a build, reading the build cache.

The only module that knows SQL.  Tables and columns of ../shared/CONTRACT.md
are kept as named there; everything else is additive.  Character offsets are
``char_start``/``char_end`` so analysts never have to quote ``end``.
"""

from __future__ import annotations

import pickle
import sqlite3
import zlib
from pathlib import Path
from typing import Iterable, Iterator

import sqlite_utils

from db.search import TOKENIZE, spaced

SCHEMA_VERSION = 1

TABLES: dict[str, dict] = {
    "documents": dict(columns={
        "id": str, "doc_number": str, "title": str, "title_source": str, "issuer": str, "doc_type": str,
        "written_date": str, "published_date": str, "year": int, "region": str, "validity": str,
        "repealed_by": str, "source_count": int, "traditional": int, "spammed": int, "spin_confidence": float,
        "mojibake_unrecovered": int, "edit_count": int, "body": str, "raw_text": str}, pk="id",
        foreign_keys=[("repealed_by", "documents", "id")]),
    "sources": dict(columns={
        "path": str, "sha256": str, "size": int, "document_id": str, "is_primary": int, "encoding": str,
        "declared_encoding": str, "status": str, "url": str, "fetched_at": str, "response_sha256": str,
        "http_status": int, "seconds": float}, pk="path", foreign_keys=[("document_id", "documents", "id")]),
    "document_issuers": dict(columns={"document_id": str, "position": int, "issuer": str},
                             pk=("document_id", "position"), foreign_keys=[("document_id", "documents", "id")]),
    "citations": dict(columns={
        "id": int, "document_id": str, "cited_doc_number": str, "cited_title": str, "cited_document_id": str,
        "relation": str, "sentence": str, "char_start": int, "char_end": int}, pk="id",
        foreign_keys=[("document_id", "documents", "id"), ("cited_document_id", "documents", "id")]),
    "targets": dict(columns={
        "id": int, "document_id": str, "year": int, "quantity": float, "quantity_max": float, "unit": str,
        "qualifier": str, "object": str, "sentence": str, "char_start": int, "char_end": int}, pk="id",
        foreign_keys=[("document_id", "documents", "id")]),
    "deadlines": dict(columns={
        "id": int, "document_id": str, "recurrence": str, "date": str, "month_day": str, "from_year": int,
        "kind": str, "action": str, "sentence": str, "char_start": int, "char_end": int}, pk="id",
        foreign_keys=[("document_id", "documents", "id")]),
    "responsibilities": dict(columns={
        "id": int, "document_id": str, "row": int, "task": str, "content": str, "agency": str,
        "agency_canonical": str, "role": str, "sentence": str, "char_start": int, "char_end": int}, pk="id",
        foreign_keys=[("document_id", "documents", "id")]),
    "duties": dict(columns={
        "id": int, "document_id": str, "agency": str, "agency_canonical": str, "content": str,
        "sentence": str, "char_start": int, "char_end": int}, pk="id",
        foreign_keys=[("document_id", "documents", "id")]),
    "agencies": dict(columns={"name": str, "level": str, "region": str, "aliases": str}, pk="name"),
    "cleaning_edits": dict(columns={
        "id": int, "document_id": str, "source_path": str, "kind": str, "char_start": int, "char_end": int,
        "original": str, "replacement": str, "note": str}, pk="id",
        foreign_keys=[("document_id", "documents", "id"), ("source_path", "sources", "path")]),
    "build_cache": dict(columns={"path": str, "sha256": str, "version": str, "result": bytes}, pk="path"),
}

INDEXES = {
    "documents": [["doc_number"], ["issuer"], ["doc_type"], ["region"], ["year"], ["published_date"]],
    "sources": [["document_id"], ["status"]],
    "citations": [["document_id"], ["cited_doc_number"], ["cited_document_id"], ["cited_title"]],
    "targets": [["document_id"], ["year"], ["unit"]],
    "deadlines": [["document_id"], ["recurrence"], ["date"], ["month_day"]],
    "responsibilities": [["document_id"], ["agency"], ["agency_canonical"], ["role"]],
    "duties": [["document_id"], ["agency"], ["agency_canonical"]],
    "cleaning_edits": [["document_id"], ["kind"]],
    "document_issuers": [["issuer"]],
}


class DatabaseError(Exception):
    """The database file cannot be read or written as a policykb database."""


def open_db(path: Path | str, fast_writes: bool = False) -> sqlite_utils.Database:
    db = sqlite_utils.Database(str(path))
    if fast_writes:
        # Only ever used on a fresh temporary file that is swapped in whole
        # when complete: a crash loses the temporary file, never the base.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
    return db


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table (in foreign-key order), its indexes and the search index."""
    for name, spec in TABLES.items():
        db[name].create(spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"),
                        if_not_exists=True)
    for name, indexes in INDEXES.items():
        for columns in indexes:
            db[name].create_index(columns, if_not_exists=True)
    # External content: the text lives in documents (so Datasette finds the
    # index and shows real text), the index holds the spaced characters that
    # build_search_index writes.  Never run FTS5's 'rebuild' on it: that would
    # index the unspaced text.
    db.execute('CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(title, body, content="documents", '
               f'tokenize="{TOKENIZE}")')
    db["schema_version"].insert({"version": SCHEMA_VERSION}, replace=True, pk="version")


def write_rows(db: sqlite_utils.Database, table: str, rows: Iterable[dict]) -> None:
    db[table].insert_all(rows, batch_size=500)


def build_search_index(db: sqlite_utils.Database) -> None:
    """Fill the character-per-token index from the documents table."""
    conn = db.conn
    rows = conn.execute("SELECT rowid, title, body FROM documents")
    conn.executemany("INSERT INTO documents_fts(rowid, title, body) VALUES (?, ?, ?)",
                     ((rowid, spaced(title), spaced(body)) for rowid, title, body in rows))
    conn.commit()


def pack(result: object) -> bytes:
    return zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 3)


def unpack(blob: bytes) -> object | None:
    """A cached result, or None when it was written by other code."""
    try:
        return pickle.loads(zlib.decompress(blob))
    except Exception:
        return None


def cached_hashes(path: Path) -> dict[str, tuple[str, str]]:
    """path → (sha256, version) of what the existing database was built from."""
    if not path.exists():
        return {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return {p: (sha, version) for p, sha, version in
                    conn.execute("SELECT path, sha256, version FROM build_cache")}
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def cached_results(path: Path, wanted: dict[str, tuple[str, str]]) -> Iterator[tuple[str, object]]:
    """The cached results for the (path, sha256, version) wanted."""
    if not path.exists() or not wanted:
        return
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for p, sha, version, blob in conn.execute("SELECT path, sha256, version, result FROM build_cache"):
            if wanted.get(p) == (sha, version):
                result = unpack(blob)
                if result is not None:
                    yield p, result
    finally:
        conn.close()


def source_counts(path: Path) -> tuple[int, int]:
    """(ok, failed) sources in an existing database."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = conn.execute("SELECT count(*) FROM sources WHERE status = 'ok'").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM sources").fetchone()[0]
        return ok, total - ok
    finally:
        conn.close()
