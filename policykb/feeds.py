"""Subscriptions: a search's new documents as an Atom feed, its deadlines as a calendar.

* ``/search.atom?q=公积金&issuer=…`` — the newest documents the search finds
  (any words, type, issuer, region, year: the same parameters as ``/search``,
  read the same way), at most ``FEED_SIZE``, newest first.  Entry ids are
  ``tag:`` URIs of the document's stable id, so a feed reader sees a
  document once across rebuilds.
* ``/search.ics?q=…`` — the deadlines of the documents the search finds as
  all-day events on the due date (``DTSTART;VALUE=DATE``, not midnight UTC),
  the action as the title; an annual deadline repeats every year
  (``RRULE:FREQ=YEARLY``) from its first year.

The plugin's routes (policykb/datasette_plugin.py) read the rows; this
module writes them.  Written with feedgen and ics, the libraries of datasette-atom and
datasette-ics: those plugins render ``.atom`` and ``.ics`` of any query that
returns their columns, but datasette-atom fails on a query with no rows (a
new search usually has none yet) and datasette-ics writes a date as a
midnight-UTC event, so the two feeds of a search are written here.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

from feedgen.feed import FeedGenerator
from ics import Calendar, Event
from ics.grammar.parse import ContentLine

from policykb.db import read

# Entries in a feed and events in a calendar: a reader polls the newest; a
# calendar of every deadline of a broad search stays within Datasette's row limit.
FEED_SIZE = 50
CALENDAR_SIZE = 1000
# Dates in the documents are Beijing dates.
CHINA = timezone(timedelta(hours=8))
# The authority part of the tag: URIs naming documents (RFC 4151); fixed, so
# ids never change.
TAG = "tag:policykb,2026:"
FEED_TYPES = {"atom": "application/atom+xml; charset=utf-8", "ics": "text/calendar; charset=utf-8"}


# Characters XML 1.0 cannot hold (a scraped page may carry them): feedgen would refuse the whole feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str | None) -> str:
    """Text that XML can hold.

    >>> xml_text("标题\x0b<b>")
    '标题<b>'
    """
    return _NOT_XML.sub("", text or "")


def _when(value: str | None) -> datetime | None:
    """A stored date (YYYY-MM-DD, or an ISO time) as an aware datetime; None if it is none.

    >>> _when("2025-06-30").isoformat(), _when("2025-06-30T08:00:00Z").isoformat(), _when("06-30")
    ('2025-06-30T00:00:00+08:00', '2025-06-30T08:00:00+00:00', None)
    """
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=CHINA)


def base_time(path) -> datetime:
    """When the served base was built (its file's modification time)."""
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc)
    except (OSError, TypeError):
        return datetime.now(timezone.utc)


def describe(search: read.Search) -> str:
    """A search in words, for a feed's title.

    >>> describe(read.Search("公积金", {"issuer": "教育部"})), describe(read.Search())
    ('“公积金” · issuer 教育部', 'all documents')
    """
    parts = [f"“{search.q}”"] if search.q else []
    parts += [f"{column} {value}" for column, value in search.filters.items()]
    return " · ".join(parts) or "all documents"


def atom(documents: list[dict], *, feed_url: str, page_url: str, title: str, built: datetime,
         document_url, snippet) -> bytes:
    """An Atom feed of ``documents`` (newest first), as bytes.

    ``document_url(id)`` is a document's absolute URL, ``snippet(body)`` its
    summary as plain text.
    """
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(xml_text(title))
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.author({"name": "policykb"})
    fg.generator("policykb")
    fg.language("zh-CN")
    newest = built if not documents else None
    # feedgen lists entries in reverse order of adding: add the oldest first.
    for doc in reversed(documents):
        updated = (_when(doc["published_date"]) or _when(doc["written_date"]) or _when(doc.get("fetched_at"))
                   or built)
        newest = max(newest or updated, updated)
        entry = fg.add_entry()
        entry.id(TAG + "document/" + doc["id"])
        entry.title(xml_text(doc["title"] or doc["doc_number"] or doc["id"]))
        entry.link(href=document_url(doc["id"]), rel="alternate", type="text/html")
        entry.updated(updated)
        if _when(doc["published_date"]):
            entry.published(_when(doc["published_date"]))
        entry.author({"name": xml_text(doc["issuer"]) or "policykb"})
        if xml_text(doc["doc_type"]):
            entry.category(term=xml_text(doc["doc_type"]))
        head = " · ".join(x for x in (doc["doc_number"], doc["issuer"], doc["published_date"] or doc["written_date"],
                                      doc["region"]) if x)
        entry.summary(xml_text("\n".join(x for x in (head, snippet(doc["body"])) if x)))
    fg.updated(newest)
    return fg.atom_str(pretty=True)


def fold(text: str) -> str:
    """Lines of an iCalendar text folded at 75 octets (RFC 5545 3.1), CRLF line ends.

    >>> fold("SUMMARY:" + "期" * 30).split("\\r\\n")[1].startswith(" 期")
    True
    """
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line:
            continue
        encoded = line.encode("utf-8")
        first = True
        while len(encoded) > (75 if first else 74):
            cut = 75 if first else 74
            while cut and (encoded[cut] & 0xC0) == 0x80:  # not inside a UTF-8 character
                cut -= 1
            out.append(("" if first else " ") + encoded[:cut].decode("utf-8"))
            encoded, first = encoded[cut:], False
        out.append(("" if first else " ") + encoded.decode("utf-8"))
    return "\r\n".join(out) + "\r\n"


# Control characters iCalendar text may not hold (RFC 5545 3.3.11: line
# breaks are written as \n by the library, a tab may stay).
_NOT_ICS = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def ics_text(text: str | None) -> str:
    r"""Text an iCalendar value can hold.

    >>> ics_text("报送\x0b材料\r\n")
    '报送材料\n'
    """
    return _NOT_ICS.sub("", (text or "").replace("\r\n", "\n"))


def _first_day(deadline: dict) -> date | None:
    """The day a deadline falls due first: its date, or an annual one's month
    and day in its first year (the document's year when it gives none)."""
    if deadline["recurrence"] == "once":
        try:
            return date.fromisoformat(deadline["date"])
        except (TypeError, ValueError):
            return None
    year = deadline["from_year"] or deadline["year"] or 2000
    try:
        month, day = (int(x) for x in deadline["month_day"].split("-"))
        return date(int(year), month, day)
    except (AttributeError, TypeError, ValueError):
        return None


def _uid(deadline: dict) -> str:
    """A deadline's UID: the same after every rebuild while its document says the same."""
    key = "\0".join(str(deadline[k] or "") for k in ("document_id", "recurrence", "date", "month_day", "action"))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16] + "@policykb"


def calendar(deadlines: list[dict], *, name: str, built: datetime, deadline_url) -> str:
    """An iCalendar text of ``deadlines``: all-day events on the due date,
    the action as the title; ``deadline_url(row)`` is where the deadline
    stands in its document (absolute)."""
    c = Calendar(creator="-//policykb//deadlines//ZH")
    c.extra.append(ContentLine(name="X-WR-CALNAME", params={}, value=name))
    c.extra.append(ContentLine(name="CALSCALE", params={}, value="GREGORIAN"))
    for d in deadlines:
        day = _first_day(d)
        if day is None:
            continue
        title = ics_text(d["action"]).strip() or "期限 deadline"
        event = Event(name=title, begin=day.isoformat(), uid=_uid(d), created=built, url=deadline_url(d),
                      description=ics_text("\n".join(x for x in (
                          d["title"] or d["doc_number"] or "", d["issuer"] or "", d["sentence"] or "",
                          deadline_url(d)) if x)))
        event.make_all_day()
        if d["recurrence"] == "annual":
            event.extra.append(ContentLine(name="RRULE", params={}, value="FREQ=YEARLY"))
        c.events.add(event)
    return fold(c.serialize())


def feed_url(search: read.Search, kind: str) -> str:
    """The path of a search's feed (``atom``) or calendar (``ics``).

    >>> feed_url(read.Search("公积金", {"region": "北京市"}), "ics")
    '/search.ics?q=%E5%85%AC%E7%A7%AF%E9%87%91&region=%E5%8C%97%E4%BA%AC%E5%B8%82'
    """
    args = {k: v for k, v in {"q": search.q, **search.filters}.items() if v not in (None, "")}
    return f"/search.{kind}" + ("?" + urlencode(args) if args else "")
