"""Subscriptions: a search's new documents as Atom, its deadlines as iCalendar (policykb/feeds.py).

Every feed is parsed: Atom with ElementTree against RFC 4287's required
elements, iCalendar with the ics library (datasette-ics's) and line by line
against RFC 5545's rules the parser forgives (all-day dates, 75-octet lines,
CRLF, DTSTAMP and UID in each event).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from datasette.app import Datasette
from ics import Calendar

from policykb.feeds import FEED_SIZE
from tests.helpers import rows

ROOT = Path(__file__).resolve().parent.parent
METADATA = json.loads((ROOT / "datasette_metadata.json").read_text(encoding="utf-8"))
A = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def ds(corpus_db):
    return Datasette([str(corpus_db)], metadata=METADATA, immutables=[])


def query(db: Path, sql: str, params=()) -> list[tuple]:
    return rows(db, sql, *params)


def parse_atom(text: str) -> ET.Element:
    """The feed element, after checking what RFC 4287 requires of a feed and its entries."""
    feed = ET.fromstring(text.encode("utf-8"))
    assert feed.tag == A + "feed"
    for name in ("id", "title", "updated"):
        assert feed.find(A + name) is not None and feed.find(A + name).text, name
    assert feed.find(f"{A}link[@rel='self']") is not None
    has_author = feed.find(A + "author") is not None
    for entry in feed.findall(A + "entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(A + name) is not None and entry.find(A + name).text, name
        assert entry.find(A + "link").get("href").startswith("http")
        assert has_author or entry.find(A + "author") is not None
    return feed


def parse_ics(text: str) -> Calendar:
    """The calendar, after checking the rules of RFC 5545 the parser forgives."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    unfolded = re.sub(r"\r\n ", "", text)
    for event in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S):
        assert re.search(r"^DTSTART;VALUE=DATE:\d{8}\r$", event, re.M), event
        assert re.search(r"^DTSTAMP:\d{8}T\d{6}Z\r$", event, re.M) and re.search(r"^UID:\S+\r$", event, re.M)
        assert "T000000" not in event, "an all-day event, not midnight"
    return Calendar(text)


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


async def test_a_search_as_an_atom_feed_of_its_newest_documents(ds, corpus_db):
    response = await ds.client.get("/search.atom?q=公積金")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = parse_atom(response.text)
    entries = feed.findall(A + "entry")
    (total,) = query(corpus_db, "select count(*) from documents where body like '%公积金%' or title like '%公积金%'")[0]
    assert len(entries) == min(total, FEED_SIZE)
    newest = [i for (i,) in query(corpus_db, """select id from documents where body like '%公积金%'
        or title like '%公积金%' order by fts_rowid desc limit ?""", (FEED_SIZE,))]
    assert [e.find(A + "id").text for e in entries] == [f"tag:policykb,2026:document/{i}" for i in newest]
    first = entries[0]
    assert local(first.find(A + "link").get("href")) == f"/policies/documents/{newest[0]}"
    assert "公积金" in first.find(A + "summary").text


async def test_a_facet_or_issuer_as_a_feed(ds, corpus_db):
    issuer, n = query(corpus_db, """select issuer, count(*) from documents where issuer is not null
        group by issuer having count(*) between 2 and 30 order by count(*) desc limit 1""")[0]
    feed = parse_atom((await ds.client.get("/search.atom", params={"issuer": issuer})).text)
    entries = feed.findall(A + "entry")
    assert len(entries) == n
    assert {e.find(A + "author/" + A + "name").text for e in entries} == {issuer}
    assert issuer in feed.find(A + "title").text


async def test_a_search_that_finds_nothing_is_an_empty_feed(ds):
    response = await ds.client.get("/search.atom?q=量子引力")
    assert response.status_code == 200
    assert parse_atom(response.text).findall(A + "entry") == []
    calendar = await ds.client.get("/search.ics?q=量子引力")
    assert calendar.status_code == 200 and not parse_ics(calendar.text).events


async def test_a_searchs_deadlines_as_all_day_events(ds, corpus_db):
    response = await ds.client.get("/search.ics?q=公积金")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = parse_ics(response.text)
    expected = query(corpus_db, """select dl.action, coalesce(dl.date, dl.month_day) from deadlines dl
        join documents d on d.id = dl.document_id where (d.body like '%公积金%' or d.title like '%公积金%')
        and ((dl.recurrence = 'once' and dl.date is not null) or (dl.recurrence = 'annual' and dl.month_day is not null))""")
    assert expected and len(calendar.events) == len(expected)
    assert all(event.all_day for event in calendar.events)
    assert sorted(e.name for e in calendar.events) == sorted((action or "").strip() or "期限 deadline"
                                                           for action, _ in expected)
    once = {when for _, when in expected if len(when) == 10}
    assert {e.begin.date().isoformat() for e in calendar.events} >= once
    for event in calendar.events:
        assert re.search(r"/policies/documents/\w+#deadlines-\d+$", event.url)
    assert "X-WR-CALNAME:policykb deadlines: “公积金”" in response.text


async def test_an_annual_deadline_repeats_every_year(ds, corpus_db):
    rows = query(corpus_db, """select d.title, dl.month_day from deadlines dl join documents d on d.id = dl.document_id
        where dl.recurrence = 'annual' and dl.month_day is not null and d.title is not null limit 1""")
    if not rows:
        pytest.skip("no annual deadline in the corpus")
    title, month_day = rows[0]
    text = (await ds.client.get("/search.ics", params={"q": title})).text
    parse_ics(text)
    unfolded = re.sub(r"\r\n ", "", text)
    event = next(e for e in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S) if "RRULE" in e)
    assert "RRULE:FREQ=YEARLY" in event
    assert re.search(r"DTSTART;VALUE=DATE:\d{4}" + month_day.replace("-", ""), event)


async def test_feeds_are_linked_from_the_search_and_home_pages(ds):
    html = (await ds.client.get("/search?q=公积金&doc_type=通知")).text
    atom = re.search(r'class="feed-atom" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    ics = re.search(r'class="feed-ics" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert atom == "/search.atom?q=%E5%85%AC%E7%A7%AF%E9%87%91&doc_type=%E9%80%9A%E7%9F%A5"
    assert ics == atom.replace(".atom", ".ics")
    assert '<link rel="alternate" type="application/atom+xml"' in html
    feed = parse_atom((await ds.client.get(atom)).text)
    data = (await ds.client.get("/search.json?q=公积金&doc_type=通知")).json()
    assert len(feed.findall(A + "entry")) == min(data["total"], FEED_SIZE)
    parse_ics((await ds.client.get(ics)).text)
    home = (await ds.client.get("/")).text
    assert 'class="feed-atom" href="/search.atom"' in home and 'class="feed-ics" href="/search.ics"' in home


async def test_feeds_of_a_base_under_another_name(corpus_db, tmp_path):
    path = tmp_path / "other-name.db"
    path.write_bytes(corpus_db.read_bytes())
    other = Datasette([str(path)], immutables=[])
    feed = parse_atom((await other.client.get("/search.atom?q=产教融合")).text)
    assert all("/other-name/documents/" in e.find(A + "link").get("href") for e in feed.findall(A + "entry"))
    assert parse_ics((await other.client.get("/search.ics?q=产教融合")).text) is not None


async def test_any_query_renders_as_atom_and_ics_through_the_plugins(ds):
    """datasette-atom and datasette-ics: .atom and .ics of any query with their columns."""
    sql = ("select id as atom_id, title as atom_title, published_date || 'T00:00:00+08:00' as atom_updated, "
           "'http://127.0.0.1:8001/policies/documents/' || id as atom_link, "
           "coalesce(issuer, 'policykb') as atom_author_name from documents where published_date is not null order by published_date desc limit 5")
    response = await ds.client.get("/policies.atom", params={"sql": sql})
    assert response.status_code == 200 and len(parse_atom(response.text).findall(A + "entry")) == 5
    sql = ("select action as event_name, date as event_dtstart from deadlines "
           "where recurrence = 'once' and date is not null limit 5")
    response = await ds.client.get("/policies.ics", params={"sql": sql})
    assert response.status_code == 200 and len(Calendar(response.text).events) == 5


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from policykb.db.store import build_search_index, create_schema, open_db

    path = tmp_path_factory.mktemp("hostile-feeds") / "policies.db"
    db = open_db(path)
    create_schema(db)
    bad = "<script>alert(9)</script>\x0b"
    db["documents"].insert({"id": "abcdef123456", "title": "产教融合" + bad, "doc_number": bad, "issuer": bad,
                            "doc_type": bad, "region": bad, "year": 2024, "published_date": "2024-13-45",
                            "body": "产教融合" + bad, "raw_text": bad})
    db["deadlines"].insert({"id": 1, "document_id": "abcdef123456", "recurrence": "once", "date": "2025-12-31",
                            "action": bad + ",;\\", "sentence": bad, "char_start": 0, "char_end": 4})
    db["deadlines"].insert({"id": 2, "document_id": "abcdef123456", "recurrence": "annual", "month_day": "02-30",
                            "action": bad, "sentence": bad, "char_start": 0, "char_end": 4})
    build_search_index(db)
    db.conn.close()
    return Datasette([str(path)], metadata=METADATA, immutables=[])


async def test_feeds_of_hostile_text_are_valid_and_escaped(hostile):
    response = await hostile.client.get("/search.atom?q=产教融合")
    assert response.status_code == 200
    feed = parse_atom(response.text)
    assert "<script>" not in response.text
    assert feed.find(f"{A}entry/{A}title").text == "产教融合<script>alert(9)</script>"
    response = await hostile.client.get("/search.ics?q=产教融合")
    assert response.status_code == 200
    calendar = parse_ics(response.text)
    # 02-30 is no day: that event is left out, the other kept.
    assert [e.name for e in calendar.events] == ["<script>alert(9)</script>,;\\"]
