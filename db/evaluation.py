"""What a base holds for the pages a gold set names: the rows `policykb eval` scores.

Reads any base that follows ../shared/CONTRACT.md, read-only.  A fact table
the base does not have (an older base without ``periods``) reads as empty and
is reported, so a measure it cannot score shows as missed, never as skipped.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from policykb.db.store import FACT_TABLES

DOCUMENT_COLUMNS = ("id", "doc_number", "title", "issuer", "doc_type", "written_date", "published_date",
                    "region", "effective_date", "expiry_date", "validity", "body")


class NotABase(Exception):
    """The file is not a SQLite base with the contract's tables."""


@dataclass
class BaseView:
    """One base, as the scorer needs it.

    ``by_file`` maps a source's file name to its document id (None: the
    source failed or holds no notice); ``facts[table][document_id]`` are that
    document's rows; ``numbers`` maps each document number to its documents.
    """

    documents: dict[str, dict] = field(default_factory=dict)
    by_file: dict[str, str | None] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    facts: dict[str, dict[str, list[dict]]] = field(default_factory=dict)
    numbers: dict[str, list[str]] = field(default_factory=dict)
    titles: dict[str, list[str]] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)


def _connect(path: Path) -> sqlite3.Connection:
    if not Path(path).is_file():
        raise NotABase(f"{path}: no such database")
    # as_uri escapes #, ? and % in the name (a plain file: URI read them as its query).
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row["name"] for row in conn.execute(f'pragma table_info("{table}")')]


def read_base(path: Path | str, file_names: set[str]) -> BaseView:
    """Rows of the documents made from the named files, and every document's number.

    >>> try:
    ...     read_base("/nonexistent.db", set())
    ... except NotABase as e:
    ...     print(e)
    /nonexistent.db: no such database
    """
    view = BaseView()
    try:
        conn = _connect(Path(path))
        try:
            for table in ("sources", "documents"):
                if not _columns(conn, table):
                    raise NotABase(f"{path}: not a policykb base (no {table} table)")
            for row in conn.execute("select path, document_id, status from sources"):
                name = PurePosixPath(str(row["path"])).name
                if name in file_names:
                    view.by_file[name] = row["document_id"]
                    view.status[name] = row["status"]
            have = set(_columns(conn, "documents"))
            columns = ", ".join(c if c in have else f"null as {c}" for c in DOCUMENT_COLUMNS)
            wanted = {d for d in view.by_file.values() if d}
            for row in conn.execute(f"select {columns} from documents"):
                if row["doc_number"]:
                    view.numbers.setdefault(row["doc_number"], []).append(row["id"])
                if row["title"]:
                    view.titles.setdefault(row["title"], []).append(row["id"])
                if row["id"] in wanted:
                    view.documents[row["id"]] = dict(row)
            marks = ", ".join("?" for _ in wanted)
            for table in FACT_TABLES:
                view.facts[table] = {}
                if not _columns(conn, table):
                    view.missing_tables.append(table)
                    continue
                for row in conn.execute(f"select * from {table} where document_id in ({marks})",
                                        sorted(wanted)):
                    view.facts[table].setdefault(row["document_id"], []).append(dict(row))
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise NotABase(f"{path}: not a readable base ({e})") from None
    return view
