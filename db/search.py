"""Chinese full-text search on any SQLite: one character per token.

SQLite's default tokenizer sees a run of Chinese as one token; FTS5's trigram
tokenizer cannot match a two-character word; text segmented by jieba misses
a word inside a longer one (教育 in 职业教育) unless the query is segmented
the same way.  Indexing every CJK character as its own token and turning the
query into a phrase of characters finds exactly the documents that contain
the string, at any length, with the stock unicode61 tokenizer.  Matching
ignores line breaks and character width (NFKC), never punctuation.

Measured on the bundled corpus (see benchmarks/search_options.py): for 教育,
公积金, 产教融合 and 住房公积金贷款 this index agrees with a plain substring
scan on every document; trigram misses every 2-character query and jieba
segmentation misses 教育 inside 职业教育.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Punctuation indexed as tokens of its own, so 住房公积金贷款 does not match
# 住房，公积金贷款: a phrase may not skip a comma.  (NFKC folds full-width
# forms first, so ， and , are one token.)  Quotes ' and " are left out:
# they cannot stand inside the tokenize option.
TOKEN_PUNCT = "。、；：？！“”‘’《》〈〉【】〔〕—…·「」『』,.;:?!()[]-/%"
TOKENIZE = f"unicode61 remove_diacritics 0 tokenchars '{TOKEN_PUNCT}'"
_SINGLE = f"[{_CJK}]|[{re.escape(TOKEN_PUNCT)}]"
_SINGLE_CHAR = re.compile(f"({_SINGLE})")
_TERM = re.compile(f"{_SINGLE}|[^\\s{_CJK}{re.escape(TOKEN_PUNCT)}\"']+")


class _Spacer(dict):
    """str.translate table padding single-token characters with spaces,
    built lazily per character (four times faster than a regex sub)."""

    def __missing__(self, code: int):
        ch = chr(code)
        value = f" {ch} " if _SINGLE_CHAR.fullmatch(ch) else ch
        self[code] = value
        return value


_SPACER = _Spacer()


def spaced(text: str | None) -> str:
    """Text as the index sees it: every CJK character and punctuation mark a word.

    >>> spaced("职业教育AHK，合作")
    ' 职  业  教  育 AHK ,  合  作 '
    """
    return unicodedata.normalize("NFKC", text or "").translate(_SPACER)


def fts_query(query: str | None) -> str:
    """A user's search as an FTS5 expression: each word a phrase of characters.

    Quotes and operators in the input are taken literally, never as syntax, so
    any input is a valid query.

    >>> fts_query("住房公积金贷款")
    '"住 房 公 积 金 贷 款"'
    >>> fts_query('产教融合 "AHK')
    '"产 教 融 合" "AHK"'
    """
    phrases = []
    for word in unicodedata.normalize("NFKC", query or "").split():
        terms = _TERM.findall(word)
        if terms:
            phrases.append('"' + " ".join(terms) + '"')
    return " ".join(phrases) or '""'
