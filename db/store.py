"""The SQLite database: schema, writing a build, reading the build cache.

The only module that knows SQL.  Tables and columns of ../shared/CONTRACT.md
are kept as named there; everything else is additive.  Character offsets are
``char_start``/``char_end`` so analysts never have to quote ``end``.

A build streams: ``BuildWriter`` stages each source's rows (keyed by path) in
a scratch database attached beside the new one as the source arrives, and
once mirrors are merged assembles the final tables from the staging tables
with ``INSERT … SELECT`` in document order, then drops the scratch file.  The
build process never holds more than one source's texts.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import sqlite_utils

from policykb.db.search import TOKENIZE, spaced

# 2: the search index holds character pairs (db/search.py), under fts_rowid
# numbered in publication order.  3: ``periods``; ``deadlines`` holds
# obligations only; fact rows carry ``confidence`` and ``evidence``.
SCHEMA_VERSION = 3

TABLES: dict[str, dict] = {
    "documents": dict(columns={
        "id": str, "doc_number": str, "title": str, "title_source": str, "issuer": str, "doc_type": str,
        "written_date": str, "published_date": str, "year": int, "region": str, "effective_date": str,
        "expiry_date": str, "validity": str, "validity_reason": str, "repealed_by": str, "amended_by": str, "source_count": int, "traditional": int, "spammed": int, "spin_confidence": float,
        "mojibake_unrecovered": int, "edit_count": int, "body": str, "raw_text": str, "fts_rowid": int}, pk="id",
        foreign_keys=[("repealed_by", "documents", "id"), ("amended_by", "documents", "id")]),
    "sources": dict(columns={
        "path": str, "sha256": str, "size": int, "document_id": str, "is_primary": int, "encoding": str,
        "declared_encoding": str, "status": str, "url": str, "fetched_at": str, "response_sha256": str,
        "http_status": int, "seconds": float}, pk="path", foreign_keys=[("document_id", "documents", "id")]),
    "document_issuers": dict(columns={"document_id": str, "position": int, "issuer": str},
                             pk=("document_id", "position"), foreign_keys=[("document_id", "documents", "id")]),
    "citations": dict(columns={
        "id": int, "document_id": str, "cited_doc_number": str, "cited_title": str, "cited_document_id": str,
        "relation": str, "sentence": str, "char_start": int, "char_end": int, "confidence": float, "evidence": str},
        pk="id", foreign_keys=[("document_id", "documents", "id"), ("cited_document_id", "documents", "id")]),
    "targets": dict(columns={
        "id": int, "document_id": str, "year": int, "quantity": float, "quantity_max": float, "unit": str,
        "qualifier": str, "object": str, "sentence": str, "char_start": int, "char_end": int, "confidence": float,
        "evidence": str}, pk="id", foreign_keys=[("document_id", "documents", "id")]),
    "deadlines": dict(columns={
        "id": int, "document_id": str, "recurrence": str, "date": str, "month_day": str, "from_year": int,
        "kind": str, "action": str, "sentence": str, "char_start": int, "char_end": int, "confidence": float,
        "evidence": str}, pk="id", foreign_keys=[("document_id", "documents", "id")]),
    # When the document or a measure in it is in force: ``start``/``end`` are
    # ISO dates (MM-DD for an annual period), either may be NULL.
    "periods": dict(columns={
        "id": int, "document_id": str, "kind": str, "start": str, "end": str, "recurrence": str, "subject": str,
        "sentence": str, "char_start": int, "char_end": int, "confidence": float, "evidence": str}, pk="id",
        foreign_keys=[("document_id", "documents", "id")]),
    "responsibilities": dict(columns={
        "id": int, "document_id": str, "row": int, "task": str, "content": str, "agency": str,
        "agency_canonical": str, "role": str, "sentence": str, "char_start": int, "char_end": int,
        "confidence": float, "evidence": str}, pk="id", foreign_keys=[("document_id", "documents", "id")]),
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
    # What wrote the base (``writer_version``): a build by other writing code
    # rewrites it even when no file changed.
    "build_info": dict(columns={"key": str, "value": str}, pk="key"),
}

INDEXES = {
    # Datasette's search is ``fts_rowid in (select rowid from documents_fts
    # where … match …)`` (``fts_pk`` in the metadata); with this index the
    # count of a search reads a small index instead of one 4 KB table page per
    # matching document (a document row with its texts fills a page): at
    # 100,000 documents, 26 ms instead of 46 ms of CPU to count the 53,000
    # containing 教育.  The rows of a search come through it in fts_rowid
    # order, which is publication order (see build_search_index), so the
    # newest 20 of 93,000 matches are read without sorting them all.
    "documents": [["doc_number"], ["issuer"], ["doc_type"], ["region"], ["year"], ["published_date"], ["validity"],
                  ["fts_rowid", "doc_type", "issuer", "region", "year"]],
    "sources": [["document_id"], ["status"]],
    "citations": [["document_id"], ["cited_doc_number"], ["cited_document_id"], ["cited_title"]],
    "targets": [["document_id"], ["year"], ["unit"], ["confidence"]],
    "deadlines": [["document_id"], ["recurrence"], ["date"], ["month_day"], ["confidence"]],
    "periods": [["document_id"], ["kind"], ["start"], ["end"], ["confidence"]],
    "responsibilities": [["document_id"], ["agency"], ["agency_canonical"], ["role"]],
    "duties": [["document_id"], ["agency"], ["agency_canonical"]],
    "cleaning_edits": [["document_id"], ["kind"]],
    "document_issuers": [["issuer"]],
}


def open_db(path: Path | str, fast_writes: bool = False) -> sqlite_utils.Database:
    db = sqlite_utils.Database(str(path))
    if fast_writes:
        # Only ever used on a fresh temporary file that is swapped in whole
        # when complete: a crash loses the temporary file, never the base.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
    return db


# Every fact row, least certain first, with its sentence and its document:
# what a person checks before an analyst sums the rows.
FACT_TABLES = ("citations", "targets", "deadlines", "periods", "responsibilities")
REVIEW_VIEW = ("CREATE VIEW IF NOT EXISTS review AS SELECT f.fact, f.row_id, f.document_id, d.title AS document_title, "
               "f.confidence, f.evidence, f.sentence, f.char_start, f.char_end FROM ("
               + " UNION ALL ".join(f"SELECT '{t}' AS fact, id AS row_id, document_id, confidence, evidence, sentence, "
                                    f"char_start, char_end FROM {t}" for t in FACT_TABLES)
               + ") f JOIN documents d ON d.id = f.document_id ORDER BY f.confidence, f.fact, f.row_id")


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table (in foreign-key order), its indexes and the search index."""
    for name, spec in TABLES.items():
        db[name].create(spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"),
                        if_not_exists=True)
    for name, indexes in INDEXES.items():
        for columns in indexes:
            db[name].create_index(columns, if_not_exists=True)
    # External content: the text lives in documents (so Datasette finds the
    # index and shows real text), the index holds the character pairs that
    # build_search_index writes, under documents.fts_rowid.  Never run FTS5's
    # 'rebuild' on it: that would index the text without its pairs.
    db.execute('CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(title, body, content="documents", '
               f'content_rowid="fts_rowid", tokenize="{TOKENIZE}")')
    db.execute(REVIEW_VIEW)
    db["schema_version"].insert({"version": SCHEMA_VERSION}, replace=True, pk="version")


def write_rows(db: sqlite_utils.Database, table: str, rows: Iterable[dict]) -> None:
    db[table].insert_all(rows, batch_size=500)


FTS_HASH_BYTES = 64 * 1024 * 1024


def build_search_index(db: sqlite_utils.Database, indexed_bodies: str | None = None) -> None:
    """Number the documents in publication order (``documents.fts_rowid``,
    the rowid the index knows each document by) and fill the search index.

    ``indexed_bodies``: a query of (fts_rowid, title, body as ``spaced``
    made it) in fts_rowid order, when a build made the bodies' index text
    already (in its workers); without it the bodies are read from documents.

    Publication order, undated first and ties by id: sorting a search by
    fts_rowid descending is sorting it newest first, and SQLite reads the
    matches in that order from the fts_rowid index and stops after a page,
    where ``order by published_date desc`` sorts every match: for the 92,704
    of 100,000 documents containing 人民政府, 32 ms of CPU instead of 138.
    """
    conn = db.conn
    conn.execute("""UPDATE documents SET fts_rowid = n FROM (
                        SELECT rowid AS r, row_number() OVER (ORDER BY published_date, id) AS n FROM documents)
                    WHERE documents.rowid = r""")
    # FTS5 writes what it holds to a new segment whenever it holds 1 MB, and
    # merges segments as they pile up: holding 64 MB, the pairs index of
    # 100,000 generated notices is written in 43 s of CPU instead of 49.
    conn.execute(f"INSERT INTO documents_fts(documents_fts, rank) VALUES ('hashsize', {FTS_HASH_BYTES})")
    # In rowid order: FTS5 also writes out what it holds whenever a rowid is
    # lower than the last one, which would make one segment per document.
    if indexed_bodies:
        indexed = ((rowid, spaced(title), body) for rowid, title, body in conn.execute(indexed_bodies))
    else:
        indexed = ((rowid, spaced(title), spaced(body)) for rowid, title, body in
                   conn.execute("SELECT fts_rowid, title, body FROM documents ORDER BY fts_rowid"))
    conn.executemany("INSERT INTO documents_fts(rowid, title, body) VALUES (?, ?, ?)", indexed)
    conn.commit()


def pack(result: object) -> bytes:
    return zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 3)


def unpack(blob: bytes) -> object | None:
    """A cached result, or None when it was written by other code."""
    try:
        return pickle.loads(zlib.decompress(blob))
    except Exception:
        return None


@lru_cache(maxsize=1)
def writer_version() -> str:
    """A hash of the code that turns results into a base (this package) and
    of SCHEMA_VERSION.  The build cache holds pipeline results, not rows or
    index text, so a change here keeps every cached result valid but makes
    the base out of date: the build rewrites it from the cache."""
    digest = hashlib.sha256(f"schema {SCHEMA_VERSION}".encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stored_versions(path: Path | str) -> tuple[int | None, str | None]:
    """(schema version, writer version) the base at ``path`` records; None
    for what it does not (a base from before build_info, or no base at all)."""
    if not Path(path).exists():
        return None, None
    found: list = []
    conn = _read_only(path)
    try:
        for sql in ("SELECT max(version) FROM schema_version", "SELECT value FROM build_info WHERE key = 'writer'"):
            try:
                row = conn.execute(sql).fetchone()
            except sqlite3.Error:
                row = None
            found.append(row[0] if row else None)
    finally:
        conn.close()
    return found[0], found[1]


def base_is_current(path: Path) -> bool:
    """Whether the base at ``path`` has this schema version and was written by
    this code (``writer_version``): if not, a build rewrites it even when no
    file changed (``policykb serve`` refuses a base of another schema)."""
    return stored_versions(path) == (SCHEMA_VERSION, writer_version())


def cached_hashes(path: Path) -> dict[str, tuple[str, str]]:
    """path → (sha256, version) of what the existing database was built from."""
    if not path.exists():
        return {}
    try:
        conn = _read_only(path)
        try:
            return {p: (sha, version) for p, sha, version in
                    conn.execute("SELECT path, sha256, version FROM build_cache")}
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def cached_results(path: Path, wanted: dict[str, tuple[str, str]]) -> Iterator[tuple[str, bytes, object]]:
    """(path, packed result, result) for the (path, sha256, version) wanted,
    one at a time; a result that cannot be unpacked is left out."""
    if not path.exists() or not wanted:
        return
    conn = _read_only(path)
    try:
        for p, sha, version, blob in conn.execute("SELECT path, sha256, version, result FROM build_cache"):
            if wanted.get(p) == (sha, version):
                result = unpack(blob)
                if result is not None:
                    yield p, blob, result
    finally:
        conn.close()


def source_counts(path: Path) -> tuple[int, int]:
    """(ok, failed) sources in an existing database."""
    conn = _read_only(path)
    try:
        ok = conn.execute("SELECT count(*) FROM sources WHERE status = 'ok'").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM sources").fetchone()[0]
        return ok, total - ok
    finally:
        conn.close()


def _read_only(path: Path | str) -> sqlite3.Connection:
    """A read-only connection to the file at ``path``, whatever characters its name holds."""
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)


def not_a_base(path: Path | str) -> str | None:
    """Why the file at ``path`` is not a policykb base, or None when it is one
    or holds nothing to lose (missing or empty): what a build may overwrite.

    >>> import tempfile; f = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = f.write_text("my notes"); not_a_base(f)
    'not a SQLite database'
    """
    path = Path(path)
    try:
        if not path.exists() or path.stat().st_size == 0:
            return None
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return "not a SQLite database"
    except OSError as e:
        return f"cannot be read: {e.strerror}"
    try:
        conn = _read_only(path)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as e:
        return f"a SQLite database that cannot be read: {e}"
    # Tables every policykb base has had since builds were incremental.
    missing = [t for t in ("sources", "documents", "build_cache") if t not in names]
    if missing:
        return f"a SQLite database without the {', '.join(missing)} table{'s' if len(missing) > 1 else ''}"
    return None


def write_source_files(db: sqlite_utils.Database, files: Iterable[tuple[str, str | None]]) -> None:
    """Record where each source's file is (``build_files``: path → file,
    relative to the base's folder), so the next build knows which sources
    the paths it is given hold."""
    db.execute("CREATE TABLE IF NOT EXISTS build_files (path TEXT PRIMARY KEY, file TEXT)")
    db.conn.executemany("INSERT INTO build_files (path, file) VALUES (?, ?)", files)


def source_files(path: Path | str) -> dict[str, str | None]:
    """path → file of every source of the base at ``path``, in the order they
    were written ({} for a base that does not record them)."""
    if not Path(path).exists():
        return {}
    try:
        conn = _read_only(path)
        try:
            return dict(conn.execute("SELECT path, file FROM build_files ORDER BY rowid"))
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


# --- streaming a build -------------------------------------------------------

def _quoted(columns) -> str:
    """Column names quoted: ``end`` is a keyword."""
    return ", ".join('"' + c + '"' for c in columns)


# Columns filled when the final tables are assembled, not staged per source.
ASSEMBLED = {"id", "document_id", "source_path", "cited_document_id", "is_primary", "fts_rowid"}
# The documents columns that come from the primary source's text (``rows.text_row``).
TEXT_COLUMNS = ("traditional", "spammed", "spin_confidence", "mojibake_unrecovered", "edit_count", "body",
                "raw_text")


def _staged(table: str) -> list[str]:
    """A per-source table's columns as staged: the final table's, less what assembling fills."""
    return [c for c in TABLES[table]["columns"] if c not in ASSEMBLED]


def _document_columns() -> list[str]:
    """The documents columns that merging decides (``rows.document_row``), in table order."""
    return [c for c in TABLES["documents"]["columns"] if c not in TEXT_COLUMNS and c not in ASSEMBLED]


# Per-source tables copied to the final table of the same name, in document order.
RECORD_TABLES = ("targets", "deadlines", "periods", "responsibilities", "duties", "cleaning_edits")
# Staging tables (in the attached scratch database ``stage``): what each
# source yields, keyed by its path, each record with its position.  Columns
# as in the final tables, plus ``path``/``position``.
STAGE_TABLES: dict[str, str] = {
    "sources": "seq INTEGER PRIMARY KEY, " + _quoted(_staged("sources")),
    "texts": "path TEXT PRIMARY KEY, " + _quoted(TEXT_COLUMNS) + ", body_index",
    **{t: "path, position, " + _quoted(_staged(t)) for t in ("citations", *RECORD_TABLES)},
    # Written once mirrors are merged:
    "members": "path TEXT PRIMARY KEY, document_id, is_primary",
    "primaries": "doc_index INTEGER PRIMARY KEY, path, id",
    "by_number": "doc_number TEXT PRIMARY KEY, id",
    "by_title": "title TEXT PRIMARY KEY, id",
    "docs": "id TEXT PRIMARY KEY, primary_path, " + _quoted(_document_columns()),
}
# Sources buffered before one executemany per table: small enough that the
# parent writes while the workers run, not all at the end (at 2,000, every
# row of 1,000 laws waited for the last result: 0.5 s more of serial tail).
STAGE_BATCH = 100
# The search index's text of each document: its title made now (a merge may
# take it from a citation), its body as the worker made it.
STAGED_INDEX_TEXT = """SELECT d.fts_rowid, d.title, t.body_index FROM documents d
                       JOIN stage.docs s ON s.id = d.id JOIN stage.texts t ON t.path = s.primary_path
                       ORDER BY d.fts_rowid"""


def _insert_sql(table: str, columns) -> str:
    return f"INSERT INTO {table} ({_quoted(columns)}) VALUES ({', '.join(':' + c for c in columns)})"


class BuildWriter:
    """A new database at ``path``, written source by source, then assembled.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> w = BuildWriter(folder / "p.db", folder / "p.stage")
    >>> w.close(); sorted(p.name for p in folder.iterdir())
    ['p.db']
    """

    def __init__(self, path: Path, stage_path: Path):
        self.path, self.stage_path = Path(path), Path(stage_path)
        self.db = open_db(self.path, fast_writes=True)
        self.conn = self.db.conn
        # Index builds and the final INSERT … SELECTs sort; a larger cache
        # (64 MB, not the 2 MB default) keeps their runs in memory.
        self.conn.execute("PRAGMA cache_size = -65536")
        self.conn.execute("ATTACH DATABASE ? AS stage", (str(self.stage_path),))
        self.conn.execute("PRAGMA stage.journal_mode = OFF")
        self.conn.execute("PRAGMA stage.synchronous = OFF")
        self.conn.execute("PRAGMA stage.cache_size = -65536")
        create_schema(self.db)
        for name, columns in STAGE_TABLES.items():
            self.conn.execute(f"CREATE TABLE stage.{name} ({columns})")
        self.conn.execute("INSERT INTO build_info VALUES ('writer', ?)", (writer_version(),))
        self._buffer: dict[str, list[dict]] = {}
        self._pending = 0

    # -- staging, one source at a time --

    def stage(self, rows: Iterable[tuple[str, dict]], cache: dict | None = None) -> None:
        """Stage one source's rows ((staging table, row) pairs) and its build-cache row."""
        buffer = self._buffer
        for table, row in rows:
            buffer.setdefault(table, []).append(row)
        if cache is not None:
            buffer.setdefault("main.build_cache", []).append(cache)
        self._pending += 1
        if self._pending >= STAGE_BATCH:
            self.flush()

    def flush(self) -> None:
        for table, rows in self._buffer.items():
            if rows:
                name = table if "." in table else f"stage.{table}"
                self.conn.executemany(_insert_sql(name, rows[0].keys()), rows)
        self._buffer = {}
        self._pending = 0

    def end_staging(self) -> None:
        """Every source is staged: index what assembling looks up."""
        self.flush()
        for table in ("citations", *RECORD_TABLES):
            self.conn.execute(f"CREATE INDEX stage.{table}_path ON {table} (path, position)")
        self.conn.commit()

    def body(self, path: str) -> str:
        """A staged source's clean body ('' if none)."""
        row = self.conn.execute("SELECT body FROM stage.texts WHERE path = ?", (path,)).fetchone()
        return row[0] or "" if row else ""

    # -- assembling, once mirrors are merged --

    def set_documents(self, members: Iterable[dict], primaries: Iterable[dict]) -> None:
        """Which document each ok source became (``rows.member_row``), and
        each document's primary source in document order (``rows.primary_row``)."""
        for table, rows in (("members", members), ("primaries", primaries)):
            rows = iter(rows)
            first = next(rows, None)
            if first is not None:
                self.conn.executemany(_insert_sql(f"stage.{table}", first.keys()), _chain(first, rows))

    def cited_titles(self) -> Iterator[tuple[str, str]]:
        """(cited number, cited title) of every citation with both, documents in order."""
        yield from self.conn.execute("""
            SELECT c.cited_doc_number, c.cited_title FROM stage.primaries p
            JOIN stage.citations c ON c.path = p.path
            WHERE c.cited_doc_number IS NOT NULL AND c.cited_title IS NOT NULL
            ORDER BY p.doc_index, c.position""")

    def write_citations(self, by_number: dict[str, str], by_title: dict[str, str | None]) -> None:
        """The citations of every document, each linked to the document it cites:
        by number, else by title (``policykb.merge.resolve``), never to itself."""
        self.conn.executemany("INSERT INTO stage.by_number VALUES (?, ?)", by_number.items())
        self.conn.executemany("INSERT INTO stage.by_title VALUES (?, ?)", by_title.items())
        link = """nullif(coalesce(CASE WHEN c.cited_doc_number != '' THEN
                             (SELECT n.id FROM stage.by_number n WHERE n.doc_number = c.cited_doc_number) END,
                           CASE WHEN c.cited_title != '' THEN
                             (SELECT t.id FROM stage.by_title t WHERE t.title = c.cited_title) END), p.id)"""
        columns = [c for c in TABLES["citations"]["columns"] if c != "id"]
        picks = {"document_id": "p.id", "cited_document_id": link}
        self.conn.execute(f"""
            INSERT INTO citations ({_quoted(columns)})
            SELECT {', '.join(picks.get(c, 'c."' + c + '"') for c in columns)}
            FROM stage.primaries p JOIN stage.citations c ON c.path = p.path
            ORDER BY p.doc_index, c.position""")

    def cited_as(self, relation: str) -> Iterator[tuple[str, str]]:
        """(cited id, citing id) of the linked citations of a relation (repeals,
        amends), in citation order."""
        yield from self.conn.execute("""SELECT cited_document_id, document_id FROM citations
            WHERE relation = ? AND cited_document_id IS NOT NULL ORDER BY id""", (relation,))

    def write_documents(self, documents: Iterable[dict], issuers: Iterable[dict]) -> None:
        """``documents``: ``rows.document_row`` of every document; their text
        columns come from the primary source.  Then every per-source table and
        ``sources``, in document order."""
        documents = iter(documents)
        first = next(documents, None)
        if first is not None:
            self.conn.executemany(_insert_sql("stage.docs", first.keys()), _chain(first, documents))
        merged = _document_columns()
        self.conn.execute(f"""
            INSERT INTO documents (rowid, id, {_quoted(merged)}, {_quoted(TEXT_COLUMNS)}, fts_rowid)
            SELECT row_number() OVER win, d.id, {', '.join('d."' + c + '"' for c in merged)},
                   {', '.join('t."' + c + '"' for c in TEXT_COLUMNS)}, row_number() OVER win
            FROM stage.docs d JOIN stage.texts t ON t.path = d.primary_path
            WINDOW win AS (ORDER BY d.id)
            ORDER BY d.id""")
        write_rows(self.db, "document_issuers", issuers)
        for table in RECORD_TABLES:
            columns = [c for c in TABLES[table]["columns"] if c != "id"]
            picks = ["p.id" if c == "document_id" else "p.path" if c == "source_path" else 'x."' + c + '"'
                     for c in columns]
            self.conn.execute(f"""
                INSERT INTO {table} ({_quoted(columns)})
                SELECT {', '.join(picks)} FROM stage.primaries p JOIN stage.{table} x ON x.path = p.path
                ORDER BY p.doc_index, x.position""")
        staged = _staged("sources")
        self.conn.execute(f"""
            INSERT INTO sources ({_quoted(staged)}, document_id, is_primary)
            SELECT {', '.join('s."' + c + '"' for c in staged)}, m.document_id, coalesce(m.is_primary, 0)
            FROM stage.sources s LEFT JOIN stage.members m ON m.path = s.path
            ORDER BY s.seq""")

    def agency_mentions(self) -> Iterator[tuple[str, str | None]]:
        """(agency as written, document region): responsibilities and duties,
        then issuers, documents in order; each pair once."""
        seen = set()
        # Mentions in the order the documents come, responsibilities then duties within one.
        rows = self.conn.execute("""
            SELECT agency, region FROM (
                SELECT p.doc_index AS i, 0 AS k, x.position AS j, x.agency, d.region
                FROM stage.primaries p JOIN documents d ON d.id = p.id
                JOIN stage.responsibilities x ON x.path = p.path
                UNION ALL
                SELECT p.doc_index, 1, x.position, x.agency, d.region
                FROM stage.primaries p JOIN documents d ON d.id = p.id
                JOIN stage.duties x ON x.path = p.path)
            ORDER BY i, k, j""")
        issuers = self.conn.execute("""
            SELECT i.issuer, d.region FROM stage.primaries p JOIN documents d ON d.id = p.id
            JOIN document_issuers i ON i.document_id = p.id ORDER BY p.doc_index, i.position""")
        for pair in _concat(rows, issuers):
            if pair not in seen:
                seen.add(pair)
                yield pair

    def close(self) -> None:
        """Index for search, analyse, drop the scratch file: the database is complete."""
        self.flush()
        build_search_index(self.db, STAGED_INDEX_TEXT)
        self.conn.execute("ANALYZE main")
        self.conn.commit()
        self.db.close()
        self.stage_path.unlink(missing_ok=True)

    def abandon(self) -> None:
        """Close without completing; the caller removes the files."""
        try:
            self.db.close()
        except sqlite3.Error:
            pass


def _chain(first, rest):
    yield first
    yield from rest


def _concat(*iterables):
    for iterable in iterables:
        yield from iterable
