"""The documents table's facets, counted in one pass (policykb_column), answer
exactly as Datasette's own column facets: same values, counts, order, URLs."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from datasette.app import Datasette
from datasette.database import QueryInterrupted

from policykb.datasette_plugin import FacetIndex, count_facets, sqlite_order

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["doc_type", "issuer", "region", "year"]


def metadata(stock: bool) -> dict:
    data = json.loads((ROOT / "datasette_metadata.json").read_text(encoding="utf-8"))
    documents = data["databases"]["policies"]["tables"]["documents"]
    assert documents["facets"] == [{"policykb_column": c} for c in COLUMNS]
    if stock:
        documents["facets"] = list(COLUMNS)
    return data


@pytest.fixture(scope="module")
def ours(corpus_db):
    return Datasette([str(corpus_db)], metadata=metadata(stock=False))


@pytest.fixture(scope="module")
def stock(corpus_db):
    return Datasette([str(corpus_db)], metadata=metadata(stock=True))


async def facets(ds, url: str) -> dict:
    response = await ds.client.get(url)
    assert response.status_code == 200, response.text
    return response.json()["facet_results"]


URLS = [
    "/policies/documents.json?_search=教育",                 # the search's own rowids
    "/policies/documents.json?_search=公积金&_facet_size=3",  # truncated
    "/policies/documents.json?_search=府",                   # one character (a prefix query)
    "/policies/documents.json?_search=量子引力",              # nothing found
    "/policies/documents.json?_search=产教融合&doc_type=通知",  # a search and a filter: a value selected
    "/policies/documents.json?region=全国",
    "/policies/documents.json",                             # no search: every document
    "/policies/documents.json?_search=教育&_sort=title",
    "/policies/documents?_search=教育",                      # the HTML page
]


@pytest.mark.parametrize("url", URLS)
async def test_facets_are_datasettes_column_facets(ours, stock, url):
    if url.startswith("/policies/documents?"):
        ours_html = (await ours.client.get(url)).text
        stock_html = (await stock.client.get(url)).text
        for column in COLUMNS:
            assert f'data-column="{column}"' in ours_html
        assert facet_blocks(ours_html) == facet_blocks(stock_html)
        return
    assert await facets(ours, url) == await facets(stock, url)


async def test_facets_of_a_second_page_are_datasettes(ours, stock):
    first = (await ours.client.get("/policies/documents.json?_search=教育&_size=5")).json()
    assert first["next"]
    url = f"/policies/documents.json?_search=教育&_size=5&_next={first['next']}"
    assert await facets(ours, url) == await facets(stock, url)


async def test_a_column_also_asked_for_by_name_is_shown_once(ours, stock):
    url = "/policies/documents.json?_search=教育&_facet=issuer"
    results, theirs = await facets(ours, url), await facets(stock, url)
    # Datasette shows it twice (issuer from the metadata, issuer_2 from ?_facet=).
    assert sorted(theirs) == sorted(COLUMNS + ["issuer_2"])
    assert results == {**{c: theirs[c] for c in COLUMNS}, "issuer": theirs["issuer_2"]}


def facet_blocks(html: str) -> list[str]:
    return re.findall(r'<div class="facet-info .*?</ul>', html, re.S)


# --- the index itself, against SQL ------------------------------------------

ROWS = [  # fts_rowid, kind: ties, NULLs, numbers and text, 1 and 1.0 one group, '1' another
    (1, "通知"), (2, "意见"), (3, "通知"), (4, None), (5, "意见"), (7, "办法"), (8, 1), (9, 1.0), (10, "1"),
    (11, "b"), (12, "a"), (13, 2.5),
]


def sql_counts(conn, rowids) -> list[tuple[object, int]]:
    marks = ",".join("?" * len(rowids)) or "null"
    return [tuple(r) for r in conn.execute(
        f"select kind as value, count(*) as n from documents where fts_rowid in ({marks}) and kind is not null "
        "group by kind order by n desc, value", list(rowids))]


@pytest.mark.parametrize("rowids", [[], [4], [1, 2, 3, 5], [8, 9, 10], [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13],
                                    [11, 12, 13, 7]])
def test_counts_are_sqlites_group_by(rowids):
    conn = sqlite3.connect(":memory:")
    conn.execute("create table documents (fts_rowid integer, kind)")
    conn.executemany("insert into documents values (?, ?)", ROWS)
    index = FacetIndex.read(conn, ("kind",))
    assert index.counts("kind", np.array(rowids, dtype=np.int64)) == sql_counts(conn, rowids)


def test_values_sort_as_in_sqlite():
    conn = sqlite3.connect(":memory:")
    values = [b"x", "b", "B", 2, None, "a", 1.5, -3, "10", "9"]
    ordered = [v for (v,) in conn.execute(
        "select v from (" + " union all ".join("select ? as v" for _ in values) + ") order by v", values)]
    assert sorted(values, key=sqlite_order) == ordered


async def test_counting_stops_at_the_time_limit(corpus_db):
    db = Datasette([str(corpus_db)]).get_database("policies")
    slow = ("with recursive n(x) as (select 1 union all select x + 1 from n where x < 100000000) "
            "select group_concat(x, ' ') from n")
    with pytest.raises(QueryInterrupted):
        await count_facets(db, lambda conn: conn.execute(slow).fetchone()[0], ("doc_type",), time_limit_ms=50)


async def test_a_facet_over_the_time_limit_is_reported_as_timed_out(corpus_db, monkeypatch):
    import policykb.datasette_plugin as plugin

    async def interrupted(*args, **kwargs):
        raise QueryInterrupted(None, "", {})

    monkeypatch.setattr(plugin, "count_facets", interrupted)
    ds = Datasette([str(corpus_db)], metadata=metadata(stock=False))
    assert await facets(ds, "/policies/documents.json?_search=教育") == {}
    html = (await ds.client.get("/policies/documents?_search=教育")).text
    assert "These facets timed out: doc_type, issuer, region, year" in html


async def test_a_rebuilt_base_is_counted_afresh(tmp_path, corpus_db):
    path = tmp_path / "policies.db"
    path.write_bytes(corpus_db.read_bytes())
    ds = Datasette([str(path)], metadata=metadata(stock=False))
    before = await facets(ds, "/policies/documents.json?_search=教育")
    conn = sqlite3.connect(path)
    conn.execute("update documents set doc_type = '测试' where fts_rowid in "
                 "(select rowid from documents_fts where documents_fts match '\"教育\"')")
    conn.commit()
    conn.close()
    after = await facets(ds, "/policies/documents.json?_search=教育")
    assert [v["value"] for v in after["doc_type"]["results"]] == ["测试"]
    assert before["doc_type"]["results"] != after["doc_type"]["results"]
    assert after == await facets(Datasette([str(path)], metadata=metadata(stock=True)),
                                 "/policies/documents.json?_search=教育")
