"""Page zoning: golden cases in tests/golden/page, contracts, robustness.

Each golden file is a JSON object:

- ``kind``: ``html`` or ``text``; ``input`` (the page) or ``file`` (a path
  relative to the repository root);
- ``first_content`` / ``last_content``: the notice's first line starts with /
  last line ends with this;
- ``content_includes`` / ``content_excludes``: text the content lines must /
  must not hold;
- ``zones``: {text of a line: its zone};
- ``meta``, ``links``, ``tables``, ``html_title``: exact values expected;
- ``no_content``: true for a page that holds no notice (a column listing).

Texts compare after the zoning's own normalisation (pinyin glosses removed,
traditional -> simplified, NFKC, whitespace removed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykb.ingest.page import page_from_html, page_from_text
from policykb.ingest.text_page import GLOSS_RE, default_rules, make_key, simplify
from policykb.records import Page

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "page"
ZONES = {"content", "meta", "chrome", "spam"}


def norm(text: str) -> str:
    return make_key(simplify([GLOSS_RE.sub("", text)])[0])


def load(path: Path) -> tuple[dict, str, Page]:
    case = json.loads(path.read_text(encoding="utf-8"))
    source = case["input"] if "input" in case else (ROOT / case["file"]).read_text(encoding="utf-8")
    build = page_from_html if case["kind"] == "html" else page_from_text
    return case, source, build(source)


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_golden(path):
    case, source, page = load(path)
    content = [line.text for line in page.lines if line.zone == "content" and line.text.strip()]
    joined = norm("\n".join(content))
    if case.get("no_content"):  # a column/listing page holds no notice
        assert not content, content
        return
    assert content, "no content line"
    if case.get("first_content"):
        assert norm(content[0]).startswith(norm(case["first_content"])), content[0]
    if case.get("last_content"):
        assert norm(content[-1]).endswith(norm(case["last_content"])), content[-1]
    for text in case.get("content_includes", []):
        assert norm(text) in joined, f"missing from content: {text}"
    for text in case.get("content_excludes", []):
        assert norm(text) not in joined, f"in content: {text}"
    for text in case.get("not_content_lines", []):  # a whole line, where its text also stands inside another
        assert norm(text) not in {norm(c) for c in content}, f"a content line: {text}"
    for text, zone in case.get("zones", {}).items():
        line = next((l for l in page.lines if norm(text) in norm(l.text)), None)
        assert line is not None, f"no line holds {text!r}"
        assert line.zone == zone, f"{line.text!r} is {line.zone}, expected {zone}"
    for key, value in case.get("meta", {}).items():
        assert page.meta.get(key) == value, f"meta[{key}] = {page.meta.get(key)!r}"
    for label in case.get("links", []):
        assert label in page.links
    if "tables" in case:
        assert [list(map(list, t)) for t in page.tables] == case["tables"]
    if "html_title" in case:
        assert page.html_title == case["html_title"]
    if case["kind"] == "text":
        assert "\n".join(line.text for line in page.lines) == source


# ------------------------------------------------------------ contracts ---


@pytest.mark.parametrize("text", ["", "\n", "a\r\nb\r\n", "\n\n正文\n\n", "  \t", "x\ry"])
def test_text_join_contract(text):
    page = page_from_text(text)
    assert "\n".join(line.text for line in page.lines) == text
    assert all(line.zone in ZONES for line in page.lines)


def test_seed_join_contract_and_zones():
    for path in sorted((ROOT / "corpus" / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        page = page_from_text(text)
        assert "\n".join(line.text for line in page.lines) == text, path.name
        assert {line.zone for line in page.lines} <= ZONES


def test_html_lines_are_the_visible_text():
    page = page_from_html(
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<script>var x = '隐藏';</script><!-- 注释 --><noscript>无脚本</noscript>"
        "<p>第一段<b>加粗</b>文字&nbsp;末尾</p><div>甲<br>乙</div>"
        "<table><tr><td>单元一</td><td>单元二</td></tr></table></body></html>"
    )
    assert [line.text for line in page.lines] == ["第一段加粗文字\xa0末尾", "甲", "乙", "单元一 | 单元二"]
    assert page.html_title == "t"


def test_empty_documents():
    assert page_from_html("").lines == ()
    assert page_from_html("   <!-- -->  ").lines == ()
    assert [line.text for line in page_from_text("").lines] == [""]


def test_deep_nesting_does_not_raise():
    html = "<html><body>" + "<div>" * 10_000 + "深处的文字。" + "</div>" * 10_000 + "<p>之后</p></body></html>"
    page = page_from_html(html)
    texts = [line.text for line in page.lines]
    assert "深处的文字。" in texts and "之后" in texts


def test_rule_files_load():
    rules = default_rules()
    assert rules.line_rules and rules.spam and rules.labels and rules.meta_tags
    priorities = [rule.priority for rule in rules.line_rules]
    assert priorities == sorted(priorities)
    assert {rule.zone for rule in rules.line_rules} <= ZONES


# ------------------------------------------------------------ robustness ---

FRAGMENTS = st.sampled_from([
    "<div>", "</div>", "<p>", "</p>", "<table>", "<tr>", "<td rowspan='3'>", "<td colspan='x'>",
    "</td>", "</tr>", "</table>", "<br>", "<a href='a.pdf'>", "</a>", "<h1>", "</h1>",
    "<script>", "</script>", "<!--", "-->", "<pre>", "</pre>", "<div style='display:none'>",
    "发布时间：2023-01-01", "索 引 号：", "附件", "相关阅读", "各有关单位：", "现将有关事项通知如下。",
    "2024年1月1日", "某市人民政府", "国产精品无码_日韩", "|", "\n", "&nbsp;", "&#0;", "\x00", "\ud800",
])


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_html_never_raises_on_text(text):
    page = page_from_html(text)
    assert all(line.zone in ZONES for line in page.lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(FRAGMENTS, max_size=60).map("".join))
def test_html_never_raises_on_markup(html):
    page = page_from_html(html)
    assert all(line.zone in ZONES for line in page.lines)
    for table in page.tables:
        assert all(isinstance(cell, str) for row in table for cell in row)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.lists(FRAGMENTS, max_size=60).map("".join)))
def test_text_never_raises_and_keeps_the_text(text):
    page = page_from_text(text)
    assert "\n".join(line.text for line in page.lines) == text
    assert all(line.zone in ZONES for line in page.lines)
