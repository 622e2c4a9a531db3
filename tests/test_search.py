"""Chinese search: exact substring semantics for any word length, in the
index (golden cases in tests/golden/search/, a property over random texts)
and through Datasette."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasette.app import Datasette
from hypothesis import given, settings, strategies as st

from policykb.db.search import TOKENIZE, fts_query, spaced
from policykb.db.store import SCHEMA_VERSION, create_schema, open_db
from policykb.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "search"
QUERIES = ["教育", "公积金", "产教融合", "住房公积金贷款", "职业教育", "提取", "府", "政府", "人民政府", "，"]


def index(documents: list[tuple[str, str]]) -> sqlite3.Connection:
    """An in-memory search index of (title, body) pairs, rowid = position."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f'create virtual table fts using fts5(title, body, tokenize="{TOKENIZE}")')
    conn.executemany("insert into fts(rowid, title, body) values (?, ?, ?)",
                     [(i, spaced(title), spaced(body)) for i, (title, body) in enumerate(documents)])
    return conn


def found(conn: sqlite3.Connection, query: str) -> set[int]:
    return {rowid for (rowid,) in conn.execute("select rowid from fts where fts match ?", (fts_query(query),))}


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_golden(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    conn = index([(d["title"], d["body"]) for d in case["documents"]])
    assert found(conn, case["query"]) == set(case["matches"]), case["note"]


def test_golden_folder_is_not_empty() -> None:
    assert len(list(GOLDEN.glob("*.json"))) >= 10


# Chinese characters (few, so words repeat), punctuation and whitespace: for
# these the index promises exactly a substring scan with whitespace removed.
ALPHABET = "人民政府教育，。、"
TEXTS = st.text(alphabet=ALPHABET + " \n", max_size=24)


@settings(max_examples=300, deadline=None)
@given(documents=st.lists(TEXTS, min_size=1, max_size=6), data=st.data())
def test_search_is_a_substring_scan(documents, data):
    texts = [folded(d) for d in documents]
    from_texts = [t[i:j] for t in texts for i in range(len(t)) for j in range(i + 1, min(len(t), i + 6) + 1)]
    query = data.draw(st.sampled_from(from_texts) if from_texts and data.draw(st.booleans())
                      else st.text(alphabet=ALPHABET, min_size=1, max_size=5))
    conn = index([("", d) for d in documents])
    assert found(conn, query) == {i for i, t in enumerate(texts) if folded(query) in t}


@pytest.fixture(scope="module")
def datasette(corpus_db):
    metadata = json.loads((ROOT / "datasette_metadata.json").read_text(encoding="utf-8"))
    # The metadata is keyed by the database name the README's build uses.
    named = corpus_db.with_name("policies.db")
    assert corpus_db == named
    return Datasette([str(corpus_db)], metadata=metadata, immutables=[])


def folded(text: str | None) -> str:
    """What search compares: width folded (NFKC), line breaks and spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def substring_matches(db: Path, word: str) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {i for i, title, body in conn.execute("select id, title, body from documents")
                if folded(word) in folded(title) or folded(word) in folded(body)}
    finally:
        conn.close()


@pytest.mark.parametrize("word", QUERIES)
async def test_search_box_finds_exactly_the_documents_containing_the_word(datasette, corpus_db, word):
    expected = substring_matches(corpus_db, word)
    assert expected, f"the corpus should contain {word}"
    response = await datasette.client.get(
        f"/policies/documents.json?_search={word}&_shape=array&_col=id&_size=max")
    assert response.status_code == 200, response.text
    assert {row["id"] for row in response.json()} == expected


async def test_two_character_word_inside_a_longer_word_is_found(datasette, corpus_db):
    inside = substring_matches(corpus_db, "职业教育")
    response = await datasette.client.get("/policies/documents.json?_search=教育&_shape=array&_col=id&_size=max")
    assert inside and inside <= {row["id"] for row in response.json()}


async def test_a_phrase_does_not_skip_punctuation(datasette, corpus_db):
    response = await datasette.client.get("/policies/documents.json?_search=房公&_shape=array&_col=id&_size=max")
    assert {row["id"] for row in response.json()} == substring_matches(corpus_db, "房公")


async def test_unrelated_word_finds_nothing(datasette):
    response = await datasette.client.get("/policies/documents.json?_search=量子引力&_shape=array&_col=id")
    assert response.json() == []


async def test_search_box_is_offered_on_documents(datasette):
    response = await datasette.client.get("/policies/documents")
    assert response.status_code == 200
    assert 'name="_search"' in response.text


async def test_database_is_served_read_only(datasette):
    response = await datasette.client.post("/policies/-/query", json={"sql": "delete from documents"})
    assert response.status_code in (403, 404, 405, 400)
    response = await datasette.client.get("/policies.json?sql=delete+from+documents")
    assert response.status_code == 400


@pytest.mark.parametrize("query", ['"', "AND", "教育 OR", "*", "(", "NEAR(", "''", "教育\"产教"])
def test_any_input_is_a_valid_fts_query(query):
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(body)")
    conn.execute("insert into t values (?)", (spaced("职业教育 AND 产教融合"),))
    conn.execute("select * from t where t match ?", (fts_query(query),)).fetchall()


async def test_documents_come_newest_first_with_and_without_a_search(datasette):
    # sort_desc on fts_rowid, which numbers the documents in publication order.
    for query in ("", "&_search=教育"):
        response = await datasette.client.get(
            f"/policies/documents.json?_shape=array&_col=published_date&_size=max{query}")
        dates = [row["published_date"] for row in response.json()]
        dated = [d for d in dates if d is not None]
        assert dated and dated == sorted(dated, reverse=True)
        assert dates == dated + [None] * (len(dates) - len(dated)), "undated documents come last"


def test_the_index_reads_each_documents_own_text(corpus_db):
    # content_rowid: FTS5 looks a match's text up by fts_rowid, not rowid.
    conn = sqlite3.connect(corpus_db)
    pairs = conn.execute("select f.title, d.title, d.rowid != d.fts_rowid from documents_fts f "
                         "join documents d on d.fts_rowid = f.rowid").fetchall()
    assert pairs and all(fts_title == title for fts_title, title, _ in pairs)
    assert any(moved for _, _, moved in pairs), "fts_rowid should differ from rowid somewhere"


def stale_base(path: Path) -> Path:
    db = open_db(path)
    create_schema(db)
    db.execute("update schema_version set version = ?", [SCHEMA_VERSION - 1])
    db.conn.commit()
    db.close()
    return path


def test_serve_refuses_a_base_built_with_another_search_index(tmp_path):
    path = stale_base(tmp_path / "policies.db")
    result = CliRunner().invoke(cli, ["serve", "--db", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {path} was built by another version of policykb (schema {SCHEMA_VERSION - 1}, this one reads "
        f"{SCHEMA_VERSION}): run policykb build --db {path} to bring it up to date")


@pytest.mark.parametrize("url", ["/policies/documents.json?_search=教育", "/search?q=教育"])
async def test_a_stale_base_served_anyway_answers_a_search_with_an_error_not_nothing(tmp_path, url):
    path = stale_base(tmp_path / "policies.db")
    response = await Datasette([str(path)]).client.get(url)
    assert response.status_code == 400
    assert "run policykb build" in response.text
