"""The Datasette interface: home page, search, document page, charts, canned queries, escaping.

Datasette's own test client against the bundled corpus (``corpus_db``) and
against a tiny database whose scraped text is hostile.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from datasette.app import Datasette

from policykb.db.store import build_search_index, create_schema, open_db
from tests.helpers import rows

ROOT = Path(__file__).resolve().parent.parent
METADATA = json.loads((ROOT / "datasette_metadata.json").read_text(encoding="utf-8"))
HOSTILE = ('<script>alert(1)</script> 产教融合 <a href="javascript:alert(2)">点我</a> '
           '<img src=x onerror=alert(3)>\n到2025年建成300个实训基地。')


def make_datasette(path: Path) -> Datasette:
    assert path.name == "policies.db", "the metadata is keyed by the database name 'policies'"
    return Datasette([str(path)], metadata=METADATA, immutables=[])


@pytest.fixture(scope="module")
def ds(corpus_db):
    return make_datasette(corpus_db)


def query(db: Path, sql: str, params=()) -> list[tuple]:
    return rows(db, sql, *params)


# --- home page ------------------------------------------------------------

async def test_home_page_says_what_the_base_holds_with_search_facets_and_charts(ds, corpus_db):
    response = await ds.client.get("/")
    assert response.status_code == 200
    html = response.text
    (documents,) = query(corpus_db, "select count(*) from documents")[0]
    assert f"{documents} Chinese government policy notices" in html
    assert '<form class="searchbox" action="/search"' in html and 'name="q"' in html
    # The search box comes before the facets and the charts.
    assert html.index('name="q"') < html.index('data-facet="doc_type"') < html.index('class="heat"')
    for column in ("doc_type", "issuer", "region", "year"):
        assert f'data-facet="{column}"' in html
    assert 'class="heat"' in html and 'class="timeline"' in html and 'class="bars"' in html


async def test_home_page_lists_every_canned_query_with_its_description(ds):
    html = (await ds.client.get("/")).text
    for name, spec in METADATA["databases"]["policies"]["queries"].items():
        assert f'href="/policies/{name}"' in html
        assert spec["description"].split(":")[0] in html


async def test_home_page_chart_cells_link_to_the_documents_they_count(ds, corpus_db):
    html = (await ds.client.get("/")).text
    region, year, n = query(corpus_db, """select region, year, count(*) from documents
        where region is not null and year is not null group by 1, 2 order by 3 desc limit 1""")[0]
    link = re.search(r'<a href="(/search\?region=[^"]+&amp;year=%d)">%d</a>' % (year, n), html)
    assert link, "the busiest cell links to its documents"
    page = await ds.client.get(link.group(1).replace("&amp;", "&"))
    assert page.text.count('class="result"') == n


# --- search ---------------------------------------------------------------

async def test_search_ranks_documents_with_the_word_in_their_title_first(ds, corpus_db):
    response = await ds.client.get("/search?q=产教融合")
    assert response.status_code == 200
    titles = re.findall(r'<div class="title"><a href="/policies/documents/\w+">([^<]*)</a>', response.text)
    expected = query(corpus_db, "select count(*) from documents where body like '%产教融合%' or title like '%产教融合%'")
    assert len(titles) == expected[0][0]
    assert "产教融合" in titles[0]
    assert "<mark>产教融合</mark>" in response.text


async def test_search_facets_narrow_the_results(ds, corpus_db):
    html = (await ds.client.get("/search?q=产教融合&doc_type=通知")).text
    (n,) = query(corpus_db, "select count(*) from documents where doc_type = '通知' and body like '%产教融合%'")[0]
    assert html.count('class="result"') == n
    assert "✕ 通知" in html


async def test_search_for_nothing_found_says_so(ds):
    html = (await ds.client.get("/search?q=量子引力")).text
    assert 'class="result"' not in html and "No document contains" in html


@pytest.mark.parametrize("url", ["/search?q=%00", "/search?q=产教%00融合", "/search?page=99999999999999999999",
                                 "/search?page=-3", "/search?page=x", "/search?year=x", "/search?q=NEAR(",
                                 "/policies/documents?_search=%00"])
async def test_odd_searches_answer_a_page_not_an_error(ds, url):
    response = await ds.client.get(url)
    assert response.status_code == 200, response.text


async def test_a_traditional_script_search_finds_what_the_simplified_one_finds(ds):
    simplified = (await ds.client.get("/search.json?q=公积金")).json()
    traditional = (await ds.client.get("/search.json?q=公積金")).json()
    assert simplified["total"] > 10
    assert traditional["total"] == simplified["total"] and traditional["read_as"] == "公积金"
    assert [r["id"] for r in traditional["results"]] == [r["id"] for r in simplified["results"]]
    html = (await ds.client.get("/search?q=公積金")).text
    assert "<mark>公积金</mark>" in html and 'class="read-as">公积金<' in html
    table = (await ds.client.get("/policies/documents.json?_search=公積金&_shape=objects&_col=id&_size=max")).json()
    assert len(table["rows"]) == simplified["total"]


@pytest.mark.parametrize("typed", ["教职成厅函[2023]15号", "教职成厅函［2023］15号", "教职成厅函 (2023) 15 号",
                                   "教职成厅函〔2023〕15号"])
async def test_a_document_number_is_found_however_its_brackets_are_typed(ds, corpus_db, typed):
    expected = {i for (i,) in query(corpus_db, "select id from documents where body like '%教职成厅函〔2023〕15号%'")}
    assert expected
    found = (await ds.client.get("/search.json", params={"q": typed})).json()
    assert {r["id"] for r in found["results"]} == expected
    assert found["read_as"] == "教职成厅函〔2023〕15号"


async def test_search_json_has_the_pages_results_total_and_facets(ds, corpus_db):
    response = await ds.client.get("/search.json?q=产教融合&doc_type=通知")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    data = response.json()
    (n,) = query(corpus_db, "select count(*) from documents where doc_type = '通知' and body like '%产教融合%'")[0]
    assert data["total"] == n == len(data["results"])
    first = data["results"][0]
    assert first["url"].endswith(f"/policies/documents/{first['id']}") and "产教融合" in first["snippet"]
    assert "body" not in first and "<mark>" not in first["snippet"]
    assert data["facets"]["doc_type"] == [{"value": "通知", "count": n, "selected": True}]
    same = (await ds.client.get("/search?q=产教融合&doc_type=通知&_format=json")).json()
    assert same == data
    html = (await ds.client.get("/search?q=产教融合&doc_type=通知")).text
    assert 'class="json" href="/search.json?q=' in html


async def test_search_json_pages(ds, corpus_db):
    data = (await ds.client.get("/search.json?q=政府")).json()
    assert data["total"] > 30 and len(data["results"]) == 30 and data["next_url"]
    next_url = urlsplit(data["next_url"])
    following = (await ds.client.get(f"{next_url.path}?{next_url.query}")).json()
    assert following["page"] == 2 and not {r["id"] for r in following["results"]} & {r["id"] for r in data["results"]}


async def test_more_links_beside_the_facets_keep_the_search(ds):
    html = (await ds.client.get("/search?q=公积金&doc_type=通知")).text
    more = [m.replace("&amp;", "&") for m in re.findall(r'class="more" href="([^"]+)"', html)]
    assert more, "a facet of 公积金 has more values than are shown"
    for url in more:
        assert "_search=%E5%85%AC%E7%A7%AF%E9%87%91" in url and "doc_type=%E9%80%9A%E7%9F%A5" in url
        response = await ds.client.get(url)
        assert response.status_code == 200 and 'class="result"' in response.text


async def test_a_column_search_matches_that_column_of_the_documents(ds, corpus_db):
    data = (await ds.client.get("/policies/documents.json?_search_title=公积金&_shape=objects&_col=title&_size=max")).json()
    (n,) = query(corpus_db, "select count(*) from documents where title like '%公积金%'")[0]
    assert n and len(data["rows"]) == n
    assert all("公积金" in row["title"] for row in data["rows"])
    traditional = (await ds.client.get("/policies/documents.json?_search_title=公積金&_shape=objects&_col=id&_size=max"))
    assert len(traditional.json()["rows"]) == n


async def test_documents_table_lists_documents_not_raw_columns(ds):
    html = (await ds.client.get("/policies/documents?_search=产教融合")).text
    assert 'class="result"' in html and "<mark>产教融合</mark>" in html


# --- the document page ----------------------------------------------------

async def test_document_page_shows_its_fields_and_marked_text(ds, corpus_db):
    doc_id, title, number, target_id = query(corpus_db, """select d.id, d.title, d.doc_number, t.id
        from documents d join targets t on t.document_id = d.id
        where d.doc_number is not null and t.char_start is not null limit 1""")[0]
    response = await ds.client.get(f"/policies/documents/{doc_id}")
    assert response.status_code == 200
    html = response.text
    assert f"<h1>{title}</h1>" in html
    assert number in html
    for label in ("发文字号", "发文机关", "成文日期", "发布日期", "文种", "地区", "有效性"):
        assert label in html
    assert f'class="mark mark-target" href="/policies/targets/{target_id}"' in html
    assert f'href="/policies/documents/{doc_id}/raw"' in html
    assert 'id="edits"' in html and 'id="cites"' in html and 'id="cited-by"' in html


async def test_agencies_and_deadlines_are_marked_and_link_to_their_rows(ds, corpus_db):
    doc_id, resp_id = query(corpus_db, """select document_id, id from responsibilities
        where char_start is not null and instr(substr((select body from documents where id = document_id),
        char_start + 1, char_end - char_start), agency) > 0 limit 1""")[0]
    html = (await ds.client.get(f"/policies/documents/{doc_id}")).text
    assert f'class="mark mark-agency" href="/policies/responsibilities/{resp_id}"' in html
    doc_id, deadline_id = query(corpus_db, "select document_id, id from deadlines where char_start is not null")[0]
    html = (await ds.client.get(f"/policies/documents/{doc_id}")).text
    assert f'href="/policies/deadlines/{deadline_id}"' in html


async def test_cites_and_cited_by_link_both_ways(ds, corpus_db):
    citing, cited = query(corpus_db, "select document_id, cited_document_id from citations "
                                     "where cited_document_id is not null and cited_document_id != document_id")[0]
    html = (await ds.client.get(f"/policies/documents/{citing}")).text
    cites = html[html.index('id="cites"'):html.index('id="cited-by"')]
    assert f'href="/policies/documents/{cited}"' in cites
    html = (await ds.client.get(f"/policies/documents/{cited}")).text
    cited_by = html[html.index('id="cited-by"'):html.index('id="sources"')]
    assert f'href="/policies/documents/{citing}"' in cited_by


async def test_a_citation_not_in_the_base_links_to_a_search(ds, corpus_db):
    citing, number = query(corpus_db, "select document_id, cited_doc_number from citations "
                                      "where cited_document_id is null and cited_doc_number is not null")[0]
    html = (await ds.client.get(f"/policies/documents/{citing}")).text
    links = re.findall(r'href="(/search\?q=[^"]+)" class="not-in-base"', html)
    assert links
    response = await ds.client.get(links[0].replace("&amp;", "&"))
    assert response.status_code == 200 and 'class="searchbox"' in response.text


async def test_document_page_shows_its_sources(ds, corpus_db):
    doc_id, url, fetched = query(corpus_db, "select document_id, url, fetched_at from sources "
                                            "where url like 'http%' and fetched_at is not null")[0]
    html = (await ds.client.get(f"/policies/documents/{doc_id}")).text
    assert f'href="{url}"' in html
    assert fetched[:10] in html


async def test_raw_text_is_plain_text(ds, corpus_db):
    doc_id, raw = query(corpus_db, "select id, raw_text from documents where raw_text like '%<%' or 1 limit 1")[0]
    response = await ds.client.get(f"/policies/documents/{doc_id}/raw")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == raw


async def test_unknown_document_is_not_found(ds):
    assert (await ds.client.get("/policies/documents/000000000000")).status_code == 404
    assert (await ds.client.get("/policies/documents/000000000000/raw")).status_code == 404


async def test_row_json_still_works_at_the_document_url(ds, corpus_db):
    (doc_id,) = query(corpus_db, "select id from documents limit 1")[0]
    response = await ds.client.get(f"/policies/documents/{doc_id}.json?_shape=array")
    assert response.status_code == 200 and response.json()[0]["id"] == doc_id


async def test_periods_are_marked_and_listed_with_their_confidence(ds, corpus_db):
    doc_id, = query(corpus_db, """select document_id from periods where char_start is not null
        group by document_id order by count(*) desc limit 1""")[0]
    html = (await ds.client.get(f"/policies/documents/{doc_id}")).text
    periods = query(corpus_db, "select id, confidence from periods where document_id = ?", (doc_id,))
    assert 'class="mark mark-period" href="/policies/periods/' in html
    listed = html[html.index('id="periods"'):]
    for period_id, confidence in periods:
        assert f'<a href="/policies/periods/{period_id}">' in listed
    assert f">{periods[0][1]:.2f}</span>" in listed


async def test_every_fact_list_shows_confidence(ds, corpus_db):
    doc_id, = query(corpus_db, """select document_id from targets where document_id in
        (select document_id from deadlines) and document_id in (select document_id from responsibilities)
        limit 1""")[0]
    html = (await ds.client.get(f"/policies/documents/{doc_id}")).text
    for section in ("targets", "deadlines", "responsibilities"):
        part = html[html.index(f'<h2 id="{section}"'):]
        part = part[:part.index("</table>")]
        assert "<th>confidence</th>" in part and 'class="conf conf-' in part, section


FACTS = ["citations", "targets", "deadlines", "periods", "responsibilities"]


@pytest.mark.parametrize("table", FACTS)
async def test_a_fact_row_links_to_its_document_by_title_and_to_its_place_in_the_text(ds, corpus_db, table):
    fact_id, doc_id, title = query(corpus_db, f"""select x.id, d.id, d.title from {table} x
        join documents d on d.id = x.document_id where d.title is not null and x.char_start is not null
        order by x.id limit 1""")[0]
    response = await ds.client.get(f"/policies/{table}/{fact_id}")
    assert response.status_code == 200
    html = response.text
    assert f'<a class="fact-document" href="/policies/documents/{doc_id}">{title}</a>' in html
    assert f'<a class="fact-place" href="/policies/documents/{doc_id}#{table}-{fact_id}">' in html
    assert "<mark>" in html and 'class="conf conf-' in html
    # The document_id cell names the document too, not a bare id.
    assert f'<a href="/policies/documents/{doc_id}">{title}</a> <code>{doc_id}</code>' in html
    # The place exists, once: the mark in the text, or the fact's row in the lists.
    document = (await ds.client.get(f"/policies/documents/{doc_id}")).text
    assert document.count(f'id="{table}-{fact_id}"') == 1


async def test_every_fact_of_a_document_has_its_place_on_the_page(ds, corpus_db):
    for table in FACTS:
        for doc_id, ids in query(corpus_db, f"""select document_id, group_concat(id) from {table}
                group by document_id order by count(*) desc limit 2"""):
            document = (await ds.client.get(f"/policies/documents/{doc_id}")).text
            for fact_id in ids.split(","):
                assert document.count(f'id="{table}-{fact_id}"') == 1, (table, doc_id, fact_id)


async def test_an_unknown_fact_is_not_found(ds):
    assert (await ds.client.get("/policies/periods/999999")).status_code == 404


# --- canned queries -------------------------------------------------------

EXAMPLES = {
    "targets_due_in_year": {"year": "2025"},
    "targets_on_object": {"year": "2030", "object": "实训"},
    "annual_deadlines": {"month": "12"},
    "deadlines_in_year": {"year": "2025"},
    "annual_deadlines_of_issuer": {"issuer": "局"},
    "responsibilities_of_agency": {"agency": "教育局"},
    "duties_of_agency": {"agency": "教育部"},
    "documents_citing_number": {"doc_number": "教职成厅函〔2023〕15号"},
    "periods_in_force_on": {"day": "2024-06-01"},
    "documents_by_validity": {},
}


def test_every_canned_query_has_a_title_and_description():
    queries = METADATA["databases"]["policies"]["queries"]
    assert set(queries) == set(EXAMPLES)
    for spec in queries.values():
        assert spec.get("title") and len(spec.get("description", "")) > 20


@pytest.mark.parametrize("name", sorted(EXAMPLES))
async def test_canned_query_answers_its_example(ds, name):
    response = await ds.client.get(f"/policies/{name}.json", params={**EXAMPLES[name], "_shape": "array"})
    assert response.status_code == 200, response.text
    assert response.json(), f"{name} finds something for {EXAMPLES[name]}"


async def test_canned_query_links_document_ids_to_document_pages(ds):
    html = (await ds.client.get("/policies/targets_due_in_year?year=2025")).text
    assert re.search(r'<a href="/policies/documents/[0-9a-f]+">[0-9a-f]+</a>', html)


# --- a base under any name --------------------------------------------------

@pytest.fixture(scope="module", params=["with the metadata", "without metadata"])
def renamed(corpus_db, tmp_path_factory, request) -> Datasette:
    """The corpus served as other-name (policykb serve --db other-name.db, or plain datasette)."""
    path = tmp_path_factory.mktemp("renamed") / "other-name.db"
    shutil.copyfile(corpus_db, path)
    return Datasette([str(path)], metadata=METADATA if request.param == "with the metadata" else None,
                     immutables=[])


def assert_no_policies_link(html: str) -> None:
    assert not re.search(r"""(href|action)="/policies\b""", html), "a link assumes the base is called policies"


async def test_home_page_of_a_base_under_another_name(renamed):
    response = await renamed.client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "Chinese government policy notices" in html and 'class="heat"' in html
    for name in METADATA["databases"]["policies"]["queries"]:
        assert f'href="/other-name/{name}"' in html
    assert_no_policies_link(html)


async def test_search_of_a_base_under_another_name(renamed, corpus_db):
    response = await renamed.client.get("/search?q=产教融合")
    assert response.status_code == 200, response.text
    titles = re.findall(r'<div class="title"><a href="/other-name/documents/\w+">', response.text)
    expected = query(corpus_db, "select count(*) from documents where body like '%产教融合%' or title like '%产教融合%'")
    assert len(titles) == expected[0][0]
    assert_no_policies_link(response.text)
    facet = re.search(r'<a href="(/search\?q=[^"]+doc_type=[^"]+)"', response.text)
    assert (await renamed.client.get(facet.group(1).replace("&amp;", "&"))).status_code == 200


async def test_document_page_of_a_base_under_another_name(renamed, corpus_db):
    doc_id, target_id, raw = query(corpus_db, """select d.id, t.id, d.raw_text from documents d
        join targets t on t.document_id = d.id where t.char_start is not null limit 1""")[0]
    response = await renamed.client.get(f"/other-name/documents/{doc_id}")
    assert response.status_code == 200
    assert f'class="mark mark-target" href="/other-name/targets/{target_id}"' in response.text
    assert_no_policies_link(response.text)
    assert (await renamed.client.get(f"/other-name/documents/{doc_id}/raw")).text == raw
    listed = (await renamed.client.get("/other-name/documents?_search=产教融合")).text
    assert 'class="result"' in listed and f'href="/other-name/documents/' in listed


async def test_table_search_and_facets_of_a_base_under_another_name(renamed, corpus_db):
    response = await renamed.client.get("/other-name/documents.json?_search=产教融合&_shape=objects&_col=id&_size=max")
    data = response.json()
    expected = {i for (i,) in query(corpus_db, "select id from documents where body like '%产教融合%' "
                                               "or title like '%产教融合%'")}
    assert {row["id"] for row in data["rows"]} == expected
    assert set(data["facet_results"]) == {"doc_type", "issuer", "region", "year"}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
async def test_canned_query_of_a_base_under_another_name(renamed, name):
    response = await renamed.client.get(f"/other-name/{name}.json", params={**EXAMPLES[name], "_shape": "array"})
    assert response.status_code == 200, response.text
    assert response.json()


async def test_a_database_that_is_no_base_is_left_to_datasette(tmp_path):
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path)
    conn.execute("create table documents (id text primary key, title text)")
    conn.execute("insert into documents values ('x1', 'hello world')")
    conn.execute("create virtual table documents_search using fts5(title, content=documents)")
    conn.execute("insert into documents_search(rowid, title) select rowid, title from documents")
    conn.commit()
    conn.close()
    ds = Datasette([str(path)], immutables=[])
    assert "policy notices" not in (await ds.client.get("/")).text
    assert (await ds.client.get("/search?q=教育")).status_code == 404
    row = await ds.client.get("/plain/documents/x1")
    assert row.status_code == 200 and "policykb-document" not in row.text
    found = await ds.client.get("/plain/documents.json?_search=hello&_fts_table=documents_search&_shape=array")
    assert [r["id"] for r in found.json()] == ["x1"], "Datasette's own search on a database that is no base"
    assert (await ds.client.get("/plain/documents/x1/raw")).status_code == 404


# --- read-only and limits -------------------------------------------------

def test_served_read_only_with_time_and_row_limits(tmp_path):
    from policykb.cli import datasette_serve_args

    args = datasette_serve_args(tmp_path / "policies.db", 8001, "127.0.0.1", ROOT / "datasette_metadata.json")
    assert "--immutable" in args
    settings = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setting"}
    assert int(settings["sql_time_limit_ms"]) <= 5000
    assert int(settings["max_returned_rows"]) <= 1000


# --- escaping -------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Datasette:
    """A base whose one document carries a script, a javascript: link and an onerror attribute."""
    path = tmp_path_factory.mktemp("hostile") / "policies.db"
    db = open_db(path)
    create_schema(db)
    bad = "<script>alert(9)</script>"
    db["documents"].insert({"id": "abcdef123456", "title": "标题" + bad, "doc_number": "京政发〔2024〕1号" + bad,
                            "issuer": "北京市人民政府" + bad, "doc_type": "通知", "region": "北京市",
                            "year": 2024, "written_date": "2024-01-02", "validity": bad,
                            "body": HOSTILE, "raw_text": HOSTILE, "edit_count": 1})
    start = HOSTILE.index("300个")
    db["targets"].insert({"id": 1, "document_id": "abcdef123456", "year": 2025, "quantity": 300, "unit": "个",
                          "object": "实训基地" + bad, "sentence": HOSTILE, "char_start": start,
                          "char_end": start + 4})
    db["deadlines"].insert({"id": 1, "document_id": "abcdef123456", "recurrence": "once", "date": "2025-12-31",
                            "action": bad, "sentence": bad, "char_start": 0, "char_end": 8})
    db["periods"].insert({"id": 1, "document_id": "abcdef123456", "kind": "effective", "start": "2025-01-01",
                          "end": bad, "recurrence": "once", "subject": bad, "sentence": bad, "char_start": 0,
                          "char_end": 8, "confidence": 0.5, "evidence": bad})
    db["citations"].insert({"id": 1, "document_id": "abcdef123456", "cited_title": "办法" + bad,
                            "cited_doc_number": bad, "relation": "cites", "sentence": bad,
                            "char_start": 0, "char_end": 25})
    db["responsibilities"].insert({"id": 1, "document_id": "abcdef123456", "agency": "<script>",
                                   "agency_canonical": bad, "role": "lead", "task": bad, "sentence": bad,
                                   "char_start": 0, "char_end": 25})
    db["sources"].insert({"path": "x.html", "document_id": "abcdef123456", "status": "ok", "is_primary": 1,
                          "url": "javascript:alert(4)", "fetched_at": bad})
    db["cleaning_edits"].insert({"id": 1, "document_id": "abcdef123456", "kind": "markup", "char_start": 0,
                                 "char_end": 1, "original": bad, "replacement": bad})
    build_search_index(db)
    db.conn.close()
    return make_datasette(path)


HOSTILE_PAGES = ["/", "/search?q=产教融合", "/search?q=<script>alert(9)</script>", "/policies/documents/abcdef123456",
                 "/policies/documents?_search=产教融合", "/policies/targets_due_in_year?year=2025",
                 "/policies/deadlines_in_year?year=2025", "/policies/targets/1", "/policies/periods/1",
                 "/policies/deadlines/1", "/policies/citations/1", "/policies/responsibilities/1"]


@pytest.mark.parametrize("path", HOSTILE_PAGES)
async def test_scraped_markup_is_shown_as_text(hostile, path):
    response = await hostile.client.get(path)
    assert response.status_code == 200, response.text
    html = response.text
    assert "<script>alert" not in html
    assert not re.search(r"<img[^>]*onerror", html, re.I)
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.I)


async def test_document_page_escapes_the_body_and_keeps_it_readable(hostile):
    html = (await hostile.client.get("/policies/documents/abcdef123456")).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    assert 'href="/policies/targets/1"' in html  # marks still link
    assert "javascript:alert(4)" in html  # the source URL is shown, as text only


async def test_raw_text_of_a_hostile_page_is_never_html(hostile):
    response = await hostile.client.get("/policies/documents/abcdef123456/raw")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers.get("x-content-type-options") == "nosniff"


# --- a rebuild while serving ------------------------------------------------

async def test_a_running_server_serves_the_base_a_build_renames_over_it(seeds_db, corpus_db, tmp_path):
    """As policykb build does: the new base written beside the served one, then renamed over it."""
    import os

    served = tmp_path / "policies.db"
    shutil.copyfile(seeds_db, served)
    ds = Datasette([], immutables=[str(served)], metadata=METADATA)
    (before,) = query(seeds_db, "select count(*) from documents")[0]
    (after,) = query(corpus_db, "select count(*) from documents")[0]
    (new_id,) = query(corpus_db, "select id from documents where id not in ({})".format(
        ",".join(f"'{i}'" for (i,) in query(seeds_db, "select id from documents"))) + " limit 1")[0]
    assert before != after
    assert f"{before} Chinese government policy notices" in (await ds.client.get("/")).text
    assert (await ds.client.get(f"/policies/documents/{new_id}")).status_code == 404
    table = (await ds.client.get("/policies/documents.json?_size=1")).json()
    assert table["filtered_table_rows_count"] == before
    for _ in range(4):  # every thread's connection, not only the next one
        await ds.client.get("/search.json?q=公积金")

    shutil.copyfile(corpus_db, tmp_path / "policies.db.new")
    os.replace(tmp_path / "policies.db.new", served)

    assert f"{after} Chinese government policy notices" in (await ds.client.get("/")).text
    assert (await ds.client.get(f"/policies/documents/{new_id}")).status_code == 200
    for _ in range(4):
        table = (await ds.client.get("/policies/documents.json?_size=1")).json()
        assert table["filtered_table_rows_count"] == after
    (n,) = query(corpus_db, "select count(*) from documents where body like '%公积金%' or title like '%公积金%'")[0]
    assert (await ds.client.get("/search.json?q=公积金")).json()["total"] == n
    database = (await ds.client.get("/policies.json")).json()
    assert {t["name"]: t["count"] for t in database["tables"]}["documents"] == after
