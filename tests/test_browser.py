"""End to end in headless Chromium: home page → search 产教融合 → first document → a "cites" link;
a marked fact → its row → back to its place in the text; a search in traditional script and one by a
number with half-width brackets; a document with a table at 1280 and 390 px, and no text off the right
edge of a 390 px phone; a search's Atom feed and calendar, parsed.

Runs the real server (``policykb serve``) on a free loopback port against the
bundled corpus under another name than ``policies`` (``other-name.db``: any
name must work), drives Debian's ``/usr/bin/chromium`` with Playwright (never a
downloaded browser) and saves a screenshot of every step in tests/artifacts/.
Skips, saying why, only where Chromium or Playwright is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("POLICYKB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium); "
                "the end-to-end browser test needs it", allow_module_level=True)
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the Playwright Python package is not installed (pip install '.[test]')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BASE = "other-name"


@pytest.fixture(scope="module")
def server(corpus_db, tmp_path_factory):
    """`policykb serve` of the corpus as other-name.db in a subprocess; its URL, stopped after the module."""
    path = tmp_path_factory.mktemp("served") / f"{BASE}.db"
    shutil.copyfile(corpus_db, path)
    port = free_port()
    log = open(path.parent / "serve.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "policykb.cli", "serve", "--db", str(path),
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/-/versions.json", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("policykb serve did not start: "
                                       + (path.parent / "serve.log").read_text(errors="replace"))
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1280, "height": 900}, locale="zh-CN")
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
        finally:
            context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_open_a_document_and_follow_a_citation(server, page):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(server + "/")
    assert "policy notices" in page.locator("h1").inner_text()
    assert page.locator('[data-facet="region"] li').count() > 1
    shot(page, "1-home")

    page.fill('form.searchbox input[name="q"]', "产教融合")
    page.press('form.searchbox input[name="q"]', "Enter")
    page.wait_for_url("**/search?q=*")
    first = page.locator(".results .result .title a").first
    assert "产教融合" in page.locator(".results").inner_text()
    shot(page, "2-search")

    title = first.inner_text()
    first.click()
    page.wait_for_url(f"**/{BASE}/documents/*")
    assert page.locator("h1").inner_text() == title
    assert page.locator(".body p").count() > 3
    assert page.locator("a.mark").count() > 0, "the text has marked targets, deadlines, agencies or citations"
    shot(page, "3-document")

    cites = page.locator("ul.cites a")
    assert cites.count() > 0, f"the first result for 产教融合 ({title}) cites other documents"
    cited = cites.first.inner_text().strip("《》")
    cites.first.click()
    page.wait_for_load_state()
    # A cited document in the base opens its page; one that is not opens a search for it.
    if f"/{BASE}/documents/" in page.url:
        assert cited in page.locator("h1").inner_text()
    else:
        assert "/search?q=" in page.url
        assert page.locator('form.searchbox input[name="q"]').input_value()
    shot(page, "4-cited")

    assert not errors, errors


def test_a_marked_fact_opens_its_row_which_leads_back_to_its_place_in_the_text(server, page):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(server + "/search?q=" + "有效期")
    page.locator(".results .result .title a").first.click()
    page.wait_for_url(f"**/{BASE}/documents/*")
    document_url, title = page.url, page.locator("h1").inner_text()
    period = page.locator("a.mark.mark-period").first
    assert period.count(), f"{title} has a period marked in the text"
    anchor = period.get_attribute("id")
    assert anchor and anchor.startswith("periods-")
    period.click()
    page.wait_for_url(f"**/{BASE}/periods/*")
    assert page.locator("a.fact-document").inner_text() == title
    assert page.locator(".fact-source mark").count() == 1
    shot(page, "5-fact")

    page.locator("a.fact-place").click()
    page.wait_for_url(f"**/{BASE}/documents/*#{anchor}")
    assert page.url.split("#")[0] == document_url
    assert page.evaluate("document.querySelector(':target').id") == anchor
    shot(page, "6-fact-in-text")

    assert not errors, errors


# Text past the right edge of the screen, not inside a box that scrolls sideways (a wide table).
OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth, found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const range = document.createRange(); range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (!box.width || box.right <= width + 1) continue;
    let scroller = node.parentElement;
    while (scroller && !['auto', 'scroll', 'hidden'].includes(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
    if (scroller && scroller.getBoundingClientRect().right <= width + 1) continue;
    found.push(node.parentElement.tagName + ' ' + node.textContent.trim().slice(0, 40));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, found: found.slice(0, 10)};
}"""


def table_document(corpus_db) -> str:
    """The document whose page shows the longest table written one cell a line."""
    import sqlite3

    conn = sqlite3.connect(corpus_db)
    try:
        return conn.execute("""select id from documents where body like '%序号 |' || char(10) || '%'
            order by length(body) - length(replace(body, ' |', '')) desc limit 1""").fetchone()[0]
    finally:
        conn.close()


def test_search_in_traditional_script_and_by_a_number_with_half_width_brackets(server, page):
    page.goto(server + "/")
    page.fill('form.searchbox input[name="q"]', "公積金")
    page.press('form.searchbox input[name="q"]', "Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator(".read-as").inner_text() == "公积金"
    assert page.locator(".results .result").count() > 10
    assert page.locator(".results mark").first.inner_text() == "公积金"
    shot(page, "7-search-traditional")

    page.fill('form.searchbox input[name="q"]', "教职成厅函[2023]15号")
    page.press('form.searchbox input[name="q"]', "Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator(".results .result").count() >= 1
    assert "教职成厅函〔2023〕15号" in page.locator(".results").inner_text()
    shot(page, "8-search-number")


def test_a_document_with_a_table_at_1280_and_390_px(server, page, corpus_db):
    doc_id = table_document(corpus_db)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server}/{BASE}/documents/{doc_id}")
    table = page.locator(".body .bodytable table").first
    assert table.locator("tr").count() > 10, "the page's table is shown as a table"
    assert table.locator("tr").first.locator("td").count() >= 3
    shot(page, "9-table-1280")
    try:
        page.set_viewport_size({"width": 390, "height": 844})
        for path in [f"/{BASE}/documents/{doc_id}", "/", "/search?q=公积金", f"/{BASE}/documents?_search=公积金",
                     f"/{BASE}/targets/1"]:
            page.goto(server + path)
            result = page.evaluate(OFF_SCREEN)
            assert not result["found"] and result["scrollWidth"] <= result["width"], (path, result)
            if path.endswith(doc_id):
                shot(page, "10-table-390")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_subscribe_to_a_searchs_feed_and_calendar(server, page):
    import xml.etree.ElementTree as ET

    from ics import Calendar

    page.goto(server + "/search?q=公积金")
    atom_url = page.locator("a.feed-atom").get_attribute("href")
    ics_url = page.locator("a.feed-ics").get_attribute("href")
    with urllib.request.urlopen(server + atom_url, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.read())
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert entries and all(f"/{BASE}/documents/" in e.find("{http://www.w3.org/2005/Atom}link").get("href")
                           for e in entries)
    with urllib.request.urlopen(server + ics_url, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/calendar")
        calendar = Calendar(response.read().decode("utf-8"))
    assert calendar.events and all(event.all_day for event in calendar.events)
