"""Bytes to text: which encoding a scraped file is really in.

A page's ``<meta charset>`` is a hint, not the truth: sites declare GB2312 and
serve UTF-8, or declare nothing.  Every candidate that decodes the bytes
strictly is scored by how much of the result is common Chinese text; the
declared one wins ties.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # utf-8, gb18030, big5 (as Python names them)
    declared: str | None  # what the page said, if it said anything


# Order matters on a tie: UTF-8 is by far the most common on these sites and
# almost never decodes GBK bytes by accident; GB18030 is a superset of GBK and
# GB2312; Big5 is last because it is rarest in mainland pages.
CANDIDATES = ("utf-8", "gb18030", "big5")

_DECLARED = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]{2,20})""", re.I)

_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "x-gbk": "gb18030",
            "utf8": "utf-8", "utf-8": "utf-8", "big5": "big5", "big5-hkscs": "big5"}

# Below this share of common characters a decoding is noise, not Chinese.  The
# real pages score 0.6-0.9 in their true encoding and under 0.2 in a wrong one.
MIN_COMMON_SHARE = 0.3


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common_chars.txt"
    return frozenset(path.read_text(encoding="utf-8").strip())


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first 4 KB, normalised.

    >>> declared_charset(b'<meta charset="GB2312">')
    'gb18030'
    """
    m = _DECLARED.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    return _ALIASES.get(name, name)


_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")


@lru_cache(maxsize=1)
def _common_run() -> re.Pattern:
    """Runs of common CJK characters (one regex class: counting runs, not
    characters one by one, is what keeps scoring cheap)."""
    chars = sorted(c for c in _common_chars() if _CJK.fullmatch(c))
    return re.compile("[" + "".join(map(re.escape, chars)) + "]+")


def common_share(text: str) -> float:
    """Share of CJK characters that are common ones (1.0 when there are none)."""
    cjk = sum(map(len, _CJK.findall(text)))
    if not cjk:
        return 1.0
    return sum(map(len, _common_run().findall(text))) / cjk


# Bytes below 9 and from 14 to 31: control characters that are not blanks.
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes: not a text file, whatever its name."""
    head = data[:65536]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) * 0.05


def decode(data: bytes) -> Decoded:
    """Decode scraped bytes, choosing the encoding from the bytes themselves.

    >>> decode("教育部".encode("gbk")).encoding
    'gb18030'
    >>> decode("教育部".encode("utf-8")).text
    '教育部'
    """
    if not data.strip():
        raise DecodeError("empty file")
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode("utf-8-sig" if name == "utf-8" else name), name, None)
            except UnicodeDecodeError as e:
                raise DecodeError(f"invalid {name} after its byte-order mark at byte {e.start}") from None
    if looks_binary(data):
        raise DecodeError("binary data, not text")
    declared = declared_charset(data)
    order = ([declared] if declared in CANDIDATES else []) + [c for c in CANDIDATES if c != declared]
    # A sample keeps scoring cheap on huge files; strict decoding still
    # covers every byte below.
    scored: list[tuple[float, int, str, str]] = []
    failures: list[str] = []
    for rank, name in enumerate(order):
        try:
            text = data.decode(name)
        except UnicodeDecodeError as e:
            failures.append(f"{name} at byte {e.start}")
            continue
        if name == "utf-8" and data[:1_000_000].isascii():
            # Pure ASCII: nothing to choose between.
            return Decoded(text, "utf-8", declared)
        share = common_share(text[:20000])
        scored.append((share, -rank, name, text))
        if name == "utf-8" and share >= MIN_COMMON_SHARE:
            # Valid UTF-8 with real Chinese in it is never an accident.
            break
    if not scored:
        raise DecodeError("invalid bytes for every candidate encoding (" + ", ".join(failures) + ")")
    share, _, name, text = max(scored)
    if share < MIN_COMMON_SHARE and len(scored) > 1:
        # Nothing reads as Chinese: keep the declared or first strict decoding
        # rather than guessing between kinds of noise.
        share, _, name, text = max(scored, key=lambda s: s[1])
    return Decoded(text, name, declared)
