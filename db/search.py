"""Chinese full-text search on any SQLite: overlapping two-character tokens.

SQLite's default tokenizer sees a run of Chinese as one token; FTS5's trigram
tokenizer cannot match a two-character word; text segmented by jieba misses
a word inside a longer one (教育 in 职业教育) unless the query is segmented
the same way.  This index writes every run of Chinese characters as its
overlapping pairs and its last character, each a token for the stock
unicode61 tokenizer::

    人民政府  →  人民 民政 政府 府

and turns a query into the phrase of its pairs.  A phrase of pairs at
consecutive positions spells the query (two pairs in a row overlap by one
character; the lone last character stands between runs, so no phrase of
pairs crosses from one run into the next), so a search finds exactly the
documents that contain the string:

* 2 characters and more: the phrase of pairs (人民政府 → "人民 民政 政府");
* 1 character: any token that starts with it, a prefix query (府 → "府"*):
  inside a run it begins a pair, at the end of one it is the lone last token;
* a run followed by something else in the query (人民， or 教育AHK): the pairs and
  the lone last character, so the run has to end there in the document too.

Punctuation marks are tokens of their own and are never skipped; Latin words
and numbers are unicode61's words.  Matching ignores whitespace between
Chinese characters (a line break inside a word) and character width (NFKC);
other symbols that unicode61 drops (# * ■) end a run.

Why pairs rather than one token per character (the index before): a phrase
of single characters reads the position list of every character, and 人 or
政 occur dozens of times in every notice; a pair is much rarer.  At 100,000
generated notices a phrase costs 2 to 10 times less CPU (人民政府 23 ms
instead of 46, 行政处罚决定 2 instead of 20), for as many tokens and an index
60% larger (5.1 KB a document instead of 3.2); a single character, now a
prefix query over every pair it begins, costs more (府 44 ms instead of 3).
Measured on the bundled corpus (benchmarks/search_options.py), this index
agrees with a plain substring scan on every document for every query there;
trigram misses every 2-character query and jieba segmentation misses 教育
inside 职业教育.  A change to what the index holds bumps
db.store.SCHEMA_VERSION: a base built before is refused, not misread.
"""

from __future__ import annotations

import re
import unicodedata
from operator import add
from typing import Callable

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Punctuation indexed as tokens of its own, so 住房公积金贷款 does not match
# 住房，公积金贷款: a phrase may not skip a comma.  (NFKC folds full-width
# forms first, so ， and , are one token.)  Quotes ' and " are left out:
# they cannot stand inside the tokenize option.
TOKEN_PUNCT = "。、；：？！“”‘’《》〈〉【】〔〕—…·「」『』,.;:?!()[]-/%"
TOKENIZE = f"unicode61 remove_diacritics 0 tokenchars '{TOKEN_PUNCT}'"

_PUNCT = re.escape(TOKEN_PUNCT)
# A run of Chinese characters, whitespace between them ignored.
_RUN = re.compile(f"[{_CJK}](?:\\s*[{_CJK}])*")
_PAD_PUNCT = {ord(c): f" {c} " for c in TOKEN_PUNCT}
# A query word's parts: a run of Chinese, one punctuation mark, or anything
# else up to the next of those (unicode61 splits it into words itself).
_QUERY_PART = re.compile(f"(?P<run>[{_CJK}]+)|[{_PUNCT}]|[^\\s{_CJK}{_PUNCT}\"']+")


def _pairs(run: str) -> list[str]:
    """Overlapping pairs of characters.

    >>> _pairs("人民政府")
    ['人民', '民政', '政府']
    """
    return list(map(add, run, run[1:]))


def _run_tokens(match: re.Match) -> str:
    run = "".join(match.group().split())
    return " " + " ".join(_pairs(run) + [run[-1]]) + " "


def spaced(text: str | None) -> str:
    """Text as the index sees it: each Chinese run as its pairs and its last
    character, each punctuation mark a word.

    >>> spaced("职业教育AHK，合作。教")
    ' 职业 业教 教育 育 AHK ,  合作 作  。  教 '
    """
    return _RUN.sub(_run_tokens, unicodedata.normalize("NFKC", text or "").translate(_PAD_PUNCT))


def _phrase(word: str) -> str | None:
    """One query word as an FTS5 phrase (see the module docstring), or None
    when it holds nothing to search for."""
    parts = list(_QUERY_PART.finditer(word))
    tokens: list[str] = []
    prefix = False
    for i, part in enumerate(parts):
        run = part.group("run")
        if not run:
            tokens.append(part.group())
            continue
        tokens += _pairs(run)
        if i < len(parts) - 1:
            tokens.append(run[-1])
        elif len(run) == 1:
            tokens.append(run)
            prefix = True
    if not tokens:
        return None
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


# How a search's words are read: each word with the forms it may take in the
# documents (as typed, in simplified script, its document number written as
# the documents write it …).  The default reads each word as typed; the web
# plugin passes one that converts and normalises as the documents were
# (policykb/datasette_plugin.py, ``read_query``), since this layer may not
# import ingest or extract.
Reading = Callable[[str], "list[tuple[str, ...]]"]


def as_typed(query: str) -> list[tuple[str, ...]]:
    """Each whitespace-separated word of ``query`` in one form, as typed.

    >>> as_typed(" 产教融合  公积金")
    [('产教融合',), ('公积金',)]
    """
    return [(word,) for word in query.split()]


def fts_query(query: str | None, reading: Reading | None = None) -> str:
    """A user's search as an FTS5 expression: each word a phrase of pairs.

    Quotes and operators in the input are taken literally, never as syntax, so
    any input is a valid query.  A word ``reading`` gives several forms
    matches any of them (``("…" OR "…")``; the words are then joined with an
    explicit AND, which FTS5 needs beside a bracket).

    >>> fts_query("住房公积金贷款")
    '"住房 房公 公积 积金 金贷 贷款"'
    >>> fts_query('府 产教融合 "AHK')
    '"府"* "产教 教融 融合" "AHK"'
    >>> fts_query("职教，AHK合")
    '"职教 教 , AHK 合"*'
    >>> fts_query("公積金 住房", lambda q: [("公積金", "公积金"), ("住房",)])
    '("公積 積金" OR "公积 积金") AND "住房"'
    """
    words = (reading or as_typed)(unicodedata.normalize("NFKC", query or ""))
    groups = []
    for forms in words:
        phrases = list(dict.fromkeys(p for p in (_phrase(unicodedata.normalize("NFKC", f)) for f in forms) if p))
        if phrases:
            groups.append(phrases)
    if not groups:
        return '""'
    if all(len(g) == 1 for g in groups):
        return " ".join(g[0] for g in groups)
    return " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)
