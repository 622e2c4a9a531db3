"""Datasette plugin: Chinese search through the ordinary search box.

Datasette wraps every ``?_search=`` in its ``escape_fts`` SQL function.  This
plugin registers its own ``escape_fts`` on each connection after Datasette's
(``trylast``), turning the query into phrases of single characters to match
the character-per-token index (see ``db/search.py``).
"""

from datasette import hookimpl

from db.search import fts_query


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
