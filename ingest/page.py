"""Pages as zoned lines: the entry points of page ingest.

``page_from_html(html)`` and ``page_from_text(text)`` turn a decoded page into
a ``policykb.records.Page``: its visible text as lines, each in a zone
(content, meta, chrome, spam), plus the page's title, metadata fields, the
labels of links in the notice and its tables.  The zoning rules are data in
``ingest/data`` (boilerplate.tsv, meta_labels.tsv, spam_lines.tsv,
page_containers.tsv); ``ingest/text_page.py`` applies them in a stated
order, ``ingest/html_page.py`` renders HTML and finds the notice's container.

>>> page_from_text("分享到:\\n各有关单位:\\n现将有关事项通知如下,请遵照执行。").lines[0].zone
'chrome'
"""

from policykb.ingest.html_page import page_from_html
from policykb.ingest.text_page import page_from_text

__all__ = ["page_from_html", "page_from_text"]
