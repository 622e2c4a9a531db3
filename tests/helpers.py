"""Small helpers shared by the test modules."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from policykb.ingest.edits import apply_proposals  # noqa: F401  (re-exported for the tests)


def record_matches(record, want: dict, text: str) -> bool:
    """Does an extracted record have every value a golden case wants?

    ``<field>_contains`` checks a substring, ``text`` the span it was found at.
    """
    for key, value in want.items():
        if key.endswith("_contains"):
            if value not in (getattr(record, key[:-len("_contains")]) or ""):
                return False
        elif key == "text":
            if text[record.start:record.end] != value:
                return False
        elif getattr(record, key) != value:
            return False
    return True


def rows(db: Path | str, sql: str, *args) -> list[tuple]:
    """Every row a query gives on a base file (opened and closed here)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()
