"""db/read.py, the web pages' queries, run against a base without Datasette:
the seeds (``seeds_db``) and a tiny base written here whose answers are known."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from policykb.db import read
from policykb.db.read import Search
from policykb.db.store import build_search_index, create_schema, open_db


@pytest.fixture(scope="module")
def conn(seeds_db):
    conn = read.connect(seeds_db)
    yield conn
    conn.close()


def everything(conn, table: str, **where) -> list[dict]:
    """Every row of a table (those with the given column values), read the plain way."""
    cursor = conn.execute(f"select * from {table}")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor]
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def folded(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def rowids(joined: str | None) -> set[int]:
    return {int(x) for x in joined.split()} if joined else set()


# --- a tiny base ------------------------------------------------------------

TINY = {
    "documents": [
        dict(id="aaaaaaaaaaaa", title="关于深化产教融合的通知", doc_number="教职成〔2023〕1号", issuer="教育部",
             doc_type="通知", region="全国", year=2023, published_date="2023-05-01",
             body="深化产教融合。到2025年建成300个实训基地。", raw_text="深化产教融合。"),
        dict(id="bbbbbbbbbbbb", title="市教育局关于转发的通知", doc_number="市教发〔2023〕2号", issuer="市教育局",
             doc_type="通知", region="盘锦市", year=2023, published_date="2023-06-01",
             body="转发《关于深化产教融合的通知》（教职成〔2023〕1号）。", raw_text=None),
        dict(id="cccccccccccc", title="产教融合新闻", issuer="某报", doc_type="新闻", region="盘锦市", year=2024,
             published_date=None, body="教职成〔2023〕1号 提到产教融合，产教融合。", raw_text="x",
             repealed_by="aaaaaaaaaaaa"),
    ],
    "citations": [
        # b cites a by id, c by number only, a cites itself (never "cited by" itself).
        dict(id=1, document_id="bbbbbbbbbbbb", cited_title="关于深化产教融合的通知", cited_doc_number="教职成〔2023〕1号",
             cited_document_id="aaaaaaaaaaaa", relation="cites", char_start=2, char_end=14, confidence=0.9,
             evidence="title and number"),
        dict(id=2, document_id="cccccccccccc", cited_doc_number="教职成〔2023〕1号", relation="cites",
             char_start=0, char_end=10),
        dict(id=3, document_id="cccccccccccc", cited_doc_number="教职成〔2023〕1号", relation="cites",
             char_start=12, char_end=14),
        dict(id=4, document_id="aaaaaaaaaaaa", cited_doc_number="教职成〔2023〕1号", relation="cites",
             cited_document_id="aaaaaaaaaaaa", char_start=0, char_end=2),
    ],
    "targets": [
        dict(id=2, document_id="aaaaaaaaaaaa", year=2025, quantity=300, unit="个", object="实训基地",
             char_start=14, char_end=18, confidence=0.8, evidence="到 year"),
        dict(id=1, document_id="aaaaaaaaaaaa", year=None, quantity=5, unit="个", object="基地",
             char_start=1, char_end=3),
    ],
    "deadlines": [
        dict(id=1, document_id="aaaaaaaaaaaa", recurrence="once", date="2025-12-31", kind="due", action="建成",
             char_start=8, char_end=13),
        dict(id=2, document_id="bbbbbbbbbbbb", recurrence="annual", month_day="12-15", kind="due", action="报送"),
        dict(id=3, document_id="bbbbbbbbbbbb", recurrence="annual", month_day="03-01", kind="due", action="报送"),
    ],
    "periods": [
        dict(id=1, document_id="aaaaaaaaaaaa", kind="effective", start="2023-05-01", end="2028-04-30",
             recurrence="once", char_start=0, char_end=6, confidence=0.9, evidence="有效期"),
    ],
    "responsibilities": [
        dict(id=1, document_id="aaaaaaaaaaaa", row=2, agency="教育部", role="lead", char_start=0, char_end=5),
        dict(id=2, document_id="aaaaaaaaaaaa", row=1, agency="财政部", role="support", char_start=0, char_end=5),
    ],
    "sources": [
        dict(path="b.html", document_id="aaaaaaaaaaaa", is_primary=0, status="ok"),
        dict(path="a.html", document_id="aaaaaaaaaaaa", is_primary=1, status="ok", url="http://x/a.html"),
        dict(path="bad.bin", status="binary"),
    ],
    "document_issuers": [
        dict(document_id="aaaaaaaaaaaa", position=1, issuer="财政部"),
        dict(document_id="aaaaaaaaaaaa", position=0, issuer="教育部"),
    ],
    "cleaning_edits": [
        dict(id=i, document_id="aaaaaaaaaaaa", kind=kind, char_start=i, char_end=i + 1, original="x", replacement="")
        for i, kind in enumerate(["markup", "markup", "spam"], 1)
    ],
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("tiny") / "any-name.db"
    db = open_db(path)
    create_schema(db)
    for table, rows in TINY.items():
        db[table].insert_all(rows, alter=False)
    build_search_index(db)
    db.conn.close()
    conn = read.connect(path)
    yield conn
    conn.close()


# --- connections -------------------------------------------------------------

def test_a_read_connection_cannot_write(conn):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("delete from documents")


def test_a_read_connection_has_the_search_function(conn):
    assert conn.execute("select escape_fts('产教融合')").fetchone()[0] == '"产教 教融 融合"'


def test_is_base(seeds_db, tmp_path):
    assert read.is_base(seeds_db)
    text = tmp_path / "notes.db"
    text.write_text("not a database", encoding="utf-8")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table documents (id)").connection.close()
    assert not read.is_base(text) and not read.is_base(other) and not read.is_base(tmp_path / "none.db")


# --- facets and search -------------------------------------------------------

def test_facet_rows_hold_every_indexed_document(conn):
    rows = read.facet_rows(conn, ("doc_type", "region"))
    expected = {(d["fts_rowid"], d["doc_type"], d["region"]) for d in everything(conn, "documents")}
    assert set(rows) == expected and len(rows) == len(expected)


@pytest.mark.parametrize("word", ["产教融合", "教育", "市域", "量子引力", "府"])
def test_a_search_finds_the_documents_containing_the_word(conn, word):
    documents = everything(conn, "documents")
    expected = {d["fts_rowid"] for d in documents if folded(word) in folded(d["title"]) + "\n" + folded(d["body"])}
    assert rowids(read.matching_rowids(conn, word)) == expected
    search = Search(word)
    assert rowids(read.search_rowids(conn, search)) == expected
    assert read.search_count(conn, search) == len(expected)
    assert {d["fts_rowid"] for d in documents if d["id"] in
            {r["id"] for r in read.search_page(conn, search, 100)}} == expected


def test_rowids_of_a_documents_query(conn):
    sql = "select * from documents where region = :region"
    expected = {d["fts_rowid"] for d in everything(conn, "documents", region="全国")}
    assert rowids(read.rowids_of_query(conn, sql, {"region": "全国"})) == expected


def test_datasettes_search_clause_is_the_one_datasette_writes():
    assert read.datasette_search_clause("documents", "documents_fts", "fts_rowid") == (
        "where fts_rowid in (select rowid from documents_fts where documents_fts match escape_fts(:search))")


def test_a_search_filters_only_by_facet_columns():
    with pytest.raises(ValueError, match="not a column"):
        Search("", {"1=1 or id": "x"}).where()


def test_search_ranks_documents_with_the_words_in_their_title_first(tiny):
    found = [r["id"] for r in read.search_page(tiny, Search("产教融合"), 10)]
    assert set(found) == {"aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"}
    assert found[-1] == "bbbbbbbbbbbb", "the only one without 产教融合 in its title comes last"


def test_search_pages_follow_each_other(conn):
    search = Search("产教")
    every = [r["id"] for r in read.search_page(conn, search, 100)]
    pages = [r["id"] for offset in range(0, len(every), 2) for r in read.search_page(conn, search, 2, offset)]
    assert len(every) == read.search_count(conn, search) >= 3 and pages == every


def test_without_words_the_newest_come_first_undated_last(tiny):
    found = [r["id"] for r in read.search_page(tiny, Search(), 10)]
    assert found == ["bbbbbbbbbbbb", "aaaaaaaaaaaa", "cccccccccccc"]


def test_facet_values_narrow_a_search(tiny):
    search = Search("产教融合", {"region": "盘锦市", "year": 2024})
    assert [r["id"] for r in read.search_page(tiny, search, 10)] == ["cccccccccccc"]
    assert read.search_count(tiny, search) == 1


# --- the home page -----------------------------------------------------------

def test_home_counts_are_the_tables_sizes(conn):
    counts = read.home_counts(conn)
    for table in ("documents", "sources", "citations", "targets", "deadlines", "periods", "responsibilities"):
        assert counts[table] == len(everything(conn, table)), table
    assert counts["edits"] == len(everything(conn, "cleaning_edits"))
    assert counts["sources_ok"] == len(everything(conn, "sources", status="ok"))
    years = [d["year"] for d in everything(conn, "documents") if d["year"] is not None]
    assert (counts["first_year"], counts["last_year"]) == (min(years), max(years))


def test_home_charts(tiny):
    assert read.top_regions(tiny) == ["盘锦市", "全国"]
    assert read.top_regions(tiny, 1) == ["盘锦市"]
    assert sorted((c["region"], c["year"], c["n"]) for c in read.documents_by_region_and_year(tiny)) == [
        ("全国", 2023, 1), ("盘锦市", 2023, 1), ("盘锦市", 2024, 1)]
    assert [(t["id"], t["title"]) for t in read.dated_targets(tiny)] == [(2, "关于深化产教融合的通知")]
    assert read.undated_target_count(tiny) == 1
    assert [(d["id"], d["date"], d["title"]) for d in read.one_off_deadlines(tiny)] == [
        (1, "2025-12-31", "关于深化产教融合的通知")]
    assert read.annual_deadlines_by_month(tiny) == {12: 1, 3: 1}


# --- the document page -------------------------------------------------------

def test_a_document_and_its_text(tiny):
    assert read.document(tiny, "aaaaaaaaaaaa")["title"] == "关于深化产教融合的通知"
    assert read.document(tiny, "000000000000") is None
    assert read.document_title(tiny, "cccccccccccc") == {"id": "cccccccccccc", "title": "产教融合新闻",
                                                          "doc_number": None}
    assert read.raw_text(tiny, "aaaaaaaaaaaa") == "深化产教融合。"
    assert read.raw_text(tiny, "bbbbbbbbbbbb") == "", "a document without raw text has an empty one"
    assert read.raw_text(tiny, "000000000000") is None, "no such document"


def test_citations_name_the_cited_document_in_the_base(tiny):
    (c,) = read.citations(tiny, "bbbbbbbbbbbb")
    assert c["target_title"] == "关于深化产教融合的通知" and c["confidence"] == 0.9
    assert [c["id"] for c in read.citations(tiny, "cccccccccccc")] == [2, 3]
    assert all(c["target_title"] is None for c in read.citations(tiny, "cccccccccccc"))


def test_cited_by_finds_citers_by_id_or_number_once_each_never_itself(tiny):
    rows = read.cited_by(tiny, "aaaaaaaaaaaa", "教职成〔2023〕1号")
    assert [r["id"] for r in rows] == ["cccccccccccc", "bbbbbbbbbbbb"], "undated first, then by date"
    assert [r["id"] for r in read.cited_by(tiny, "aaaaaaaaaaaa", None)] == ["bbbbbbbbbbbb"]
    assert read.cited_by(tiny, "bbbbbbbbbbbb", "市教发〔2023〕2号") == []


def test_facts_of_a_document_in_text_order(tiny):
    assert [t["id"] for t in read.targets(tiny, "aaaaaaaaaaaa")] == [1, 2]
    assert [d["id"] for d in read.deadlines(tiny, "aaaaaaaaaaaa")] == [1]
    (period,) = read.periods(tiny, "aaaaaaaaaaaa")
    assert (period["kind"], period["start"], period["end"], period["confidence"]) == (
        "effective", "2023-05-01", "2028-04-30", 0.9)
    assert [r["id"] for r in read.responsibilities(tiny, "aaaaaaaaaaaa")] == [2, 1], "by table row"
    assert read.targets(tiny, "bbbbbbbbbbbb") == [] and read.periods(tiny, "bbbbbbbbbbbb") == []


@pytest.mark.parametrize("fn", [read.citations, read.targets, read.deadlines, read.periods, read.responsibilities])
def test_every_fact_of_a_seed_document_and_only_its_own(conn, fn):
    table = fn.__name__
    for doc in everything(conn, "documents"):
        rows = fn(conn, doc["id"])
        assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in everything(conn, table, document_id=doc["id"]))
        if table != "responsibilities":
            starts = [r["char_start"] for r in rows if r["char_start"] is not None]
            assert starts == sorted(starts)
        assert all("confidence" in r and "evidence" in r for r in rows)


def test_sources_issuers_and_edits_of_a_document(tiny):
    assert [s["path"] for s in read.sources(tiny, "aaaaaaaaaaaa")] == ["a.html", "b.html"]
    assert read.issuers(tiny, "aaaaaaaaaaaa") == ["教育部", "财政部"]
    assert [e["id"] for e in read.edits(tiny, "aaaaaaaaaaaa", 2)] == [1, 2]
    assert read.edit_kinds(tiny, "aaaaaaaaaaaa") == [{"kind": "markup", "n": 2}, {"kind": "spam", "n": 1}]
    assert read.issuers(tiny, "bbbbbbbbbbbb") == [] and read.sources(tiny, "bbbbbbbbbbbb") == []


def test_a_base_from_before_periods_reads_none(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("create table documents (id)")
    conn.close()
    old = read.connect(path)
    assert read.periods(old, "aaaaaaaaaaaa") == [] and read.fact(old, "periods", 1) is None


# --- a fact's row ------------------------------------------------------------

def test_a_fact_with_its_documents_title(tiny):
    target = read.fact(tiny, "targets", 2)
    assert (target["object"], target["document_id"], target["document_title"], target["document_number"]) == (
        "实训基地", "aaaaaaaaaaaa", "关于深化产教融合的通知", "教职成〔2023〕1号")
    assert read.fact(tiny, "periods", "1")["document_title"] == "关于深化产教融合的通知"
    assert read.fact(tiny, "targets", 99) is None
    with pytest.raises(ValueError):
        read.fact(tiny, "documents", 1)
