"""Datasette plugin: Chinese search, a document page, a home page and charts.

* A policykb base is known by its tables (documents and its search index),
  never by its name: ``policykb serve --db any.db`` or ``datasette any.db``
  serves it as ``any``, described by the metadata of ``policies``
  (``get_metadata``, from the shipped datasette_metadata.json when Datasette
  was given none), and every page links under its own name (``Links``).  The
  home page and ``/search`` show the first base served.
* ``escape_fts``: Datasette wraps every ``?_search=`` in its ``escape_fts``
  SQL function.  This plugin registers its own on each connection of a base
  after Datasette's (``trylast``), turning the query into the phrase of
  character pairs the index holds (see ``db/search.py``).
* ``DocumentFacets``: the facets of the documents table, all counted in one
  pass over the matching rowids instead of one query each (see below).
* A search of a base built with another search index is refused with a
  message saying to rebuild it (``stale_base``).
* Templates in ``policykb/templates`` (added to Jinja's search path after
  any ``--template-dir`` and before Datasette's own, because Datasette only
  looks for templates beside plugins that are packages); ``index.html``,
  ``row.html`` and ``_table.html`` fall back to Datasette's own for
  anything but a base:

  - ``/`` the home page: what the base holds, the search box, facets, charts;
  - ``/<base>/documents/<id>`` the document page (Datasette's own row URL,
    so every link Datasette already makes to a document lands on it, and
    ``.json`` beside it still gives the row);
  - ``/search?q=`` search ranked by relevance, with facet counts;
  - ``/<base>/documents/<id>/raw`` the page's text as scraped, as plain text.

Every query is a function of ``db/read.py`` (``policykb.db.read``), run on
Datasette's read connection within its time limit (``_read``); this module
holds no SQL.

Every text from a document is escaped: templates autoescape, and the marked
body is built from ``markupsafe.escape``\\ d pieces.  Only ``http(s)`` source
URLs become links.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import numpy as np
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import await_me_maybe, path_with_removed_args, sqlite_timelimit, \
    tilde_decode, tilde_encode
from datasette.utils.asgi import BadRequest, NotFound, Response
from jinja2 import FileSystemLoader
from markupsafe import Markup, escape

from policykb import feeds
from policykb.live import file_stamp as _file_stamp, make_live
from policykb.db import read
from policykb.db.read import Search
from policykb.db.store import SCHEMA_VERSION, stored_versions
from policykb.extract.docnumber import find_doc_numbers
from policykb.ingest.convert import to_simplified

TEMPLATES = Path(__file__).parent / "templates"
# datasette_metadata.json describes the base under this name; a base served
# under any other (policykb serve --db other.db, datasette other.db) is
# described the same (get_metadata), and the shipped file stands in when
# Datasette was given no description of it.
METADATA_NAME = "policies"
SHIPPED_METADATA = Path(__file__).resolve().parent.parent / "datasette_metadata.json"
SEARCH_PAGE_SIZE = 30
# Past this page an offset no longer fits SQLite's integers; no search has
# 30 million results.
MAX_PAGE = 1_000_000
# Facets shown on the home page and the search page, as (column, label).
FACETS = [("doc_type", "类型 type"), ("issuer", "发文机关 issuer"), ("region", "地区 region"), ("year", "年份 year")]
FACET_LIMIT = 12
EDITS_SHOWN = 100


# --- which databases are policykb bases ----------------------------------------

@lru_cache(maxsize=64)
def _is_base(path: str, stamp: tuple) -> bool:
    return read.is_base(path)


def bases(datasette) -> list[str]:
    """Names of the served databases that are policykb bases, in the order served.

    A base is known by its tables, never by its name: ``policykb serve --db
    any.db`` serves it as ``any``.
    """
    names = []
    for name, db in list(datasette.databases.items()):
        if db.is_memory or not db.path:
            continue
        try:
            if _is_base(str(db.path), _file_stamp(str(db.path))):
                names.append(name)
        except OSError:
            continue
    return names


def the_base(datasette) -> str | None:
    """The base the home page and /search show: the first one served."""
    found = bases(datasette)
    return found[0] if found else None


@lru_cache(maxsize=1)
def _shipped_metadata() -> dict:
    try:
        return json.loads(SHIPPED_METADATA.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class Links:
    """URLs of one served base's pages (Datasette's own, under the base's name).

    >>> from datasette.app import Datasette
    >>> links = Links(Datasette(), "policies")
    >>> links.table("targets", year=2025), links.query("annual_deadlines", month=12)
    ('/policies/targets?year=2025', '/policies/annual_deadlines?month=12')
    """
    datasette: object
    database: str

    def _route(self) -> str:
        db = self.datasette.databases.get(self.database)
        return tilde_encode(db.route if db is not None else self.database)

    def home(self) -> str:
        return self.datasette.urls.path(self._route())

    def table(self, table: str, **filters) -> str:
        return f"{self.home()}/{tilde_encode(table)}" + ("?" + urlencode(filters) if filters else "")

    def query(self, name: str, **params) -> str:
        return self.table(name, **params)

    def row(self, table: str, pk, anchor: str | None = None) -> str:
        return f"{self.table(table)}/{tilde_encode(str(pk))}" + (f"#{anchor}" if anchor else "")

    def document(self, doc_id: str, anchor: str | None = None) -> str:
        return self.row("documents", doc_id, anchor)


# --- reading a search as the documents were made ------------------------------

# A word's forms beyond these few are not tried (a query is a few words).
MAX_FORMS = 4
_NUMBER_YEAR = re.compile(r"〔(\d{4})〕")


def normalise_numbers(query: str) -> str:
    """``query`` with each document number written as the base writes them
    (extract/docnumber.py: 〔〕, ASCII digits, no spaces inside).

    >>> normalise_numbers("教职成厅函 [2023] 15号 产教融合")
    '教职成厅函〔2023〕15号 产教融合'
    """
    for start, end, number in reversed(find_doc_numbers(query)):
        query = query[:start] + number + query[end:]
    return query


@lru_cache(maxsize=1024)
def _read_query(query: str) -> tuple[tuple[str, ...], ...]:
    words = []
    for word in normalise_numbers(query).split():
        forms = [word, to_simplified(word)]
        # Bodies write a number's year in 〔〕 (197 times in the bundled
        # corpus) and sometimes in [] (5): a number is looked for in both.
        forms += [_NUMBER_YEAR.sub(r"[\1]", form) for form in forms]
        words.append(tuple(dict.fromkeys(forms))[:MAX_FORMS])
    return tuple(words)


def read_query(query: str) -> list[tuple[str, ...]]:
    """A search's words, each with the forms it may take in the documents:
    as typed, in simplified script (the base converted traditional pages with
    OpenCC, ingest/convert.py; a simplified word OpenCC would change, 著 or
    乾, is still found as typed), its document numbers normalised as the
    documents' were, with their year in 〔〕 or [].

    >>> read_query("公積金 教职成厅函[2023]15号")
    [('公積金', '公积金'), ('教职成厅函〔2023〕15号', '教职成厅函[2023]15号')]
    """
    return list(_read_query(query))


def simplified_query(query: str) -> str:
    """The search as the documents read it (each word's simplified, normalised form).

    >>> simplified_query("住房公積金  教职成厅函[2023]15号")
    '住房公积金 教职成厅函〔2023〕15号'
    """
    return " ".join(to_simplified(word) for word in normalise_numbers(query).split())


# --- hooks -----------------------------------------------------------------

@hookimpl
def startup(datasette):
    """Serve each database file as it is now, also after a build renames a new one over it (policykb/live.py)."""
    make_live(datasette)


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    # Only a base's connections: Datasette's escape_fts stays on other
    # databases, whose search indexes are not of character pairs.
    if database in bases(datasette):
        read.prepare_connection(conn, read_query)


@hookimpl
def get_metadata(datasette, key, database, table):
    """A base served under another name is described as ``policies`` is."""
    local = (getattr(datasette, "_metadata_local", None) or {}).get("databases") or {}
    template = local.get(METADATA_NAME) or (_shipped_metadata().get("databases") or {}).get(METADATA_NAME)
    names = [name for name in bases(datasette) if name not in local] if template else []
    return {"databases": {name: template for name in names}} if names else {}


def stale_base(path: Path | str) -> str | None:
    """Why the base at ``path`` cannot be searched with this code, or None.

    A base built before the search index last changed would answer every
    search with nothing or the wrong documents: it has to be rebuilt.
    """
    version, _ = stored_versions(path)
    if version in (None, SCHEMA_VERSION):
        return None
    return (f"{path} was built by another version of policykb (schema {version}, this one reads "
            f"{SCHEMA_VERSION}): run policykb build --db {path} to bring it up to date")


@lru_cache(maxsize=8)
def _stale(path: str, stamp: tuple) -> str | None:
    return stale_base(path)


def _refuse_stale(datasette, database: str) -> None:
    db = datasette.get_database(database)
    message = db.path and _stale(str(db.path), _file_stamp(str(db.path)))
    if message:
        raise BadRequest(message)


@hookimpl
def filters_from_request(request, database, datasette):
    if "_search" in request.args and database in bases(datasette):
        _refuse_stale(datasette, database)


# Datasette writes ?_search_<column>= as ``rowid in (select rowid from <fts>
# where <column> match …)`` whatever the table's fts_pk (datasette/filters.py,
# 0.65): documents.rowid is not the index's rowid (documents_fts holds
# fts_rowid), so ?_search_title=公积金 listed documents without it.  This
# wrapper puts the table's fts_pk in that clause, as Datasette does for ?_search=.
_COLUMN_SEARCH = re.compile(r"^rowid in \(select rowid from (?P<fts>\S+) where (?P<column>\S+) match ")


def fts_pk_clause(clause: str, fts_pk: str) -> str:
    """Datasette's clause of a column search with the search index's key in place of rowid.

    >>> fts_pk_clause('rowid in (select rowid from documents_fts where title match escape_fts(:search_0))',
    ...               "fts_rowid")
    '"fts_rowid" in (select rowid from documents_fts where title match escape_fts(:search_0))'
    >>> fts_pk_clause("year = :p0", "fts_rowid")
    'year = :p0'
    """
    if not isinstance(clause, str) or not _COLUMN_SEARCH.match(clause):
        return clause
    return '"{}"'.format(fts_pk.replace('"', '""')) + clause[len("rowid"):]


@hookimpl(specname="filters_from_request", hookwrapper=True)
def column_search_by_fts_pk(request, database, table, datasette):
    outcome = yield
    if not any(key.startswith("_search_") for key in request.args) or database not in bases(datasette):
        return
    fts_pk = (datasette.table_metadata(database, table) or {}).get("fts_pk")
    if not fts_pk or fts_pk == "rowid":
        return

    def fixed(result):
        async def inner():
            arguments = await await_me_maybe(result)
            if arguments is not None and getattr(arguments, "where_clauses", None):
                arguments.where_clauses = [fts_pk_clause(c, fts_pk) for c in arguments.where_clauses]
            return arguments
        return inner

    outcome.force_result([fixed(result) for result in outcome.get_result()])


@hookimpl
def register_facet_classes():
    return [DocumentFacets]


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """Put our templates before Datasette's defaults (after ``--template-dir``)."""
    loader = env.loader.loaders[0]
    if isinstance(loader, FileSystemLoader) and str(TEMPLATES) not in loader.searchpath:
        loader.searchpath.insert(len(loader.searchpath) - 1, str(TEMPLATES))
    env.filters["policykb_snippet"] = snippet


@hookimpl
def register_routes(datasette):
    return [
        (r"^/search$", search_view),
        (r"^/search\.json$", search_json_view),
        (r"^/search\.atom$", atom_view),
        (r"^/search\.ics$", calendar_view),
        (r"^/(?P<database>[^/]+)/documents/(?P<id>[^/.]+)/raw$", raw_text_view),
    ]


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    if view_name == "index":
        base = the_base(datasette)
        return _home_vars(datasette, base) if base else {}
    if view_name not in ("table", "row") or table not in ("documents", *read.FACT_TABLES) \
            or database not in bases(datasette):
        return {}
    if view_name == "table":
        return {"policykb_documents": True, "doc_url": Links(datasette, database).document} \
            if table == "documents" else {}
    if request is None:
        return {}
    pk = tilde_decode(request.url_vars["pks"])
    if table == "documents":
        return _document_vars(datasette, database, pk)
    return _fact_vars(datasette, database, table, pk)


@hookimpl
def render_cell(value, column, table, database, datasette):
    """In canned queries, a document id links to its document page; in a
    fact's row, to its document by title (a table's rows have Datasette's
    labels already)."""
    if not isinstance(value, str):
        return None
    if table is None and column in ("document_id", "cited_document_id", "id") \
            and re.fullmatch(r"[0-9a-f]{6,40}", value) and database in bases(datasette):
        return Markup('<a href="{}">{}</a>').format(Links(datasette, database).document(value), value)
    if column == "document_id" and table in read.FACT_TABLES and database in bases(datasette):
        async def titled():
            doc = await _read(datasette, database, read.document_title, value)
            if doc is None:
                return None
            return Markup('<a href="{}">{}</a> <code>{}</code>').format(
                Links(datasette, database).document(value), doc["title"] or doc["doc_number"] or value, value)
        return titled
    return None


# --- facets of the documents table in one pass -------------------------------

# Datasette counts each facet with a query of its own, and each finds the
# matches again (FTS, a seek per match) and sorts them to group them: 385 ms
# of CPU for the four facets of 人民政府 (92,704 of 100,000 documents).  The
# facets of documents configured in datasette_metadata.json (as
# {"policykb_column": column}) are counted instead from one list of the
# matching fts_rowids, against every document's facet values held in memory
# as integer codes (FacetIndex: read once per database file, 0.2 s and 1.6 MB
# at 100,000 documents): 32 ms for the four.  Same values, counts, order and
# JSON as Datasette's own column facet (tests/test_search_facets.py).
FACET_TYPE = "policykb_column"


def sqlite_order(value) -> tuple:
    """A sort key ordering values as SQLite does: NULL, numbers, text, blobs.

    >>> sorted([b"x", "b", 2, None, "a", 1.5], key=sqlite_order)
    [None, 1.5, 2, 'a', 'b', b'x']
    """
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, value) if isinstance(value, str) else (3, value)


@dataclass(frozen=True)
class FacetIndex:
    """Each facet column of every document as an integer code, by fts_rowid.

    ``values[column][code]`` is the value a code stands for; code 0 is NULL
    (or no document has that fts_rowid).
    """
    values: dict[str, list]
    codes: dict[str, np.ndarray]

    @classmethod
    def read(cls, conn: sqlite3.Connection, columns: tuple[str, ...]) -> "FacetIndex":
        rows = read.facet_rows(conn, columns)
        rowids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        size = int(rowids.max()) + 1 if len(rows) else 1
        values, codes = {}, {}
        for i, column in enumerate(columns, 1):
            # Python's equality is SQLite's GROUP BY's: 1 and 1.0 one group, '1' another.
            code_of: dict = {None: 0}
            column_codes = np.zeros(size, np.int32)
            column_codes[rowids] = [code_of.setdefault(row[i], len(code_of)) for row in rows]
            values[column], codes[column] = list(code_of), column_codes
        return cls(values, codes)

    def counts(self, column: str, fts_rowids: np.ndarray) -> list[tuple[object, int]]:
        """(value, documents) of ``column`` among these documents, NULL left
        out, most documents first, ties in SQLite's order of the values."""
        values = self.values[column]
        n = np.bincount(self.codes[column][fts_rowids], minlength=len(values))
        present = [int(code) for code in np.flatnonzero(n) if code]
        present.sort(key=lambda code: (-n[code], sqlite_order(values[code])))
        return [(values[code], int(n[code])) for code in present]


@lru_cache(maxsize=4)
def _facet_index(path: str, stamp: tuple, columns: tuple[str, ...]) -> FacetIndex:
    """The facet index of one version of a database file (``stamp``: its
    inode, modification time and size, so a rebuilt base is read again)."""
    conn = read.connect(path)
    try:
        return FacetIndex.read(conn, columns)
    finally:
        conn.close()


def _interruptible(conn, time_limit_ms: int | None, fn, *args):
    """``fn(conn, *args)``, raising QueryInterrupted past ``time_limit_ms`` as Datasette's queries do."""
    try:
        if time_limit_ms:
            with sqlite_timelimit(conn, time_limit_ms):
                return fn(conn, *args)
        return fn(conn, *args)
    except sqlite3.OperationalError as e:
        if e.args == ("interrupted",):
            raise QueryInterrupted(e, getattr(fn, "__name__", "query"), args)
        raise


async def count_facets(db, list_rowids, columns: tuple[str, ...],
                       time_limit_ms: int | None = None) -> dict[str, list[tuple[object, int]]]:
    """column → (value, documents) for the documents whose fts_rowids
    ``list_rowids(conn)`` gives (one space-separated string, or None for
    none: a few MB of text cost less than 93,000 rows through the sqlite3
    module; see db/read.py).

    Raises QueryInterrupted when listing them takes over ``time_limit_ms``.
    """
    path = str(db.path)
    stamp = _file_stamp(path)

    def count(conn):
        index = _facet_index(path, stamp, columns)
        joined = _interruptible(conn, time_limit_ms, list_rowids)
        rowids = np.fromstring(joined, dtype=np.int64, sep=" ") if joined else np.zeros(0, np.int64)
        return {column: index.counts(column, rowids) for column in columns}

    return await db.execute_fn(count)


class DocumentFacets(ColumnFacet):
    """Column facets of the documents table, all counted in one pass.

    Configured in the metadata as ``{"policykb_column": "doc_type"}``;
    reported exactly as Datasette's column facets (type "column").  A column
    also asked for with ``?_facet=`` is left to Datasette's own facet, so it
    is not shown twice.
    """
    type = FACET_TYPE

    async def suggest(self):
        return []

    def _search_only(self) -> bool:
        """True when the rows are exactly the documents matching ``?_search=``
        (Datasette's clause, nothing else): their fts_rowids are then the
        search index's rowids, with no seek into documents."""
        metadata = self.metadata or {}
        clause = read.datasette_search_clause(self.table, metadata.get("fts_table"), metadata.get("fts_pk", "rowid"))
        return set(self.params) == {"search"} and self.sql.rstrip().endswith(f" from {self.table} {clause}")

    async def facet_results(self):
        requested = {value for key, value in self.get_querystring_pairs() if key == "_facet"}
        configs = [(c["config"].get("column") or c["config"]["simple"], c["source"]) for c in self.get_configs()]
        configs = [(column, source) for column, source in configs if column not in requested]
        if self.table != "documents" or not configs:
            return [], []
        sql, params = self.sql, self.params
        if self._search_only():
            def list_rowids(conn):
                return read.matching_rowids(conn, params["search"])
        else:
            def list_rowids(conn):
                return read.rowids_of_query(conn, sql, params)
        columns = tuple(column for column, _ in configs)
        try:
            counted = await count_facets(self.ds.get_database(self.database), list_rowids, columns,
                                         self.ds.setting("facet_time_limit_ms"))
        except QueryInterrupted:
            return [], list(columns)
        fk_columns = {fk["column"] for fk in
                      await self.ds.get_database(self.database).foreign_keys_for_table(self.table)}
        urls = _ToggleUrls(self.ds, self.request)
        size = self.get_facet_size()
        results = []
        for column, source in configs:
            pairs = counted[column]
            shown = pairs[:size]
            labels = (await self.ds.expand_foreign_keys(self.database, self.table, column, [v for v, _ in shown])
                      if column in fk_columns else {})
            results.append({"name": column, "type": "column", "hideable": source != "metadata",
                            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                            "results": [urls.value(column, value, count, labels) for value, count in shown],
                            "truncated": len(pairs) > size})
        return results, []


class _ToggleUrls:
    """Each facet value as Datasette's ColumnFacet reports it, its toggle URL
    built from one parse of the query string: path_with_added_args parses it
    again for every value, 3 ms of a 20 ms request."""

    def __init__(self, ds, request):
        self.ds, self.request = ds, request
        # As Datasette: blank values dropped from the URLs, kept to tell what is selected.
        self.query = urlencode(parse_qsl(request.query_string))
        self.selected = set(parse_qsl(request.query_string, keep_blank_values=True))
        self.base = ds.absolute_url(request, ds.urls.path(request.path))

    def value(self, column: str, value, count: int, labels: dict) -> dict:
        column_qs = f"{column}__exact" if column.startswith("_") else column
        selected = (column_qs, str(value)) in self.selected
        if selected:
            url = self.ds.absolute_url(self.request, self.ds.urls.path(
                path_with_removed_args(self.request, {column_qs: str(value)})))
        else:
            added = urlencode([(column_qs, value)])
            url = f"{self.base}?{self.query}&{added}" if self.query else f"{self.base}?{added}"
        return {"value": value, "label": labels.get((column, value), value), "count": count, "toggle_url": url,
                "selected": selected}


# --- small helpers ---------------------------------------------------------

def search_url(q: str, _path: str = "/search", **filters) -> str:
    """A search's URL, empty values left out.

    >>> search_url("产教融合", doc_type="通知", region=None, _path="/search.json")
    '/search.json?q=%E4%BA%A7%E6%95%99%E8%9E%8D%E5%90%88&doc_type=%E9%80%9A%E7%9F%A5'
    """
    args = {k: v for k, v in {"q": q, **filters}.items() if v not in (None, "")}
    return _path + ("?" + urlencode(args) if args else "")


def http_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None: a scraped ``javascript:`` never becomes a link.

    >>> http_url("https://www.gov.cn/a.html"), http_url("javascript:alert(1)")
    ('https://www.gov.cn/a.html', None)
    """
    return url if url and re.match(r"https?://", url.strip(), re.I) else None


def snippet(body: str | None, query: str | None, width: int = 70) -> Markup:
    """An escaped excerpt of ``body`` around the first query word, the word marked.

    >>> str(snippet("前言。深化产教融合<b>，校企合作。", "产教融合", width=4))
    '…言。深化<mark>产教融合</mark>&lt;b&gt;，…'
    """
    body = body or ""
    forms = [form for word in read_query(query or "") for form in word]
    for word in forms + [unicodedata.normalize("NFKC", w) for w in forms]:
        at = body.find(word)
        if at >= 0:
            start, end = max(0, at - width), min(len(body), at + len(word) + width)
            return Markup("{}{}<mark>{}</mark>{}{}").format(
                "…" if start else "", body[start:at], body[at:at + len(word)],
                body[at + len(word):end], "…" if end < len(body) else "")
    head = body[:2 * width]
    return Markup("{}{}").format(head, "…" if len(body) > len(head) else "")


async def _read(datasette, database: str, fn, *args):
    """``fn(conn, *args)`` of db/read.py on the base's read connection, stopped
    after ``sql_time_limit_ms`` as Datasette stops its own queries."""
    return await datasette.get_database(database).execute_fn(
        lambda conn: _interruptible(conn, datasette.setting("sql_time_limit_ms"), fn, *args))


# --- the marked body -------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    """A stretch of the body that links somewhere: a target, deadline, period, agency or citation.

    ``anchor``: the id the stretch carries in the page (``targets-5``), so a
    fact's row page can link to its place in the text.
    """
    start: int
    end: int
    kind: str
    href: str
    title: str
    anchor: str | None = None


@dataclass
class Block:
    """A paragraph (``cells`` has one entry) or a table row run (``rows``) of the body."""
    rows: list[list[Markup]]
    table: bool


def _link(text: str, mark: Mark | None, anchored: set[str]) -> Markup:
    """``text`` escaped, as a link when a mark covers it; the first link of
    a mark with an anchor carries it as its id (``anchored``: those given)."""
    if mark is None:
        return escape(text)
    if mark.anchor and mark.anchor not in anchored:
        anchored.add(mark.anchor)
        return Markup('<a class="mark mark-{}" href="{}" title="{}" id="{}">{}</a>').format(
            mark.kind, mark.href, mark.title, mark.anchor, text)
    return Markup('<a class="mark mark-{}" href="{}" title="{}">{}</a>').format(mark.kind, mark.href, mark.title, text)


def _pieces(body: str, marks: list[Mark]) -> list[tuple[str, Mark | None]]:
    """The body cut where marks begin and end, each stretch with the innermost mark covering it."""
    marks = [m for m in marks if 0 <= m.start < m.end <= len(body)]
    cuts = sorted({0, len(body), *(m.start for m in marks), *(m.end for m in marks)})
    pieces: list[tuple[str, Mark | None]] = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [m for m in marks if m.start <= a and b <= m.end]
        inner = min(covering, key=lambda m: (m.end - m.start, m.kind)) if covering else None
        if pieces and pieces[-1][1] is inner and inner is not None:
            pieces[-1] = (pieces[-1][0] + body[a:b], inner)
        else:
            pieces.append((body[a:b], inner))
    return pieces


def shown_anchors(body: str, marks: list[Mark]) -> set[str]:
    """The anchors of the marks that show in the text (a mark wholly inside
    others, or off the body, does not).

    >>> sorted(shown_anchors("到2025年建成300个", [Mark(8, 12, "target", "/t/1", "", "targets-1"),
    ...                                           Mark(8, 12, "cite", "/c/1", "", "citations-1"),
    ...                                           Mark(20, 30, "deadline", "/d/1", "", "deadlines-1")]))
    ['citations-1']
    """
    return {m.anchor for text, m in _pieces(body, marks) if m and m.anchor and text.replace(" | ", "").strip()}


def marked_blocks(body: str, marks: list[Mark]) -> list[Block]:
    """The body as escaped paragraphs (one a line) and tables, each mark a link.

    Marks may overlap (a target inside a cited sentence): every stretch of
    text links to the innermost mark covering it, and adjacent stretches of the
    same mark are one link.  Lines whose cells are joined with `` | `` (how
    the page reader writes table rows) become a table.

    >>> blocks = marked_blocks("到2025年建成300个<i>\\n序号 | 单位\\n1 | 市教育局", [Mark(8, 12, "target", "/t/1", "300 个")])
    >>> [str(c) for c in blocks[0].rows[0]]
    ['到2025年建成<a class="mark mark-target" href="/t/1" title="300 个">300个</a>&lt;i&gt;']
    >>> blocks[1].table, [[str(c) for c in row] for row in blocks[1].rows]
    (True, [['序号', '单位'], ['1', '市教育局']])
    """
    pieces = _pieces(body, marks)
    # Lines, each a list of cells, each cell a list of (text, mark) pieces.
    lines: list[list[list[tuple[str, Mark | None]]]] = [[[]]]
    for text, mark in pieces:
        for i, line in enumerate(text.split("\n")):
            if i:
                lines.append([[]])
            for j, cell in enumerate(line.split(" | ")):
                if j:
                    lines[-1].append([])
                if cell:
                    lines[-1][-1].append((cell, mark))
    blocks: list[Block] = []
    run: list[Markup] = []  # consecutive lines of one cell each, every one ending in |
    anchored: set[str] = set()
    for line in lines + [[[("", None)]]]:
        cells = [Markup("").join(_link(t, m, anchored) for t, m in cell).strip() for cell in line]
        if len(cells) == 1 and (cells[0].endswith(" |") or cells[0] == "|"):
            run.append(Markup(cells[0][:-1].rstrip()))
            continue
        if run:
            blocks.extend(_cell_run(run))
            run = []
        if cells and cells[-1].endswith(" |"):
            cells[-1] = Markup(cells[-1][:-2].rstrip())
        cells = cells if len(cells) > 1 else [c for c in cells if c.strip()]
        if not cells:
            continue
        table = len(cells) > 1
        if table and blocks and blocks[-1].table:
            blocks[-1].rows.append(cells)
        else:
            blocks.append(Block([cells], table))
    return blocks


def _cell_run(cells: list[Markup]) -> list[Block]:
    """A table written one cell a line (the page reader writes a cell holding
    paragraphs so): its header is the cells before the cell "1", and each row
    starts at the next serial number (2, 3 …), so a row whose merged cells
    the page left out (rowspan) is a shorter row, not a shifted table.

    Without a header of two cells or more, or serial numbers after it, the
    cells stay paragraphs.

    >>> rows = _cell_run([Markup(c) for c in ["序号", "任务", "单位", "1", "甲", "市教育局", "2", "市人社局", "", "3",
    ...                                       "丙", "市财政局"]])[0].rows
    >>> [[str(c) for c in row] for row in rows]
    [['序号', '任务', '单位'], ['1', '甲', '市教育局'], ['2', '', '市人社局'], ['3', '丙', '市财政局']]
    >>> [b.table for b in _cell_run([Markup("甲"), Markup("乙")])]
    [False, False]
    """
    width = next((i for i, c in enumerate(cells) if c == "1"), 0)
    if width < 2:
        return [Block([[c]], False) for c in cells if c]
    rows, serial = [cells[:width]], 1
    for cell in cells[width:]:
        if cell == str(serial) and (serial == 1 or len(rows[-1]) >= 2):
            rows.append([cell])
            serial += 1
        else:
            rows[-1].append(cell)
    if serial < 3 or any(len(row) > width for row in rows[1:]):
        # Not one serial number a row: the cells are not this table's.
        if len(cells) % width == 0:
            return [Block([cells[i:i + width] for i in range(0, len(cells), width)], True)]
        return [Block([[c]], False) for c in cells if c]
    # A shorter row lacks the cells merged from the row above (rowspan), and
    # those are the columns after the serial number (a task spanning its
    # measures): the cells it has go to the right, under the columns they
    # belong to.  The page ends such a row with empty cells: dropped first.
    for i, row in enumerate(rows[1:], 1):
        while len(row) > 1 and row[-1] == "":
            row.pop()
        rows[i] = row[:1] + [Markup("")] * (width - len(row)) + row[1:]
    return [Block(rows, True)]


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def confidence(row: dict) -> Markup:
    """A fact's confidence as a small badge, its evidence (the rule path) on hover.

    >>> str(confidence({"confidence": 0.875, "evidence": "window"}))
    '<span class="conf conf-high" title="confidence 0.88 · evidence: window">0.88</span>'
    >>> str(confidence({}))
    ''
    """
    value = row.get("confidence")
    if value is None:
        return Markup("")
    level = "high" if value >= 0.8 else "mid" if value >= 0.5 else "low"
    return Markup('<span class="conf conf-{}" title="confidence {:.2f} · evidence: {}">{:.2f}</span>').format(
        level, value, row.get("evidence") or "?", value)


PERIOD_KINDS = {"effective": "生效 effective", "expiry": "失效 expiry", "window": "期间 window"}


def period_when(p: dict) -> str:
    """A period's dates in words.

    >>> period_when({"start": "2023-07-30", "end": None, "recurrence": "once"})
    'from 2023-07-30'
    >>> period_when({"start": "01-01", "end": "12-31", "recurrence": "annual"})
    '每年 01-01 – 12-31'
    """
    start, end = p.get("start"), p.get("end")
    when = f"{start} – {end}" if start and end else f"from {start}" if start else f"until {end}" if end else "—"
    return ("每年 " + when) if p.get("recurrence") == "annual" else when


def _anchor(table: str, row: dict) -> str:
    return f"{table}-{row['id']}"


def _document_marks(body: str, links: Links, citations, targets, deadlines, periods,
                    responsibilities) -> list[Mark]:
    marks = []
    for c in citations:
        if c["char_start"] is not None and c["char_end"] is not None:
            marks.append(Mark(c["char_start"], c["char_end"], "cite", c["href"], "引用 cites: " + c["label"],
                              _anchor("citations", c)))
    for t in targets:
        if t["char_start"] is not None:
            what = " ".join(x for x in [str(t["year"] or ""), t["qualifier"] or "",
                                        _number(t["quantity"]) + (t["unit"] or ""), t["object"] or ""] if x)
            marks.append(Mark(t["char_start"], t["char_end"], "target", links.row("targets", t["id"]),
                              "目标 target: " + what, _anchor("targets", t)))
    for d in deadlines:
        if d["char_start"] is not None:
            when = d["date"] or ("每年 " + (d["month_day"] or ""))
            marks.append(Mark(d["char_start"], d["char_end"], "deadline", links.row("deadlines", d["id"]),
                              f"期限 deadline: {when} {d['action'] or ''}", _anchor("deadlines", d)))
    for p in periods:
        if p["char_start"] is not None and p["char_end"] is not None:
            kind = PERIOD_KINDS.get(p["kind"], p["kind"] or "")
            marks.append(Mark(p["char_start"], p["char_end"], "period", links.row("periods", p["id"]),
                              f"时段 period, {kind}: {period_when(p)} {p.get('subject') or ''}".rstrip(),
                              _anchor("periods", p)))
    for r in responsibilities:
        # The row's offsets cover its whole sentence; mark the agency's name in it.
        if r["char_start"] is None or not r["agency"]:
            continue
        at = body.find(r["agency"], r["char_start"], r["char_end"])
        if at >= 0:
            marks.append(Mark(at, at + len(r["agency"]), "agency", links.row("responsibilities", r["id"]),
                              f"责任单位 {r['role'] or ''}: {r['agency_canonical'] or r['agency']}",
                              _anchor("responsibilities", r)))
    return marks


def _place_facts(table: str, rows: list[dict], shown: set[str]) -> None:
    """Give each listed fact the id its row page links to: its mark's when the
    text shows it (the list row is then ``…-row``), else the list row's own."""
    for row in rows:
        anchor = _anchor(table, row)
        row["in_text"] = anchor in shown
        row["list_id"] = anchor + "-row" if row["in_text"] else anchor
        row["text_href"] = "#" + anchor


# --- the document page -----------------------------------------------------

def _document_vars(datasette, database: str, doc_id: str):
    links = Links(datasette, database)

    async def inner():
        doc = await _read(datasette, database, read.document, doc_id)
        if doc is None:
            return {}
        citations = await _read(datasette, database, read.citations, doc_id)
        for c in citations:
            c["label"] = c["target_title"] or c["cited_title"] or c["cited_doc_number"] or "?"
            c["href"] = (links.document(c["cited_document_id"]) if c["cited_document_id"]
                         else search_url(c["cited_doc_number"] or c["cited_title"] or ""))
        cited_by = await _read(datasette, database, read.cited_by, doc_id, doc["doc_number"])
        targets = await _read(datasette, database, read.targets, doc_id)
        deadlines = await _read(datasette, database, read.deadlines, doc_id)
        periods = await _read(datasette, database, read.periods, doc_id)
        responsibilities = await _read(datasette, database, read.responsibilities, doc_id)
        sources = await _read(datasette, database, read.sources, doc_id)
        for s in sources:
            s["link"] = http_url(s["url"])
            s["row_url"] = links.row("sources", s["path"])
        edits = await _read(datasette, database, read.edits, doc_id, EDITS_SHOWN)
        edit_kinds = await _read(datasette, database, read.edit_kinds, doc_id)
        issuers = await _read(datasette, database, read.issuers, doc_id)
        repealed_by = doc["repealed_by"] and await _read(datasette, database, read.document_title, doc["repealed_by"])
        body = doc["body"] or ""
        marks = _document_marks(body, links, citations, targets, deadlines, periods, responsibilities)
        shown = shown_anchors(body, marks)
        for table, rows in (("citations", citations), ("targets", targets), ("deadlines", deadlines),
                            ("periods", periods), ("responsibilities", responsibilities)):
            _place_facts(table, rows, shown)
        return {
            "policykb_document": True,
            "doc": doc,
            "doc_issuers": issuers,
            "doc_blocks": marked_blocks(body, marks),
            "doc_citations": citations,
            "doc_cited_by": cited_by,
            "doc_targets": targets,
            "doc_deadlines": deadlines,
            "doc_periods": periods,
            "period_kinds": PERIOD_KINDS,
            "period_when": period_when,
            "confidence": confidence,
            "doc_responsibilities": responsibilities,
            "doc_sources": sources,
            "doc_edits": edits,
            "doc_edit_kinds": edit_kinds,
            "doc_repealed_by": repealed_by or None,
            "doc_raw_url": links.document(doc_id) + "/raw",
            "number": _number,
            "table_url": links.table,
            "doc_url": links.document,
            "kb_links": links,
            "search_url": search_url,
        }
    return inner


def _fact_vars(datasette, database: str, table: str, pk: str):
    """A fact's row page: its document by title, a link to its place in the
    text, the text it stands for within its sentence, its confidence."""
    links = Links(datasette, database)

    async def inner():
        fact = await _read(datasette, database, read.fact, table, pk)
        if fact is None or not fact.get("document_id"):
            return {}
        # Duties are neither marked nor listed on the document page.
        anchor = _anchor(table, fact) if table != "duties" else None
        return {
            "policykb_fact": fact,
            "fact_doc_url": links.document(fact["document_id"]),
            "fact_text_url": links.document(fact["document_id"], anchor),
            "fact_quote": quote(fact.get("sentence"), fact.get("document_text")),
            "confidence": confidence,
        }
    return inner


def quote(sentence: str | None, text: str | None) -> Markup:
    """The sentence escaped, the fact's text in it marked (the text alone when
    the sentence does not hold it).

    >>> str(quote("到2025年建成<b>300个基地", "300个"))
    '到2025年建成&lt;b&gt;<mark>300个</mark>基地'
    >>> str(quote(None, "300个")), str(quote(None, None))
    ('<mark>300个</mark>', '')
    """
    sentence, text = sentence or "", text or ""
    at = sentence.find(text) if text else -1
    if at < 0:
        return Markup("<mark>{}</mark>").format(text) if text else escape(sentence)
    return Markup("{}<mark>{}</mark>{}").format(sentence[:at], text, sentence[at + len(text):])


async def raw_text_view(datasette, request):
    """The document's text as scraped, as plain text (never rendered as HTML)."""
    try:
        database = datasette.get_database(route=tilde_decode(request.url_vars["database"])).name
    except KeyError:
        raise NotFound("No such database")
    if database not in bases(datasette):
        raise NotFound("Not a policykb base")
    text = await _read(datasette, database, read.raw_text, request.url_vars["id"])
    if text is None:
        raise NotFound("No such document")
    return Response.text(text, headers={"X-Content-Type-Options": "nosniff"})


# --- the home page and its charts ------------------------------------------

async def _facet_counts(datasette, database: str, search: Search = Search(), limit: int = FACET_LIMIT) -> list[dict]:
    counted = await count_facets(datasette.get_database(database), lambda conn: read.search_rowids(conn, search),
                                 tuple(column for column, _ in FACETS), datasette.setting("sql_time_limit_ms"))
    facets = []
    for column, label in FACETS:
        pairs = counted[column]
        if column == "year":
            pairs = sorted(pairs, key=lambda pair: sqlite_order(pair[0]), reverse=True)
        rows = [{"value": value, "n": n} for value, n in pairs[:limit]]
        facets.append({"column": column, "label": label, "values": rows, "more": len(pairs) > limit,
                       "more_url": Links(datasette, database).table("documents", _facet=column, _facet_size="max")})
    return facets


def _heat(count: int, top: int) -> str:
    """A background shade for a heat-map cell (0 → white, top → dark blue)."""
    if not count:
        return "#f6f7f9"
    level = 0.15 + 0.85 * count / max(top, 1)
    return f"rgba(31, 95, 168, {level:.2f})"


def _timeline(deadlines: list[dict], width: int = 900) -> dict:
    """Positions for one-off deadlines on an SVG time axis (years left to right, dots stacked)."""
    dated = []
    for d in deadlines:
        try:
            dated.append((date.fromisoformat(d["date"]), d))
        except (TypeError, ValueError):
            continue
    if not dated:
        return {"dots": [], "years": [], "width": width, "height": 60}
    first, last = min(x for x, _ in dated).year, max(x for x, _ in dated).year + 1
    left, right = 30, width - 20

    def x_of(day: date) -> float:
        return left + (right - left) * (day.year - first + (day.timetuple().tm_yday - 1) / 366) / (last - first)

    stacks: dict[tuple[int, int], int] = {}
    dots = []
    for day, d in sorted(dated, key=lambda p: p[0]):
        key = (day.year, (day.month - 1) // 3)
        level = stacks.get(key, 0)
        stacks[key] = level + 1
        dots.append({"x": round(x_of(day), 1), "level": level, "d": d, "future": day >= date.today()})
    top = max(stacks.values())
    height = 40 + 9 * top
    for dot in dots:
        dot["y"] = height - 28 - 9 * dot["level"]
    step = 1 if last - first <= 14 else 2
    years = [{"year": y, "x": round(x_of(date(y, 1, 1)), 1)} for y in range(first, last + 1) if (y - first) % step == 0]
    today_x = round(x_of(date.today()), 1) if first <= date.today().year < last else None
    return {"dots": dots, "years": years, "width": width, "height": height, "axis_y": height - 20, "today_x": today_x}


def _home_vars(datasette, database: str):
    links = Links(datasette, database)

    async def inner():
        counts = await _read(datasette, database, read.home_counts)
        facets = await _facet_counts(datasette, database)
        for facet in facets:
            for value in facet["values"]:
                value["href"] = search_url("", **{facet["column"]: value["value"]})
        # Documents by year and region: the regions with most documents, the rest summed.
        regions = await _read(datasette, database, read.top_regions, 10)
        cells = await _read(datasette, database, read.documents_by_region_and_year)
        years = sorted({c["year"] for c in cells})
        grid: dict[str, dict[int, int]] = {}
        for c in cells:
            row = c["region"] if c["region"] in regions else ("(未知 unknown)" if not c["region"] else "(其他 other)")
            grid.setdefault(row, {}).setdefault(c["year"], 0)
            grid[row][c["year"]] += c["n"]
        order = regions + [r for r in ("(其他 other)", "(未知 unknown)") if r in grid]
        top = max((n for row in grid.values() for n in row.values()), default=1)
        heatmap = {"years": years, "rows": [
            {"region": r, "cells": [{"year": y, "n": grid.get(r, {}).get(y, 0),
                                     "shade": _heat(grid.get(r, {}).get(y, 0), top)} for y in years]}
            for r in order]}
        # Targets by year and object.
        targets = await _read(datasette, database, read.dated_targets)
        by_year: dict[int, list[dict]] = {}
        for t in targets:
            by_year.setdefault(t["year"], []).append(t)
        most = max((len(v) for v in by_year.values()), default=1)
        target_years = [{"year": y, "targets": v, "pct": round(100 * len(v) / most)} for y, v in by_year.items()]
        undated = await _read(datasette, database, read.undated_target_count)
        # Deadlines on a timeline; annual ones by month.
        once = await _read(datasette, database, read.one_off_deadlines)
        per_month = await _read(datasette, database, read.annual_deadlines_by_month)
        most_month = max(per_month.values(), default=1)
        months = [{"month": m, "n": per_month.get(m, 0), "pct": round(100 * per_month.get(m, 0) / most_month)}
                  for m in range(1, 13)]
        queries = datasette.metadata("queries", database=database) or {}
        return {
            "policykb_home": True,
            "kb": counts,
            "kb_facets": facets,
            "kb_heatmap": heatmap,
            "kb_target_years": target_years,
            "kb_targets_undated": undated,
            "kb_timeline": _timeline(once),
            "kb_months": months,
            "kb_queries": [{"name": k, **v} for k, v in queries.items()],
            "atom_url": feeds.feed_url(Search(), "atom"),
            "ics_url": feeds.feed_url(Search(), "ics"),
            "kb_links": links,
            "table_url": links.table,
            "number": _number,
        }
    return inner


# --- search ranked by relevance --------------------------------------------

def _search_request(datasette, request) -> tuple[str, Search, int]:
    """(base, search, page) of a request to /search (and its JSON and feeds)."""
    database = the_base(datasette)
    if database is None:
        raise NotFound("No policykb base is served")
    q = (request.args.get("q") or "").strip()
    if q:
        _refuse_stale(datasette, database)
    filters = {column: request.args.get(column) for column, _ in FACETS if request.args.get(column)}
    try:
        page = min(MAX_PAGE, max(1, int(request.args.get("page") or 1)))
    except ValueError:
        page = 1
    return database, Search(q, filters, read_query), page


async def _search_context(datasette, request) -> dict:
    database, search, page = _search_request(datasette, request)
    q, filters = search.q, search.filters
    links = Links(datasette, database)
    rows = await _read(datasette, database, read.search_page, search, SEARCH_PAGE_SIZE + 1, (page - 1) * SEARCH_PAGE_SIZE)
    total = await _read(datasette, database, read.search_count, search)
    facets = await _facet_counts(datasette, database, search)
    table_args = {**({"_search": q} if q else {}), **filters}
    for facet in facets:
        facet["more_url"] = links.table("documents", **table_args, _facet=facet["column"], _facet_size="max")
        for value in facet["values"]:
            chosen = filters.get(facet["column"]) == str(value["value"])
            value["chosen"] = chosen
            value["href"] = search_url(q, **{**filters, facet["column"]: None if chosen else value["value"]})
    return {
        "q": q,
        "read_as": simplified_query(q),
        "filters": filters,
        "results": rows[:SEARCH_PAGE_SIZE],
        "total": total,
        "page": page,
        "next_url": search_url(q, **filters, page=page + 1) if len(rows) > SEARCH_PAGE_SIZE else None,
        "prev_url": search_url(q, **filters, page=page - 1) if page > 1 else None,
        "facets": facets,
        "table_search_url": links.table("documents", **table_args),
        "json_url": search_url(q, **filters, **({"page": page} if page > 1 else {}), _path="/search.json"),
        "atom_url": feeds.feed_url(search, "atom"),
        "ics_url": feeds.feed_url(search, "ics"),
        "kb_links": links,
        "table_url": links.table,
        "doc_url": links.document,
    }


async def search_view(datasette, request):
    """``/search?q=产教融合&doc_type=通知``: documents containing every word, best first
    (``?_format=json``: as /search.json)."""
    if request.args.get("_format") == "json":
        return await search_json_view(datasette, request)
    context = await _search_context(datasette, request)
    html = await datasette.render_template("policykb_search.html", context, request=request,
                                           view_name="policykb_search")
    return Response.html(html)


async def search_json_view(datasette, request):
    """``/search.json?q=产教融合``: the search page's results, total and facets as JSON.

    Each result: the document's fields, its page (``url``, absolute) and a
    plain-text ``snippet`` around the first word found; ``next_url`` is the
    next page's JSON, or null.
    """
    context = await _search_context(datasette, request)

    def absolute(path):
        return datasette.absolute_url(request, path) if path else None

    results = [{**{k: v for k, v in r.items() if k != "body"},
                "url": absolute(context["doc_url"](r["id"])),
                "snippet": str(snippet(r["body"], context["q"]).striptags())} for r in context["results"]]
    return Response(json.dumps({
        "q": context["q"],
        "read_as": context["read_as"],
        "filters": context["filters"],
        "total": context["total"],
        "page": context["page"],
        "page_size": SEARCH_PAGE_SIZE,
        "results": results,
        "facets": {f["column"]: [{"value": v["value"], "count": v["n"], "selected": v["chosen"]}
                                 for v in f["values"]] for f in context["facets"]},
        "next_url": absolute(context["next_url"] and context["next_url"].replace("/search?", "/search.json?", 1)),
        "prev_url": absolute(context["prev_url"] and context["prev_url"].replace("/search?", "/search.json?", 1)),
    }, ensure_ascii=False, default=str), content_type="application/json; charset=utf-8",
        headers={"Access-Control-Allow-Origin": "*"} if datasette.cors else None)


# --- subscriptions: a search's new documents and deadlines (policykb/feeds.py) ---

async def atom_view(datasette, request):
    """``/search.atom?q=…``: the newest documents a search finds, as Atom."""
    database, search, _ = _search_request(datasette, request)
    links = Links(datasette, database)
    documents = await _read(datasette, database, read.newest_documents, search, feeds.FEED_SIZE)
    body = feeds.atom(documents, feed_url=datasette.absolute_url(request, feeds.feed_url(search, "atom")),
                      page_url=datasette.absolute_url(request, search_url(search.q, **search.filters)),
                      title=f"policykb: new documents, {feeds.describe(search)}",
                      built=feeds.base_time(datasette.get_database(database).path),
                      document_url=lambda doc_id: datasette.absolute_url(request, links.document(doc_id)),
                      snippet=lambda body: str(snippet(body, search.q).striptags()))
    return Response(body, content_type=feeds.FEED_TYPES["atom"])


async def calendar_view(datasette, request):
    """``/search.ics?q=…``: the deadlines of the documents a search finds, as iCalendar."""
    database, search, _ = _search_request(datasette, request)
    links = Links(datasette, database)
    deadlines = await _read(datasette, database, read.search_deadlines, search, feeds.CALENDAR_SIZE)
    text = feeds.calendar(deadlines, name=f"policykb deadlines: {feeds.describe(search)}",
                          built=feeds.base_time(datasette.get_database(database).path),
                          deadline_url=lambda d: datasette.absolute_url(
                              request, links.document(d["document_id"], f"deadlines-{d['id']}")))
    return Response(text, content_type=feeds.FEED_TYPES["ics"],
                    headers={"Content-Disposition": 'inline; filename="policykb-deadlines.ics"'})
