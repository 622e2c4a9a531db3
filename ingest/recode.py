"""Repairing text decoded in the wrong code page: UTF-8 bytes read as GBK,
GB18030, Big5 or Windows-1252/Latin-1.

The commonest Chinese mojibake is a UTF-8 page shown as GBK::

    各省、自治区      UTF-8  E5 90 84 E7 9C 81 E3 80 81 ...
    鍚勭渷銆佽嚜娌诲尯  read as GBK pairs (E5 90)(84 E7)(9C 81)(E3 80)...

A damaged run is found by what it is, not by one decoder's signature: turned
back into the bytes the wrong decoder read, it is valid UTF-8 (which text in
any other state almost never is: UTF-8 is self-checking), and what that
UTF-8 says is much more probable under the character model of
``ingest/mojibake.py`` than the run as it stands.  Where the wrong decoder
could not read a byte it wrote U+FFFD (Python's decoders and browsers write
one per byte they reject); the bytes that fit there (UTF-8's structure, and
the wrong code page's rejecting them) are enumerated and the model chooses;
a character the model cannot settle is written ``〓`` and the repair marked
unrecovered.

The byte tables are the codecs' own: Python's for GBK, GB18030 and Big5, and
ftfy's ``sloppy-windows-1252`` (Windows-1252 with its five holes read as
Latin-1, as browsers do) for the Latin family, so nothing here is a table of
our own.  A cheap scan (one regex per misreading, of the character classes a
misread UTF-8 character must produce) leaves clean lines alone before any
per-character work.

>>> [(r.replacement, r.note) for r in find_recode_repairs("通知：鍚勭渷銆佽嚜娌诲尯")]
[('各省、自治区', 'UTF-8 read as GBK')]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from policykb.ingest.mojibake import MARK, Repair, _BOS, _MAX_WORD, _unigrams, _word_cost, char_class, lm_key

# The wrong decoders, tried on every line.  ``codecs`` turn a character the
# wrong decoder wrote back into its bytes, tried in order (GBK's A1AA is
# U+2015 to Python's gbk and U+2014 to its gb18030: both go back to A1AA).
# ``hole_codecs`` say which bytes a U+FFFD can stand for: the ones that
# decoder rejects where it stands.


@dataclass(frozen=True)
class Misreading:
    name: str  # as the repair's note says it
    codecs: tuple[str, ...]
    wide: bool  # a multibyte code page (pairs), or one byte a character
    lossy: bool = False  # rejects most UTF-8 continuation bytes (U+FFFD)


MISREADINGS = (
    Misreading("UTF-8 read as GBK", ("gbk", "gb18030"), True),
    Misreading("UTF-8 read as Big5", ("big5",), True, lossy=True),
    Misreading("UTF-8 read as Windows-1252", ("sloppy-windows-1252", "latin-1", "cp1252"), False),
)

HOLE = "\ufffd"


def _register_ftfy() -> None:
    import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)


# ---------------------------------------------------------------------------
# Bytes of the characters a wrong decoder wrote.


@lru_cache(maxsize=None)
def _byte_map(m: Misreading) -> dict:
    """Character -> its bytes in the wrong code page, for every character
    that code page can write (one- and two-byte sequences)."""
    _register_ftfy()
    out: dict = {}
    if m.wide:
        seqs = [bytes((a, b)) for a in range(0x81, 0xFF) for b in range(0x40, 0xFF)]
    else:
        seqs = [bytes((a,)) for a in range(0x80, 0x100)]
    for codec in m.codecs:
        for seq in seqs:
            try:
                ch = seq.decode(codec)
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and ord(ch) >= 0x80:
                out.setdefault(ch, seq)
    return out


def _char_bytes(m: Misreading, ch: str) -> bytes | None:
    if ch < "\x80":
        return ch.encode("ascii")
    b = _byte_map(m).get(ch)
    if b is None and m.wide and ch != HOLE:
        try:  # GB18030's four-byte sequences
            b = ch.encode(m.codecs[-1])
        except UnicodeEncodeError:
            return None
    return b


@lru_cache(maxsize=4096)
def _hole_bytes(m: Misreading, after: int | None) -> frozenset:
    """The bytes a U+FFFD can stand for when the byte ``after`` follows it
    (None: unknown): those one of the wrong decoders rejects there."""
    _register_ftfy()
    out = set()
    for x in range(0x80, 0x100):
        if m.wide and after is None:
            out.add(x)
            continue
        data = bytes((x, after)) if m.wide else bytes((x,))
        for codec in m.codecs:
            if data.decode(codec, errors="replace")[:1] == HOLE:
                out.add(x)
                break
    return frozenset(out)


# ---------------------------------------------------------------------------
# The scan: lines holding what a misread UTF-8 character must look like.

_LEADS3 = range(0xE0, 0xF0)  # the lead byte of a three-byte UTF-8 character (CJK)
_CONTS = range(0x80, 0xC0)


@lru_cache(maxsize=None)
def _scan(m: Misreading) -> re.Pattern:
    """Two Chinese characters in UTF-8 read as pairs come out as a character
    of bytes (lead, continuation), one of (continuation, any) and one of
    (continuation, continuation), and a third starts with a lead again; read
    one byte a character, a Chinese character is a lead and two
    continuations.  Either, or a U+FFFD, makes a line worth a look."""
    bm = _byte_map(m)
    if m.lossy:
        # Big5 takes no continuation byte below A1: a misread run is full of
        # U+FFFD, while its readable pairs are common traditional characters.
        return re.compile(HOLE)
    if m.wide:
        a = char_class(c for c, b in bm.items() if len(b) == 2 and b[0] in _LEADS3 and b[1] in _CONTS)
        b = char_class(c for c, bb in bm.items() if len(bb) == 2 and bb[0] in _CONTS)
        d = char_class(c for c, bb in bm.items() if len(bb) == 2 and bb[0] in _CONTS and bb[1] in _CONTS)
        # Three Chinese characters in a row, or two standing alone: clean
        # text has (lead, continuation) pairs too (娼 淇 憩 before 活动 河保 、健:
        # 78 lines in 1,500 laws when two in a row were enough, each paying
        # the model's loading).
        return re.compile(f"[{a}][{b}][{d}{HOLE}][{a}{HOLE}]"
                          f"|(?:^|(?<=[\x00-\x7f]))[{a}][{b}][{d}{HOLE}](?=[\x00-\x7f]|$)|{HOLE}", re.M)
    lead = char_class(c for c, bb in bm.items() if bb[0] in _LEADS3)
    cont = char_class(c for c, bb in bm.items() if bb[0] in _CONTS)
    return re.compile(f"[{lead}][{cont}{HOLE}][{cont}{HOLE}]")


# ---------------------------------------------------------------------------
# Runs that turn back into valid UTF-8.


def _utf8_states(states: frozenset, byte) -> frozenset:
    """UTF-8 decoder states (continuation bytes still due) after one byte
    (an int, or a frozenset of bytes a U+FFFD may stand for)."""
    out = set()
    for s in states:
        for b in (byte,) if isinstance(byte, int) else byte:
            if s:
                if 0x80 <= b <= 0xBF:
                    out.add(s - 1)
            elif b < 0x80:
                out.add(0)
            elif 0xC2 <= b <= 0xDF:
                out.add(1)
            elif 0xE0 <= b <= 0xEF:
                out.add(2)
            elif 0xF0 <= b <= 0xF4:
                out.add(3)
    return frozenset(out)


def _items(m: Misreading, line: str) -> list:
    """Per character: its bytes (ints, or frozensets for a U+FFFD), or None
    where the wrong decoder could not have written the character."""
    raw = [None if ch == HOLE else _char_bytes(m, ch) for ch in line]
    out: list = []
    for i, ch in enumerate(line):
        if ch == HOLE:
            nxt = next((raw[k][0] for k in range(i + 1, min(i + 2, len(line))) if raw[k]), None)
            out.append([_hole_bytes(m, nxt)])
        elif raw[i] is None:
            out.append(None)
        else:
            out.append(list(raw[i]))
    return out


_ANY_LEAD = frozenset({0, 1, 2, 3})


# A run with more lost bytes (U+FFFD) than this, or lost in a larger share
# of its bytes, is left as it stands: the search is linear in them but each
# is slow (a line of 2,000 U+FFFD took a minute), and a run mostly lost is
# guesswork.  A misread paragraph loses one byte in ten to GBK, three in
# five to Big5.
_MAX_HOLES = 600
_MAX_HOLE_SHARE = 0.7


def _runs(items: list, line: str) -> list[tuple[int, int]]:
    """Maximal runs of characters whose bytes are valid UTF-8 holding a
    multibyte character, leftmost first."""
    out = []
    i, n = 0, len(items)
    while i < n:
        if items[i] is None or line[i] < "\x80":
            i += 1
            continue
        states, end, ci = frozenset({0}), None, i
        while ci < n and items[ci] is not None:
            for b in items[ci]:
                states = _utf8_states(states, b)
                if not states:
                    break
            if not states:
                break
            ci += 1
            if 0 in states:
                end = ci
        if end is None:
            i += 1
            continue
        while end > i and line[end - 1] < "\x80":
            end -= 1  # trailing ASCII is as it was
        out.append((i, end))
        i = end
    return out


# ---------------------------------------------------------------------------
# Reading a run: one decoding when every byte is known, a search otherwise.


@lru_cache(maxsize=1)
def _utf8_table() -> tuple[np.ndarray, list[str], np.ndarray]:
    """Every character the model can score, its UTF-8 bytes (padded) and
    how often the model saw it: the candidates for a character with a lost byte."""
    uni = _unigrams()
    from policykb.ingest.mojibake import _tables

    chars = set(_tables().bytes_of) | {k for k in uni if len(k) == 1}
    # Punctuation: the model keys full-width forms by their ASCII (，is ,).
    chars |= {chr(c) for r in ((0x2010, 0x2060), (0x3000, 0x3040), (0xFF01, 0xFF66)) for c in range(*r)}
    chars = sorted(c for c in chars if "\x80" <= c <= "\uffff" and not "\ud800" <= c <= "\udfff")
    enc = [c.encode("utf-8") for c in chars]
    table = np.zeros((len(chars), 4), dtype=np.int16)
    for k, e in enumerate(enc):
        table[k, :len(e)] = list(e)
        table[k, 3] = len(e)
    counts = np.array([uni.get(lm_key(c), 0) for c in chars], dtype=np.int64)
    return table, chars, counts


# Candidates scored for a character with lost bytes, most frequent first.
_SCORED = 300


@lru_cache(maxsize=20_000)
def _candidates(pattern: tuple) -> tuple[str, ...]:
    """Characters whose UTF-8 bytes fit ``pattern`` (ints and frozensets)."""
    table, chars, counts = _utf8_table()
    mask = table[:, 3] == len(pattern)
    for k, b in enumerate(pattern):
        if isinstance(b, int):
            mask &= table[:, k] == b
        else:
            mask &= np.isin(table[:, k], sorted(b))
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(-counts[idx], kind="stable")][:_SCORED]
    return tuple(chars[k] for k in idx)


def _lead_length(b) -> tuple[int, ...]:
    if isinstance(b, int):
        if b < 0x80:
            return (1,)
        if 0xC2 <= b <= 0xDF:
            return (2,)
        if 0xE0 <= b <= 0xEF:
            return (3,)
        if 0xF0 <= b <= 0xF4:
            return (4,)
        return ()
    return (3, 2)


_BEAM = 24
_GUESS_BEAM = 8
_KEPT = 8
_P_SPACE = 12.0


def _read(flat: list, left: tuple[str, str]) -> tuple[str, list[int]] | None:
    """The best reading of bytes with holes: (text, positions in it of
    characters chosen from candidates), or None if none parses."""
    n = len(flat)
    # hypotheses at each byte position: (score, key2, key, recent, out, chosen)
    states: list[dict] = [dict() for _ in range(n + 1)]
    states[0][(left[0], left[1])] = (0.0, left[0], left[1], "", "", ())
    for p in range(n):
        if not states[p]:
            continue
        hyps = sorted(states[p].values(), key=lambda h: -h[0])[:_BEAM]
        for length in _lead_length(flat[p]):
            if p + length > n:
                continue
            pattern = tuple(flat[p:p + length])
            if all(isinstance(b, int) for b in pattern):
                try:
                    cands = (bytes(pattern).decode("utf-8"),)
                except UnicodeDecodeError:
                    continue
                guessed = False
            else:
                cands = _candidates(pattern)
                guessed = True
            if not cands:
                continue
            # A character with lost bytes is tried after the best few
            # readings only: it multiplies the work by its candidates.
            for score, key2, key, recent, out, chosen in hyps[:_GUESS_BEAM] if guessed else hyps:
                scored = []
                for ch in cands:
                    if ch.isspace():
                        # A lost byte read as a blank explains nothing.
                        scored.append((-_P_SPACE if guessed else 0.0, ch, key2, key, recent))
                        continue
                    k = lm_key(ch)
                    cost = _word_cost(recent, key2, key, ch, k)
                    rec = (recent + k)[-(_MAX_WORD - 1):] if "\u3400" <= k <= "\u9fff" else ""
                    scored.append((cost, ch, key, k, rec))
                scored.sort(key=lambda x: -x[0])
                for cost, ch, k2, k, rec in scored[:_KEPT if guessed else 1]:
                    h = (score + cost, k2, k, rec, out + ch,
                         chosen + ((len(out),) if guessed else ()))
                    slot = states[p + length]
                    old = slot.get((k2, k))
                    if old is None or old[0] < h[0]:
                        slot[(k2, k)] = h
    if not states[n]:
        return None
    best = max(states[n].values(), key=lambda h: h[0])
    return best[4], list(best[5])


def score(text: str, left: tuple[str, str] = (_BOS, _BOS), after: str | None = None) -> float:
    """The character model's log-probability of ``text`` after the keys
    ``left`` (whitespace is free: both readings of a run keep it)."""
    key2, key = left
    recent = ""
    total = 0.0
    for ch in text + (after or ""):
        if ch.isspace():
            continue
        k = lm_key(ch)
        total += _word_cost(recent, key2, key, ch, k)
        recent = (recent + k)[-(_MAX_WORD - 1):] if "\u3400" <= k <= "\u9fff" else ""
        key2, key = key, k
    return total


# A character chosen for a lost byte must beat the next best by this much
# (nats, with two characters of context each side) or it is marked 〓.
_CONFIDENT = 2.0


# The full-width forms Chinese sentences use (GB/T 15834); the model keys
# every full-width form as its ASCII one, where - . / are common.
_CHINESE_FULL_WIDTH = "，：；！？（）"
# Marks that go inside a sentence, never at the end of a paragraph.
_MEDIAL = "、，,"


def _pairing(text: str, at: int, ch: str, line_end: bool) -> float:
    """What the model's three characters cannot see costs this much: a
    bracket or quote the reading never closes (or never opened); a medial
    mark or an opening bracket ending the line; a full-width digit or letter
    beside an ASCII one (the model keys both as one symbol, so ０2019 reads
    to it like 2019); a rare full-width form; and a blank, which the model
    does not score."""
    if ch.isspace():
        return -_P_SPACE  # a lost byte read as a blank explains nothing
    if "\uff10" <= ch <= "\uff5a":
        near = text[at - 1:at] + text[at + 1:at + 2]
        if any(c.isascii() and c.isalnum() for c in near):
            return -6.0
    cat = unicodedata.category(ch)
    if line_end and at == len(text) - 1 and (ch in _MEDIAL or cat in ("Ps", "Pi")):
        return -6.0
    if cat in ("Ps", "Pi") and not any(unicodedata.category(c) in ("Pe", "Pf") for c in text[at + 1:]):
        return -10.0
    if cat in ("Pe", "Pf") and not any(unicodedata.category(c) in ("Ps", "Pi") for c in text[:at]):
        return -10.0
    if "\uff01" <= ch <= "\uff5e" and ch not in _CHINESE_FULL_WIDTH and ch not in text[:at] + text[at + 1:]:
        return -4.0
    return 0.0


def _traditional(text: str) -> bool:
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return sum(lm_key(c) != c for c in han) > 0.05 * len(han)


def _settle(text: str, at: int, cands: tuple[str, ...], left: tuple[str, str], line_end: bool) -> str | None:
    """The character at ``at`` among those that fit its bytes, read with
    three characters each side (words across it count), or None when none
    clearly beats the rest.  Forms of one character (术 朮) count as one: the
    reading's script picks the form."""
    traditional = _traditional(text)
    forms: dict = {}
    for c in cands:
        k = lm_key(c)
        if k not in forms or (c != k) == traditional and (forms[k] != k) != traditional:
            forms[k] = c
    cands = tuple(forms.values())
    if len(cands) == 1:
        return cands[0]
    lo = max(0, at - 3)
    keys = left + tuple(lm_key(c) for c in text[:lo])
    ctx = (keys[-2], keys[-1])
    before, right = text[lo:at], text[at + 1:at + 4]
    scored = sorted(((score(before + c + right, ctx) + _pairing(text, at, c, line_end), c) for c in cands),
                    reverse=True)
    if scored[0][0] - scored[1][0] < _CONFIDENT:
        return None
    return scored[0][1]


# ---------------------------------------------------------------------------
# Deciding.

# A reading replaces a run only if the model finds it more probable than the
# run as it stands and the evidence, that gain plus _VALID nats for each
# multibyte character the bytes spelled validly, reaches _ACCEPT.  Valid
# UTF-8 is evidence of its own: random bytes rarely are, and the model,
# trained on scraped pages, has seen Latin-1 letters (续者步区并戏 read as
# Latin-1 scores only 9 nats below its reading).  Calibrated on
# benchmarks/damage.py and the clean corpora (lawref, tw_laws, gov_html,
# the development pages: 52 million characters, no repair).
_ACCEPT = 10.0
_VALID = 2.0
# Read one byte a character, a Chinese character in UTF-8 is three Latin
# letters exactly (a lead, two continuations), which clean text never
# spells: two of them are evidence enough.
_VALID_BYTEWISE = 5.0


@dataclass
class _Reading:
    start: int
    end: int
    text: str
    gain: float
    lost: int
    note: str


def _read_run(m: Misreading, line: str, items: list, i: int, j: int,
              search_holes: bool = True, before: str | None = None) -> _Reading | None:
    """The reading of ``line[i:j]``, if it should replace it; ``before``: the
    line up to ``i`` as read so far (a long run is read in pieces)."""
    flat: list = []
    for k in range(i, j):
        flat.extend(items[k])
    before = line[:i] if before is None else before
    left = tuple(lm_key(c) if c not in "\n" else _BOS for c in ("\n\n" + before)[-2:])
    after = line[j] if j < len(line) else None
    holes = sum(1 for b in flat if not isinstance(b, int))
    if holes > (_MAX_HOLES if search_holes else 0) or holes > _MAX_HOLE_SHARE * len(flat):
        return None
    if sum(1 for b in flat if isinstance(b, int) and b >= 0xC2) + holes < 2:
        # One character spelled by chance: traditional text read back as
        # GBK does (類， is EE90 A3AC), and scoring it loads the model.
        return None
    if holes:
        read = _read(flat, left)
        if read is None:
            return None
        text, chosen = read
    else:
        try:
            text, chosen = bytes(flat).decode("utf-8"), []
        except UnicodeDecodeError:
            return None
    if text == line[i:j] or not any(c >= "\u2e80" for c in text):
        return None
    gain = score(text, left, after) - score(line[i:j], left, after)
    spelled = sum(1 for c in text if c >= "\x80")
    if gain <= 0 or gain + (_VALID if m.wide else _VALID_BYTEWISE) * spelled < _ACCEPT:
        return None
    lost = 0
    if chosen:
        # Which byte pattern each chosen character had: re-walk the reading.
        patterns = _patterns_of(text, flat)
        out = list(text)
        for at in chosen:
            pat = patterns.get(at)
            if pat is not None:
                ch = _settle(text, at, _candidates(pat), left, j == len(line))
                out[at] = ch or MARK
                lost += ch is None
        text = "".join(out)
    return _Reading(i, j, text, gain, lost, m.name)


def _patterns_of(text: str, flat: list) -> dict:
    """Position in ``text`` -> the byte pattern (with holes) it was read from."""
    out, p = {}, 0
    for at, ch in enumerate(text):
        n = len(ch.encode("utf-8"))
        pat = tuple(flat[p:p + n])
        if not all(isinstance(b, int) for b in pat):
            out[at] = pat
        p += n
    return out


def _line_readings(line: str, search_holes: bool = True) -> tuple[list[_Reading], int]:
    """The readings of a line's misread runs, and how many lost bytes the
    search went through."""
    found: list[_Reading] = []
    searched = 0
    for m in MISREADINGS:
        if not _scan(m).search(line):
            continue
        items = _items(m, line)
        last: _Reading | None = None
        for i, j in _runs(items, line):
            holes = sum(1 for k in range(i, j) for b in items[k] if not isinstance(b, int))
            if holes and search_holes:
                searched += holes
            # The piece before, when this run continues it, is read as repaired.
            before = line[:i] if last is None or last.end != i else line[:last.start] + last.text
            r = _read_run(m, line, items, i, j, search_holes, before)
            if r is not None:
                found.append(r)
            last = r
    # The best reading of each stretch (two misreadings may both parse it).
    found.sort(key=lambda r: -r.gain)
    chosen: list[_Reading] = []
    for r in found:
        if all(r.end <= c.start or r.start >= c.end for c in chosen):
            chosen.append(r)
    return sorted(chosen, key=lambda r: r.start), searched


# Lost bytes searched per text; past them only runs with every byte known
# are read (a megabyte of Big5-read garbage would take an hour).
_HOLE_BUDGET = 1500


@lru_cache(maxsize=2048)
def _cached_line_readings(line: str, search_holes: bool = True) -> tuple[tuple[_Reading, ...], int]:
    """The line's readings and how many lost bytes were searched for them
    (the zoner and the cleaner read the same lines)."""
    readings, searched = _line_readings(line, search_holes)
    return tuple(readings), searched


@lru_cache(maxsize=1)
def _any_scan() -> re.Pattern:
    return re.compile("|".join(f"(?:{_scan(m).pattern})" for m in MISREADINGS))


def find_recode_repairs(text: str) -> list[Repair]:
    """Repairs for runs of UTF-8 text a wrong decoder read, sorted, disjoint.

    >>> [r.replacement for r in find_recode_repairs("公安厅：å…¬å®‰")]
    ['公安']
    """
    repairs: list[Repair] = []
    pat = _any_scan()
    pos, spent = 0, 0
    while True:
        m = pat.search(text, pos)
        if m is None:
            break
        lo = text.rfind("\n", 0, m.start()) + 1
        hi = text.find("\n", m.end())
        hi = len(text) if hi < 0 else hi
        readings, searched = _cached_line_readings(text[lo:hi], spent < _HOLE_BUDGET)
        spent += searched
        for r in readings:
            note = r.note + (f"; {r.lost} unrecovered" if r.lost else "")
            repairs.append(Repair(lo + r.start, lo + r.end, r.text, r.lost == 0, note))
        pos = hi + 1
    return repairs


def repair_misread(text: str) -> str:
    """``text`` with its misread runs repaired (what the page zoner reads).

    >>> repair_misread("鍚勭渷銆佽嚜娌诲尯")
    '各省、自治区'
    """
    repairs = find_recode_repairs(text)
    if not repairs:
        return text
    parts, pos = [], 0
    for r in repairs:
        parts += [text[pos:r.start], r.replacement]
        pos = r.end
    parts.append(text[pos:])
    return "".join(parts)


def repair_lines(lines: Sequence[str]) -> list[str]:
    """Each line with its misread runs repaired: what the page zoner judges,
    so that damage alone never makes a line look like boilerplate.

    >>> repair_lines(["通知", "鍚勭渷銆佽嚜娌诲尯"])
    ['通知', '各省、自治区']
    """
    pat = _any_scan()
    if not pat.search("\n".join(lines)):
        return list(lines)
    return [repair_misread(line) if pat.search(line) else line for line in lines]


__all__ = ["MISREADINGS", "Misreading", "find_recode_repairs", "repair_lines", "repair_misread", "score"]
