"""Chinese search through Datasette: exact substring semantics for any word length."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from datasette.app import Datasette

from db.search import fts_query, spaced

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["教育", "公积金", "产教融合", "住房公积金贷款", "职业教育", "提取"]


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
