"""The extraction pipeline: the finders, in order, over one clean body.

Each finder is a pure function from text (and what the document says of
itself) to records; ``extract`` composes them and gives every fact row its
evidence and confidence.

It used to run as a blank Chinese spaCy pipeline of rule components over a
Doc built from rjieba's tokens.  No component read a token or a span: the
Doc cost 9.6% of a build's CPU (0.86 s of 8.9 s on 300 laws,
benchmarks/profile_build.py, of which rjieba 0.35 s) and a second of
warm-up in every worker, for nothing, so it went (session 4), and spaCy and
rjieba with it.  A trained component (a sentence classifier for targets or
obligations, say) would bring spaCy back: measure it against these rules on
the development set first.
"""

from __future__ import annotations

from functools import lru_cache

from policykb.extract import confidence
from policykb.extract.citations import find_citations
from policykb.extract.deadlines import find_deadlines
from policykb.extract.docinfo import extract_docinfo, law_history_terms
from policykb.extract.periods import split_dates
from policykb.extract.responsibilities import find_duty_sentences, find_responsibilities
from policykb.extract.targets import find_targets
from policykb.records import DocInfo, ExtractContext, Extracted, PageInfo, Period


def context_of(info: DocInfo) -> ExtractContext:
    """What the finders may know of the document beyond its text."""
    return ExtractContext(region=info.region, issuer=info.issuer, written_date=info.written_date,
                          published_date=info.published_date, doc_number=info.doc_number)


def extract(body: str, page: PageInfo) -> Extracted:
    """Every record one clean body yields.

    >>> found = extract("请各单位于2024年5月31日前报送总结。本通知自2024年1月1日起施行。", PageInfo({}))
    >>> [(d.date, d.evidence) for d in found.deadlines], [(p.kind, p.date_from) for p in found.periods]
    ([('2024-05-31', 'oblige')], [('effective', '2024-01-01')])
    """
    body = body or ""
    info = extract_docinfo(body, page.meta, page.html_title, page.links)
    ctx = context_of(info)
    # The page's own number and title keep it from citing itself.
    citations = find_citations(body, info.doc_number, info.title)
    obligations, periods = split_dates(find_deadlines(body, ctx), body)
    periods += history_periods(body, page)
    return Extracted(
        docinfo=info,
        citations=confidence.assess("citations", citations, confidence.citation_evidence),
        targets=confidence.assess("targets", find_targets(body, ctx), confidence.target_evidence),
        deadlines=confidence.assess("deadlines", obligations, confidence.deadline_evidence),
        responsibilities=confidence.assess("responsibilities", find_responsibilities(body, ctx, page.tables),
                                           confidence.responsibility_evidence),
        # Kept apart from the 责任单位 tables: a sentence such as 省级教育行政部门要…
        # says who acts, not who is accountable for a listed task.
        duties=tuple(find_duty_sentences(body, ctx)),
        periods=confidence.assess("periods", periods, confidence.period_evidence),
    )


def history_periods(body: str, page: PageInfo) -> list[Period]:
    """The term a Taiwanese law's history gives it (entered in force, repealed)."""
    out = []
    for kind, date, start, end in law_history_terms(body, page.meta):
        date_from, date_to = (date, None) if kind == "effective" else (None, date)
        out.append(Period(kind=kind, date_from=date_from, date_to=date_to, recurrence="once", subject="本法规",
                          sentence=body[start:end], start=start, end=end, evidence="law_history"))
    return out


@lru_cache(maxsize=1)
def warm_up() -> None:
    """Load every finder's tables once (a build's workers call it when they start)."""
    extract("关于做好2024年工作的通知\n请于2024年5月31日前报送。（责任单位：市教育局）\n市教育局\n2024年1月2日",
            PageInfo({}))


__all__ = ["extract", "context_of", "warm_up"]
