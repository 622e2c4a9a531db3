"""One source file through every stage: bytes → page → clean text → records.

``process_source`` never raises for a bad file: the failure becomes the
result's ``status``, so one strange page never costs the rest of the batch.
"""

from __future__ import annotations

from policykb.records import CleanOptions, PageInfo, Sidecar, SourceResult

import errno
import hashlib
import json
import os
import stat
import time
from pathlib import Path

from policykb.ingest.clean import clean_page
from policykb.ingest.decode import DecodeError, decode

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
SIDECAR_SUFFIX = ".metadata.json"


NO_NOTICE = "no notice on the page (a listing, index or script-only page)"


class SourceError(Exception):
    """A file that cannot become a document; the message is its status."""


# A file larger than this is not read (its status says so): the largest page
# of the corpora is 0.9 MB (a gov_html page), and past ~30 MB a page would
# overrun the per-file time budget anyway.  Without a cap a link to /dev/zero
# or a stray 10 GB log would take every byte of memory.
MAX_FILE_BYTES = 32_000_000
# A sidecar is a fetch record of a few hundred bytes.
MAX_SIDECAR_BYTES = 1_000_000
# Sidecar fields: (Sidecar field, keys tried in order, type wanted).
SIDECAR_FIELDS = (("url", ("final_url", "requested_url"), str), ("fetched_at", ("retrieved_at",), str),
                  ("response_sha256", ("response_sha256",), str), ("http_status", ("status_code",), int),
                  ("content_type", ("content_type",), str))
# What an open() that finds nothing means: no sidecar, not a bad one (a
# name of 244 bytes plus ".metadata.json" is too long to exist).
_NO_SUCH_FILE = {errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG}


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a status: ``a FIFO``, ``a socket`` …"""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def too_large(size: int, limit: int) -> str:
    """The status of a file over the size limit."""
    return f"too large: {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit for one file"


def read_regular(path: Path | str, limit: int | None = None) -> bytes:
    """A regular file's bytes, at most ``limit`` of them (MAX_FILE_BYTES by
    default); raises SourceError
    whose message is the status (``unreadable: …``, ``not a regular file (a
    FIFO)``, ``too large: …``).

    A FIFO, socket or device is never opened (a FIFO would block, /dev/zero
    never ends, a device may act on open): the file is stat'ed first, opened
    without blocking and checked again on its descriptor, in case it was
    swapped in between.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        found = os.stat(path)
        if not stat.S_ISREG(found.st_mode):
            raise SourceError(f"not a regular file ({file_kind(found.st_mode)})")
        if found.st_size > limit:
            raise SourceError(too_large(found.st_size, limit))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            opened = os.fstat(fh.fileno())
            if not stat.S_ISREG(opened.st_mode):
                raise SourceError(f"not a regular file ({file_kind(opened.st_mode)})")
            data = fh.read(limit + 1)
    except OSError as e:
        raise SourceError(f"unreadable: {e.strerror or one_line(e)}") from None
    if len(data) > limit:  # it grew since the stat
        raise SourceError(too_large(len(data), limit))
    return data


def _json_kind(value) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def load_sidecar(side: Path | str | None) -> tuple[Sidecar, str | None]:
    """The fetch record in the sidecar file ``side``, and what was wrong with
    it (None when nothing was, or there is no such file).

    A bad sidecar costs only itself, never its page: a value of the wrong type
    (``"url": ["a", "b"]``) is left out, a sidecar that is not a JSON object
    (``null``, ``[1, 2, 3]``, not JSON, not a regular file) is ignored whole.

    >>> import tempfile; side = Path(tempfile.mkdtemp()) / "a.html.metadata.json"
    >>> _ = side.write_text('{"final_url": ["a", "b"], "status_code": 200}')
    >>> load_sidecar(side)
    (Sidecar(url=None, fetched_at=None, response_sha256=None, http_status=200, content_type=None), 'sidecar: ignored final_url (a list, not text)')
    >>> _ = side.write_text('null'); load_sidecar(side)[1]
    'sidecar ignored: JSON null, not an object'
    """
    if side is None:
        return Sidecar(), None
    try:
        data = read_regular(side, MAX_SIDECAR_BYTES)
    except SourceError as e:
        if isinstance(e.__context__, OSError) and e.__context__.errno in _NO_SUCH_FILE:
            return Sidecar(), None
        return Sidecar(), f"sidecar ignored: {e}"
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Sidecar(), "sidecar ignored: not JSON in UTF-8"
    if not isinstance(record, dict):
        return Sidecar(), f"sidecar ignored: JSON {'null' if record is None else _json_kind(record)}, not an object"
    fields, bad = {}, []
    for name, keys, wanted in SIDECAR_FIELDS:
        for key in keys:
            value = record.get(key)
            if value is None or value == "":
                continue
            if wanted is int and isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            if type(value) is wanted:  # not bool for int
                fields[name] = value
                break
            bad.append(f"{key} ({_json_kind(value)}, not {'text' if wanted is str else 'a whole number'})")
    return Sidecar(**fields), ("sidecar: ignored " + ", ".join(bad)) if bad else None


def sidecar_path(path: Path) -> Path:
    """Where the sidecar of the page at ``path`` would be."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> Sidecar:
    """The fetch record stored beside a scraped page, if any (a bad one: none)."""
    return load_sidecar(sidecar_path(path))[0]


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or error.__class__.__name__
    return text[:300]


def process_bytes(data: bytes, suffix: str, options: CleanOptions = CleanOptions()):
    """Decode, zone, clean and extract one file's bytes; raises SourceError."""
    from policykb.extract.pipeline import extract
    from policykb.ingest.page import page_from_html, page_from_text

    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        raise SourceError(f"unsupported file type {suffix or '(none)'}")
    try:
        decoded = decode(data)
    except DecodeError as e:
        raise SourceError(str(e)) from None
    page = page_from_html(decoded.text) if suffix in HTML_SUFFIXES else page_from_text(decoded.text)
    clean = clean_page(page, options)
    if not clean.body.strip():
        raise SourceError(NO_NOTICE)
    extracted = extract(clean.body, PageInfo(clean.meta, clean.html_title, clean.links, clean.tables))
    return decoded, clean, extracted


def process_source(path: Path, rel: str, options: CleanOptions = CleanOptions(),
                   data: bytes | None = None, sidecar: Sidecar | None = None) -> SourceResult:
    """Everything one file yields, or why it yields nothing.

    ``data``: the file's bytes when the caller read them (else they are read
    here: a regular file only, at most MAX_FILE_BYTES); ``sidecar``: its fetch
    record when the caller read it (else the one beside ``path``, if any).
    ``path``'s suffix says the file's type.
    """
    started = time.perf_counter()
    sidecar = read_sidecar(path) if sidecar is None else sidecar
    try:
        data = read_regular(path) if data is None else data
    except SourceError as e:
        return SourceResult(rel, None, None, str(e), sidecar=sidecar)
    sha = hashlib.sha256(data).hexdigest()
    base = dict(path=rel, sha256=sha, size=len(data), sidecar=sidecar)
    try:
        decoded, clean, extracted = process_bytes(data, path.suffix.lower(), options)
    except SourceError as e:
        return SourceResult(**base, status=str(e), seconds=time.perf_counter() - started)
    except Exception as e:  # a bug must cost one file, not the batch
        return SourceResult(**base, status=f"internal error: {e.__class__.__name__}: {one_line(e)}",
                            seconds=time.perf_counter() - started)
    return SourceResult(**base, status="ok", encoding=decoded.encoding, declared_encoding=decoded.declared,
                        clean=clean, extracted=extracted, seconds=time.perf_counter() - started)
