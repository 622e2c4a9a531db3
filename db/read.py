"""Every query of the web pages: the document page, the home page's counts
and charts, search and its facets.

Each function takes a ``sqlite3.Connection`` (Datasette's read connection,
through ``Database.execute_fn``, or any connection to a base) and returns
plain rows, each a dict of column → value; none writes.  The Datasette plugin
(policykb/datasette_plugin.py) decides what to show; the SQL is here.

>>> conn = sqlite3.connect(":memory:")
>>> _ = conn.execute("create table documents (id text, title text)")
>>> _ = conn.execute("insert into documents values ('a1', '关于…的通知')")
>>> document(conn, "a1")
{'id': 'a1', 'title': '关于…的通知'}
>>> document(conn, "zz") is None
True
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from policykb.db.search import Reading, as_typed, fts_query

# Read pages through a memory map instead of a read() per page: a search
# touches thousands of pages (every match's index entry); measured at 100,000
# documents, counting the 53,000 containing 教育 takes 134 ms with, 236 ms
# without.  The server only reads (--immutable), so a map is safe.
MMAP_BYTES = 2_000_000_000

# The columns a search may be narrowed by (``/search?doc_type=通知``): the
# documents table's facet columns, never a name taken from a request.
FILTER_COLUMNS = ("doc_type", "issuer", "region", "year")

# Tables whose rows are facts read from one document's body, with offsets.
FACT_TABLES = ("citations", "targets", "deadlines", "periods", "responsibilities", "duties")

# How many words of a query rank a document higher when its title has them.
TITLE_WORDS = 10


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def match_expression(query: str | None, reading: Reading | None = None) -> str:
    """The FTS5 expression of a search (db/search.py), control characters
    read as spaces: a NUL typed into a search box would end the expression's
    string and fail the query.  ``reading``: the forms each word may take
    (``db.search.fts_query``).

    >>> match_expression("产教\\x00融合") == match_expression("产教 融合")
    True
    """
    return fts_query(_CONTROL.sub(" ", query or ""), reading)


def _rows(cursor: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _all(conn: sqlite3.Connection, sql: str, params: dict | tuple = ()) -> list[dict]:
    return _rows(conn.execute(sql, params))


def _has_table(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("select 1 from sqlite_master where type in ('table', 'view') and name = ?",
                        (table,)).fetchone() is not None


# --- connections ---------------------------------------------------------------

def prepare_connection(conn: sqlite3.Connection, reading: Reading | None = None) -> None:
    """Ready a read connection: the search's ``escape_fts`` and a memory map.

    Datasette wraps every ``?_search=`` in ``escape_fts(...)``; ours turns the
    query into the phrase of character pairs the index holds (db/search.py),
    each word in the forms ``reading`` gives.
    """
    conn.create_function("escape_fts", 1, lambda query: match_expression(query, reading), deterministic=True)
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


def connect(path: Path | str) -> sqlite3.Connection:
    """A read-only connection to the base at ``path``, prepared as the server's are."""
    conn = sqlite3.connect(f"file:{Path(path).resolve().as_posix()}?mode=ro", uri=True)
    prepare_connection(conn)
    return conn


def is_base(path: Path | str) -> bool:
    """Whether the SQLite file at ``path`` is a policykb base (documents and its search index).

    Anything else, a file that is not SQLite included, is not one:

    >>> is_base("/nonexistent.db")
    False
    """
    if not Path(path).is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve().as_posix()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return _has_table(conn, "documents") and _has_table(conn, "documents_fts")
    except sqlite3.Error:
        return False
    finally:
        conn.close()


# --- facets --------------------------------------------------------------------

def facet_rows(conn: sqlite3.Connection, columns: tuple[str, ...]) -> list[tuple]:
    """(fts_rowid, *columns) of every indexed document: what the facet index holds.

    ``columns`` are names from the metadata's configuration, never a request's.
    """
    listed = ", ".join(f'"{c}"' for c in columns)
    return conn.execute(f"select fts_rowid, {listed} from documents where fts_rowid is not null").fetchall()


def matching_rowids(conn: sqlite3.Connection, search: str) -> str | None:
    """The search index's rowids (documents' fts_rowids) of the documents containing
    ``search``, space-separated (a few MB of text cost less than 93,000 rows
    through the sqlite3 module); None when none does."""
    return conn.execute("select group_concat(rowid, ' ') from documents_fts "
                        "where documents_fts match escape_fts(:search)", {"search": search}).fetchone()[0]


def rowids_of_query(conn: sqlite3.Connection, sql: str, params: dict) -> str | None:
    """The fts_rowids of the rows a documents query (Datasette's own) selects, space-separated."""
    return conn.execute(f"select group_concat(fts_rowid, ' ') from ({sql})", params).fetchone()[0]


def datasette_search_clause(table: str, fts_table: str, fts_pk: str) -> str:
    """The where clause Datasette writes for ``?_search=`` on ``table`` and nothing else.

    >>> datasette_search_clause("documents", "documents_fts", "fts_rowid")
    'where fts_rowid in (select rowid from documents_fts where documents_fts match escape_fts(:search))'
    """
    return f"where {fts_pk} in (select rowid from {fts_table} where {fts_table} match escape_fts(:search))"


# --- search ----------------------------------------------------------------------

@dataclass(frozen=True)
class Search:
    """A search of the documents: words (every one must occur) and facet values.

    >>> Search("产教融合", {"doc_type": "通知"}).where()
    ('join documents_fts f on f.rowid = d.fts_rowid', 'documents_fts match :match and d.doc_type = :doc_type', \
{'match': '"产教 教融 融合"', 'doc_type': '通知'})
    """
    q: str = ""
    filters: dict = field(default_factory=dict)
    # The forms each word may take (db.search.fts_query); None: as typed.
    reading: Reading | None = field(default=None, compare=False, repr=False)

    def words(self) -> list[tuple[str, ...]]:
        """The query's words, each with its forms."""
        return (self.reading or as_typed)(_CONTROL.sub(" ", self.q or ""))

    def where(self) -> tuple[str, str, dict]:
        """(join, where clause, parameters) selecting the matching documents ``d``."""
        where, params, join = [], {}, ""
        if self.q:
            join = "join documents_fts f on f.rowid = d.fts_rowid"
            where.append("documents_fts match :match")
            params["match"] = match_expression(self.q, self.reading)
        for column, value in self.filters.items():
            if column not in FILTER_COLUMNS:
                raise ValueError(f"not a column a search filters by: {column!r}")
            where.append(f"d.{column} = :{column}")
            params[column] = value
        return join, " and ".join(where) or "1", params


def search_page(conn: sqlite3.Connection, search: Search, limit: int, offset: int = 0) -> list[dict]:
    """One page of the documents ``search`` finds, best first.

    With words: documents with the words in their title first (a notice about
    产教融合 says so in its title; bm25 alone puts a short news item that
    repeats the word above it), then bm25.  Without: newest first.
    """
    join, where, params = search.where()
    order = "d.published_date is null, d.published_date desc"
    if search.q:
        in_title = []
        for i, forms in enumerate(search.words()[:TITLE_WORDS]):
            found = []
            for j, form in enumerate(forms[:4]):
                params[f"w{i}_{j}"] = form
                found.append(f"instr(coalesce(d.title, ''), :w{i}_{j}) > 0")
            in_title.append(f"({' or '.join(found)})")
        order = f"{' + '.join(in_title)} desc, f.rank" if in_title else "f.rank"
    params.update(limit=int(limit), offset=int(offset))
    return _all(conn, f"""select d.id, d.title, d.doc_number, d.issuer, d.doc_type, d.region,
        d.written_date, d.published_date, d.validity, d.body from documents d {join} where {where}
        order by {order} limit :limit offset :offset""", params)


def search_count(conn: sqlite3.Connection, search: Search) -> int:
    """How many documents ``search`` finds."""
    join, where, params = search.where()
    return conn.execute(f"select count(*) from documents d {join} where {where}", params).fetchone()[0]


def search_rowids(conn: sqlite3.Connection, search: Search) -> str | None:
    """The fts_rowids of the documents ``search`` finds, space-separated (for facet counts)."""
    join, where, params = search.where()
    return conn.execute(f"select group_concat(d.fts_rowid, ' ') from documents d {join} where {where}",
                        params).fetchone()[0]


def newest_documents(conn: sqlite3.Connection, search: Search, limit: int) -> list[dict]:
    """The documents ``search`` finds, newest first (fts_rowid: publication
    order, undated first), at most ``limit``: an Atom feed's entries."""
    join, where, params = search.where()
    params["limit"] = int(limit)
    return _all(conn, f"""select d.id, d.title, d.doc_number, d.issuer, d.doc_type, d.region,
        d.written_date, d.published_date, d.validity, d.body,
        (select max(s.fetched_at) from sources s where s.document_id = d.id) as fetched_at
        from documents d {join} where {where} order by d.fts_rowid desc limit :limit""", params)


def search_deadlines(conn: sqlite3.Connection, search: Search, limit: int) -> list[dict]:
    """The dated deadlines (once with a date, annual with a month and day) of
    the documents ``search`` finds, at most ``limit``, by date: a calendar's events."""
    join, where, params = search.where()
    params["limit"] = int(limit)
    return _all(conn, f"""select dl.id, dl.document_id, dl.recurrence, dl.date, dl.month_day, dl.from_year,
        dl.action, dl.sentence, dl.confidence, d.title, d.doc_number, d.issuer, d.year
        from deadlines dl join documents d on d.id = dl.document_id {join}
        where ({where}) and ((dl.recurrence = 'once' and dl.date is not null)
                             or (dl.recurrence = 'annual' and dl.month_day is not null))
        order by coalesce(dl.date, dl.month_day), dl.id limit :limit""", params)


# --- the home page -----------------------------------------------------------------

def home_counts(conn: sqlite3.Connection) -> dict:
    """How many documents, sources, facts and edits the base holds, and its first and last year."""
    counts = _all(conn, """select
        (select count(*) from documents) as documents,
        (select count(*) from sources) as sources,
        (select count(*) from sources where status = 'ok') as sources_ok,
        (select count(*) from citations) as citations,
        (select count(*) from citations where cited_document_id is not null) as citations_resolved,
        (select count(*) from targets) as targets,
        (select count(*) from deadlines) as deadlines,
        (select count(*) from responsibilities) as responsibilities,
        (select count(*) from cleaning_edits) as edits,
        (select min(year) from documents) as first_year,
        (select max(year) from documents) as last_year""")[0]
    counts["periods"] = (conn.execute("select count(*) from periods").fetchone()[0]
                         if _has_table(conn, "periods") else 0)
    return counts


def top_regions(conn: sqlite3.Connection, limit: int = 10) -> list[str]:
    """The regions with most documents, most first."""
    return [row[0] for row in conn.execute("""select region from documents where region is not null
        group by region order by count(*) desc, region limit :limit""", {"limit": limit})]


def documents_by_region_and_year(conn: sqlite3.Connection) -> list[dict]:
    """(region ('' for none), year, n) for every region and year with documents."""
    return _all(conn, """select coalesce(region, '') as region, year, count(*) as n
        from documents where year is not null group by 1, 2""")


def dated_targets(conn: sqlite3.Connection) -> list[dict]:
    """Targets that name a year, with their document's title, by year and object."""
    return _all(conn, """select t.id, t.year, t.quantity, t.unit, t.qualifier, t.object,
        t.document_id, d.title from targets t join documents d on d.id = t.document_id
        where t.year is not null order by t.year, t.object""")


def undated_target_count(conn: sqlite3.Connection) -> int:
    return conn.execute("select count(*) from targets where year is null").fetchone()[0]


def one_off_deadlines(conn: sqlite3.Connection) -> list[dict]:
    """Dated one-off deadlines with their document's title, by date."""
    return _all(conn, """select dl.id, dl.date, dl.kind, dl.action, dl.document_id, d.title
        from deadlines dl join documents d on d.id = dl.document_id
        where dl.recurrence = 'once' and dl.date is not null order by dl.date""")


def annual_deadlines_by_month(conn: sqlite3.Connection) -> dict[int, int]:
    """month (1-12) → how many annual deadlines fall in it."""
    rows = conn.execute("""select substr(month_day, 1, 2), count(*) from deadlines
        where recurrence = 'annual' and month_day is not null group by 1""").fetchall()
    return {int(month): n for month, n in rows if month and month.isdigit()}


# --- the document page ---------------------------------------------------------------

def document(conn: sqlite3.Connection, doc_id: str) -> dict | None:
    """The document's row, or None."""
    rows = _all(conn, "select * from documents where id = :id", {"id": doc_id})
    return rows[0] if rows else None


def document_title(conn: sqlite3.Connection, doc_id: str) -> dict | None:
    """{id, title, doc_number} of a document, or None."""
    rows = _all(conn, "select id, title, doc_number from documents where id = :id", {"id": doc_id})
    return rows[0] if rows else None


def raw_text(conn: sqlite3.Connection, doc_id: str) -> str | None:
    """The page's text as scraped ('' if none was kept), or None when there is no such document."""
    row = conn.execute("select raw_text from documents where id = :id", {"id": doc_id}).fetchone()
    return None if row is None else (row[0] or "")


def issuers(conn: sqlite3.Connection, doc_id: str) -> list[str]:
    """The document's issuers in the order they sign."""
    return [row[0] for row in conn.execute(
        "select issuer from document_issuers where document_id = :id order by position", {"id": doc_id})]


def citations(conn: sqlite3.Connection, doc_id: str) -> list[dict]:
    """What the document cites, in text order, with the cited document's title
    (``target_title``) when it is in the base."""
    return _all(conn, """select c.*, d.title as target_title from citations c
        left join documents d on d.id = c.cited_document_id
        where c.document_id = :id order by c.char_start""", {"id": doc_id})


def cited_by(conn: sqlite3.Connection, doc_id: str, doc_number: str | None) -> list[dict]:
    """Other documents citing this one (by id, or by its number), oldest first, one row each."""
    return _all(conn, """select c.id as citation_id, c.relation, c.sentence, d.id, d.title, d.doc_number,
               d.issuer, d.published_date
        from citations c join documents d on d.id = c.document_id
        where c.document_id != :id
          and (c.cited_document_id = :id or (:number is not null and c.cited_doc_number = :number))
        group by d.id order by d.published_date""", {"id": doc_id, "number": doc_number})


def targets(conn: sqlite3.Connection, doc_id: str) -> list[dict]:
    return _all(conn, "select * from targets where document_id = :id order by char_start", {"id": doc_id})


def deadlines(conn: sqlite3.Connection, doc_id: str) -> list[dict]:
    return _all(conn, "select * from deadlines where document_id = :id order by char_start", {"id": doc_id})


def periods(conn: sqlite3.Connection, doc_id: str) -> list[dict]:
    """The document's periods in text order ([] for a base from before the table)."""
    if not _has_table(conn, "periods"):
        return []
    return _all(conn, "select * from periods where document_id = :id order by char_start, id", {"id": doc_id})


def responsibilities(conn: sqlite3.Connection, doc_id: str) -> list[dict]:
    return _all(conn, "select * from responsibilities where document_id = :id order by row, char_start, id",
                {"id": doc_id})


def sources(conn: sqlite3.Connection, doc_id: str) -> list[dict]:
    """The files the document was read from, the primary one first."""
    return _all(conn, """select path, url, fetched_at, http_status, encoding, is_primary, sha256, status
        from sources where document_id = :id order by is_primary desc, path""", {"id": doc_id})


def edits(conn: sqlite3.Connection, doc_id: str, limit: int) -> list[dict]:
    """The document's first ``limit`` cleaning edits."""
    return _all(conn, """select id, kind, char_start, char_end, original, replacement, note
        from cleaning_edits where document_id = :id order by id limit :limit""", {"id": doc_id, "limit": limit})


def edit_kinds(conn: sqlite3.Connection, doc_id: str) -> list[dict]:
    """(kind, n) of the document's cleaning edits, most first."""
    return _all(conn, """select kind, count(*) as n from cleaning_edits
        where document_id = :id group by kind order by n desc""", {"id": doc_id})


# --- a fact's row ----------------------------------------------------------------------

def fact(conn: sqlite3.Connection, table: str, fact_id) -> dict | None:
    """A fact row with its document's title and number (``document_title``,
    ``document_number``) and the text at its offsets (``document_text``), or None.

    >>> fact(sqlite3.connect(":memory:"), "sources", 1)
    Traceback (most recent call last):
    ...
    ValueError: not a fact table: 'sources'
    """
    if table not in FACT_TABLES:
        raise ValueError(f"not a fact table: {table!r}")
    if not _has_table(conn, table):
        return None
    rows = _all(conn, f"""select x.*, d.title as document_title, d.doc_number as document_number,
               substr(d.body, x.char_start + 1, x.char_end - x.char_start) as document_text
        from {table} x left join documents d on d.id = x.document_id where x.id = :id""", {"id": fact_id})
    return rows[0] if rows else None
