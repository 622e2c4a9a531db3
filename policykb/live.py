"""A served database that a build may replace: the server reads the new file as soon as it lands.

``policykb build`` writes a new base beside the served one and renames it
over it.  Datasette keeps one read connection per thread, opened once
(``?immutable=1`` under ``policykb serve``), so it went on reading the old
file, deleted but still open, until restarted: old counts, 404 for a new
document.  ``LiveDatabase`` is Datasette's ``Database`` that notes the file's
inode, modification time and size, and before each query compares them with
the file's now (one ``stat``, about a microsecond): when they differ, each
thread's connection is closed and opened again on the new file, and what
Datasette cached of the old one (table counts, hash, size) is forgotten.
The plugin's ``startup`` hook puts one in place of every file database served.
"""

from __future__ import annotations

import asyncio
import os
import threading

from datasette.database import Database


def file_stamp(path: str) -> tuple[int, int, int]:
    """Inode, modification time and size: what changes when a base is rebuilt."""
    info = os.stat(path)
    return info.st_ino, info.st_mtime_ns, info.st_size


class LiveDatabase(Database):
    """A file database whose connections follow the file at its path when it is replaced."""

    def __init__(self, ds, path, is_mutable: bool):
        super().__init__(ds, path=path, is_mutable=is_mutable)
        self._stamp = self._stat()
        self._lock = threading.Lock()
        # Each thread's (stamp, connection): Datasette's own are kept by
        # database name alone, so they could not tell an old file from a new one.
        self._local = threading.local()

    @classmethod
    def replacing(cls, db: Database) -> "LiveDatabase":
        live = cls(db.ds, db.path, db.is_mutable)
        live.name, live.route = db.name, db.route
        return live

    def _stat(self):
        try:
            return file_stamp(str(self.path))
        except OSError:
            return None

    def current(self):
        """The file's stamp now; when it changed, what was cached of the old file is dropped."""
        stamp = self._stat()
        if stamp is None:
            # No file at the path (never during a rename, which is atomic):
            # go on serving what is open.
            return self._stamp
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._stamp = stamp
                    self.cached_hash = None
                    self.cached_size = None
                    self._cached_table_counts = None
        return self._stamp

    def _connection(self, stamp, held):
        """``held`` (stamp, connection) if it is of this file, else a new connection (the old one closed)."""
        if held is not None and held[0] == stamp:
            return held
        if held is not None:
            try:
                self._all_file_connections.remove(held[1])
            except ValueError:
                pass
            held[1].close()
        conn = self.connect()
        self.ds._prepare_connection(conn, self.name)
        return (stamp, conn)

    async def execute_fn(self, fn):
        stamp = self.current()
        if self.ds.executor is None:
            held = self._connection(stamp, getattr(self, "_held", None))
            self._held = held
            self._read_connection = held[1]
            return fn(held[1])

        def in_thread():
            held = self._connection(stamp, getattr(self._local, "held", None))
            self._local.held = held
            return fn(held[1])

        return await asyncio.get_event_loop().run_in_executor(self.ds.executor, in_thread)


def make_live(datasette) -> None:
    """Put a LiveDatabase in place of each file database served (its name and route kept)."""
    replaced = dict(datasette.databases)
    for name, db in datasette.databases.items():
        if db.is_memory or not db.path or isinstance(db, LiveDatabase):
            continue
        replaced[name] = LiveDatabase.replacing(db)
        db.close()
    datasette.databases = replaced
