"""The extraction pipeline: a blank Chinese spaCy pipeline of rule components.

spaCy's own Chinese tokenizer runs jieba in Python (about 0.75 MB/s here);
rjieba gives jieba's segmentation from Rust about twenty times faster, so the
Doc is built from its tokens and the pipeline's tokenizer is never called.

Each component wraps one finder (a pure function from text to records in
``extract/``): the finder finds, the component annotates — it puts the
records' character spans on ``doc.spans[<name>]`` and the records on
``doc._.records[<name>]``.  ``records_from_doc`` reads them back.
"""

from __future__ import annotations

from policykb.records import PageInfo, Extracted  # noqa: F401 (moved; imported from here too)

from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from policykb.extract.citations import find_citations
from policykb.extract import confidence
from policykb.extract.deadlines import cues as deadline_cues
from policykb.extract.deadlines import find_deadlines
from policykb.extract.periods import split_dates
from policykb.extract.docinfo import DocInfo, extract_docinfo
from policykb.extract.responsibilities import find_duty_sentences, find_responsibilities
from policykb.extract.targets import find_targets
from policykb.records import Citation, Deadline, ExtractContext, Responsibility, Target

for _name, _default in (("page", None), ("docinfo", None), ("context", None), ("records", None), ("body", None)):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


def _annotate(doc: Doc, name: str, records: list) -> None:
    """Record the finder's results on the Doc, with their character spans."""
    spans = []
    for record in records:
        span = doc.char_span(record.start, record.end, label=name, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[name] = spans
    # Each read of ``doc._`` builds a new accessor object (3 µs): read once.
    found = doc._.records
    if found is None:
        found = doc._.records = {}
    found[name] = records


def _text(doc: Doc) -> str:
    """The body: kept on the Doc when it is made, because ``doc.text`` is
    rebuilt from every token on each read (13% of the build when each
    component read it)."""
    body = doc._.body
    return body if body is not None else doc.text


@Language.component("policykb_docinfo", assigns=["doc._.docinfo", "doc._.context"])
def docinfo_component(doc: Doc) -> Doc:
    page: PageInfo = doc._.page or PageInfo({})
    info = extract_docinfo(_text(doc), page.meta, page.html_title, page.links)
    doc._.docinfo = info
    doc._.context = ExtractContext(region=info.region, issuer=info.issuer, written_date=info.written_date,
                                   published_date=info.published_date, doc_number=info.doc_number)
    return doc


@Language.component("policykb_citations", assigns=["doc.spans", "doc._.records"])
def citations_component(doc: Doc) -> Doc:
    info = doc._.docinfo
    own = info.doc_number if info else None
    # The page's own title keeps it from citing itself (its heading, its 解读 line).
    _annotate(doc, "citations", find_citations(_text(doc), own, info.title if info else None))
    return doc


@Language.component("policykb_targets", assigns=["doc.spans", "doc._.records"])
def targets_component(doc: Doc) -> Doc:
    _annotate(doc, "targets", find_targets(_text(doc), doc._.context or ExtractContext()))
    return doc


@Language.component("policykb_deadlines", assigns=["doc.spans", "doc._.records"])
def deadlines_component(doc: Doc) -> Doc:
    # Every date the text sets, sorted into obligations and periods.
    text = _text(doc)
    obligations, periods = split_dates(find_deadlines(text, doc._.context or ExtractContext()), text)
    _annotate(doc, "deadlines", obligations)
    _annotate(doc, "periods", periods)
    return doc


@Language.component("policykb_responsibilities", assigns=["doc.spans", "doc._.records"])
def responsibilities_component(doc: Doc) -> Doc:
    page: PageInfo = doc._.page or PageInfo({})
    _annotate(doc, "responsibilities",
              find_responsibilities(_text(doc), doc._.context or ExtractContext(), page.tables))
    return doc


@Language.component("policykb_duties", assigns=["doc.spans", "doc._.records"])
def duties_component(doc: Doc) -> Doc:
    # Kept apart from the 责任单位 tables: a sentence such as 省级教育行政部门要…
    # says who acts, not who is accountable for a listed task.
    _annotate(doc, "duties", find_duty_sentences(_text(doc), doc._.context or ExtractContext()))
    return doc


PIPES = ("policykb_docinfo", "policykb_citations", "policykb_targets",
         "policykb_deadlines", "policykb_responsibilities", "policykb_duties")


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """The pipeline, built once per process.

    >>> load_pipeline().pipe_names[:2]
    ['policykb_docinfo', 'policykb_citations']
    """
    nlp = spacy.blank("zh")
    # No component reads a token's lexical attributes (norm, shape, like_num
    # …); computing them for every new word was a third of building the Doc
    # in a fresh worker.  Tokens keep their text and offsets.
    nlp.vocab.lex_attr_getters = {}
    for name in PIPES:
        nlp.add_pipe(name)
    return nlp


def make_doc(nlp: Language, text: str) -> Doc:
    """A Doc from rjieba's segmentation (same words as jieba, much faster)."""
    import rjieba

    words = list(filter(None, rjieba.cut(text)))
    doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words))
    doc._.body = text
    return doc


def records_from_doc(doc: Doc) -> Extracted:
    """The records the components found, each with its evidence and confidence."""
    records = doc._.records or {}
    oblige = deadline_cues().oblige
    return Extracted(
        docinfo=doc._.docinfo,
        citations=confidence.assess("citations", records.get("citations", ()), confidence.citation_evidence),
        targets=confidence.assess("targets", records.get("targets", ()), confidence.target_evidence),
        deadlines=confidence.assess("deadlines", records.get("deadlines", ()),
                                    lambda d: confidence.deadline_evidence(d, oblige)),
        responsibilities=confidence.assess("responsibilities", records.get("responsibilities", ()),
                                           confidence.responsibility_evidence),
        duties=tuple(records.get("duties", ())),
        periods=confidence.assess("periods", records.get("periods", ()), confidence.period_evidence),
    )


def extract(body: str, page: PageInfo, nlp: Language | None = None) -> Extracted:
    """Run the pipeline over one clean body."""
    nlp = nlp or load_pipeline()
    doc = make_doc(nlp, body)
    doc._.page = page
    return records_from_doc(nlp(doc))


__all__ = ["Extracted", "PageInfo", "extract", "load_pipeline", "make_doc", "records_from_doc"]
