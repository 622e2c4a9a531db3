"""Repairing GBK text that was decoded one byte out of step.

Content farms that republish government notices convert them to
traditional script and insert pinyin glosses (``發(fā)``) by byte-level
search-and-replace on GBK bytes.  When a replacement lands inside a
two-byte character, or a byte is lost or added, the decoder pairs each
character's second byte with the next character's first byte until an ASCII
byte puts it back in step::

    true bytes     A3A8 D2BB A3A9 D6B8 8CA7 28 ...      （一）指導(dǎo)
    read as     A1 A3A8 D2BB A3A9 D6B8 8C A728 ...   ?。ㄒ唬┲笇?dǎo)

What the damaged decoder did, measured on seed 001 (every run reproduced
byte for byte): pairs that GB18030 maps to the private-use area vanish;
full-width ASCII (``！``, ``Ｍ``, ``？``) comes out as ASCII; a lead byte
followed by an ASCII byte is one ``?`` that swallows that ASCII byte (often
the ``(`` of a gloss or the ``<`` of ``</p>``).

The repair turns the damaged run back into bytes, pairs them one byte
later and decodes.  Bytes that were swallowed (a ``?``, a vanished pair)
leave characters of which only one byte is known; those are chosen by the
pinyin gloss that follows them, when there is one, by a character
trigram model of Chinese administrative text (``data/mojibake_grams.tsv.gz``,
written by scripts/make_mojibake_model.py), jieba's words, and the
characters and pairs the rest of the notice uses (支撑 elsewhere in the
notice makes 为支撑的 beat 为治的).  A character the evidence does not
settle is written ``〓`` and the repair is marked unrecovered.

The search is a beam over readings of a small window around suspicious
characters, so only lines that look damaged pay for it.
"""

from __future__ import annotations

import bisect
import gzip
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

MARK = "〓"

_DATA = Path(__file__).parent / "data"
GRAMS_PATH = _DATA / "mojibake_grams.tsv.gz"
# Sequences of two or three symbols seen fewer times than this are not shipped.
MIN_GRAM_COUNT = {2: 3, 3: 6}


@dataclass(frozen=True)
class Repair:
    """``text[start:end]`` should read ``replacement``."""

    start: int
    end: int
    replacement: str
    recovered: bool = True  # False if the replacement contains a 〓 mark
    note: str | None = None  # e.g. "realigned; lost byte recovered from gloss dǎo"


# ---------------------------------------------------------------------------
# Tables, built once on first use.

_TRAILS = tuple(range(0x40, 0x7F)) + tuple(range(0x80, 0xFF))


def _is_pua(ch: str) -> bool:
    return "\ue000" <= ch <= "\uf8ff"


@dataclass(frozen=True)
class _Tables:
    char_of: dict  # (lead, trail) -> char, for pairs that decode visibly
    bytes_of: dict  # char -> (lead, trail)
    by_lead: dict  # lead -> ((trail, char), ...)
    by_trail: dict  # trail -> ((lead, char), ...)
    hidden_second: dict  # first byte -> frozenset of second bytes that vanish
    hidden_first: frozenset  # bytes that can start a vanishing pair
    key: dict  # char -> language-model key (simplified, NFKC)


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    import opencc  # only needed to key traditional characters for the model

    char_of, bytes_of, hidden = {}, {}, {}
    for lead in range(0x81, 0xFF):
        for trail in _TRAILS:
            ch = bytes((lead, trail)).decode("gb18030")
            if _is_pua(ch):
                hidden.setdefault(lead, set()).add(trail)
                continue
            if "\uff01" <= ch <= "\uff5e":
                continue  # full-width ASCII: handled as its ASCII form
            char_of[(lead, trail)] = ch
            bytes_of.setdefault(ch, (lead, trail))
    for code in range(0x21, 0x7F):  # ！ → ! both ways
        bytes_of[chr(code)] = (0xA3, code + 0x80)
        char_of[(0xA3, code + 0x80)] = chr(code)
    by_lead: dict = {}
    by_trail: dict = {}
    for (lead, trail), ch in char_of.items():
        by_lead.setdefault(lead, []).append((trail, ch))
        by_trail.setdefault(trail, []).append((lead, ch))
    chars = sorted(bytes_of)
    simplified = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    key = {}
    for ch, simp in zip(chars, simplified):
        key[ch] = _norm_key(simp if len(simp) == 1 else ch)
    return _Tables(
        char_of=char_of,
        bytes_of=bytes_of,
        by_lead={k: tuple(v) for k, v in by_lead.items()},
        by_trail={k: tuple(v) for k, v in by_trail.items()},
        hidden_second={k: frozenset(v) for k, v in hidden.items()},
        hidden_first=frozenset(hidden),
        key=key,
    )


_BOS = "\x02"  # the model's symbol for the start of a line


def _norm_key(ch: str) -> str:
    """One language-model symbol per character: NFKC, digits and letters folded."""
    if ch == "\n":
        return _BOS
    n = unicodedata.normalize("NFKC", ch)
    if len(n) != 1:
        return ch
    if n.isdigit() and n.isascii():
        return "0"
    if n.isascii() and n.isalpha():
        return "a"
    if n.isspace():
        return " "
    return n


def lm_key(ch: str) -> str:
    """The character model's symbol for ``ch`` (traditional maps to simplified).

    >>> lm_key("導"), lm_key("（"), lm_key("7")
    ('导', '(', '0')
    """
    k = _tables().key.get(ch)
    return k if k is not None else _norm_key(ch)


# ---------------------------------------------------------------------------
# The character model: counts of one to three symbols, written by
# scripts/make_mojibake_model.py from laws and government pages.

# Pseudo count of a character never seen in the corpus.
_UNSEEN = 0.05


@dataclass(frozen=True)
class _Model:
    uni: dict
    bi: dict
    tri: dict
    types: dict  # symbol or pair -> number of distinct symbols seen after it
    total: int


@lru_cache(maxsize=1)
def _model() -> _Model:
    uni: dict = {}
    bi: dict = {}
    tri: dict = {}
    types: Counter = Counter()
    with gzip.open(GRAMS_PATH, "rt", encoding="utf-8") as fh:
        for line in fh:
            # gram, count and, for a context, how many symbols follow it
            gram, count, *after = line.rstrip("\n").split("\t")
            table = uni if len(gram) == 1 else bi if len(gram) == 2 else tri
            table[gram] = int(count)
            if after:
                types[gram] = int(after[0])
    return _Model(uni=uni, bi=bi, tri=tri, types=dict(types), total=sum(uni.values()))


# The pre-filter needs only the counts of single symbols; the whole model
# (0.7 s of CPU, 80 MB) is loaded when a window is searched, which clean text
# never needs (2 windows in 2,000 generated notices).
_UNIGRAM_LINE = re.compile(r"^([^\t\n])\t([^\t\n]*)", re.M)


@lru_cache(maxsize=1)
def _unigrams() -> dict:
    """Symbol -> count: the model's ``uni`` table, read without the rest."""
    with gzip.open(GRAMS_PATH, "rt", encoding="utf-8") as fh:
        return {gram: int(count) for gram, count in _UNIGRAM_LINE.findall(fh.read())}


@lru_cache(maxsize=300_000)
def _logp(prev: str, cur: str) -> float:
    """Witten-Bell bigram: a symbol followed by many different ones backs off more."""
    m = _model()
    pu = (m.uni.get(cur, 0) + _UNSEEN) / (m.total + _UNSEEN * 30000)
    t = m.types.get(prev, 0) + 1
    return math.log((m.bi.get(prev + cur, 0) + t * pu) / (m.uni.get(prev, 0) + t))


@lru_cache(maxsize=500_000)
def _logp3(prev2: str, prev: str, cur: str) -> float:
    """Witten-Bell trigram over the bigram: 政策 after 完善 beats 者."""
    m = _model()
    ctx = prev2 + prev
    seen = m.bi.get(ctx, 0)
    if not seen:
        return _logp(prev, cur)
    t = m.types.get(ctx, 0) + 1
    return math.log((m.tri.get(ctx + cur, 0) + t * math.exp(_logp(prev, cur))) / (seen + t))


# A word list settles what the bigrams cannot (高校 or 高专 before 科研):
# jieba's dictionary, read directly so that jieba's global tokenizer is left
# alone.  Words of up to this many characters are kept.
_MAX_WORD = 4


@lru_cache(maxsize=1)
def _words() -> tuple[dict, float]:
    import jieba

    freq: dict = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ", 2)
            if len(parts) >= 2 and len(parts[0]) <= _MAX_WORD and parts[1].isdigit():
                freq[parts[0]] = freq.get(parts[0], 0) + int(parts[1])
    return freq, math.log(sum(freq.values()))


# Inside a word the dictionary predicts the next character better than the
# bigrams do (高校 before 科研, 支撑 after 为).  The two are mixed as
# probabilities, P = (1 - _WORD_WEIGHT) * P_bigram + _WORD_WEIGHT * P_word, so
# that a reading never gains by having more characters: an additive bonus
# made the search prefer inventing characters in vanished pairs
# (科学生有人员 over 科研人员 on seed 001).
_WORD_WEIGHT = 0.5


def _recent_keys(h) -> str:
    """The model symbols of the last few characters emitted up to ``h``."""
    keys = ""
    while h is not None and len(keys) < _MAX_WORD - 1:
        if h.out:
            if not "\u3400" <= h.key <= "\u9fff":
                break
            keys = h.key + keys
        h = h.back
    return keys


@lru_cache(maxsize=1)
def _sorted_words() -> tuple[list, list]:
    """The dictionary's words in sorted order and their frequencies: the
    words that start with a prefix are one slice."""
    freq = _words()[0]
    words = sorted(freq)
    return words, [freq[w] for w in words]


# Looked up per prefix when the search needs it: indexing every prefix up
# front cost each worker 0.5-1.7 s of CPU and 110 MB on its first search,
# and a search touches a few hundred prefixes.
@lru_cache(maxsize=100_000)
def _word_next(prefix: str) -> tuple[int, dict] | None:
    """(total frequency of the longer words that start with ``prefix``,
    {next character: frequency}), or None when no longer word does.

    >>> total, nxt = _word_next("科研")
    >>> nxt["人"] > 0 and total >= nxt["人"]
    True
    """
    words, freqs = _sorted_words()
    k = len(prefix)
    total, nxt, found = 0, {}, False
    i = bisect.bisect_left(words, prefix)
    while i < len(words) and words[i].startswith(prefix):
        word = words[i]
        if len(word) > k:
            found = True
            f = freqs[i]
            total += f
            nxt[word[k]] = nxt.get(word[k], 0) + f
        i += 1
    return (total, nxt) if found else None


@lru_cache(maxsize=50_000)
def _completions(recent: str) -> dict:
    """P_word(next character | the recent keys are the start of a word)."""
    best: dict = {}
    for j in range(len(recent)):
        entry = _word_next(recent[j:])
        if entry is None:
            continue
        total, nxt = entry
        for ch, f in nxt.items():
            p = f / total
            if p > best.get(ch, 0.0):
                best[ch] = p
    return best


def _mix(logp: float, p_other: float | None, weight: float) -> float:
    """Log of the model's prediction mixed with another one given this weight
    (the word model, _WORD_WEIGHT; the notice's own pairs, _DOC_WEIGHT)."""
    if not p_other:
        return logp + math.log(1 - weight)
    return math.log((1 - weight) * math.exp(logp) + weight * p_other)


@lru_cache(maxsize=300_000)
def _word_cost(recent: str, key2: str, prev_key: str, ch: str, key: str) -> float:
    """Log-probability of ``ch`` after ``key2 prev_key`` with the word model mixed in."""
    cost = _cost(key2, prev_key, ch, key)
    if ch.isspace():
        return cost
    return _mix(cost, _completions(recent).get(key) if recent else None, _WORD_WEIGHT)


def _word_logp(keys: str) -> float:
    """Best segmentation log-probability of a short string of model symbols."""
    freq, log_total = _words()
    unknown = math.log(0.5) - log_total
    best = [0.0] + [-math.inf] * len(keys)
    for i in range(1, len(keys) + 1):
        if not "\u3400" <= keys[i - 1] <= "\u9fff":
            # Punctuation is a token too, at its frequency in the character
            # model: free punctuation let 学。科研 beat 学校科研 on seed 001.
            best[i] = best[i - 1] + _unigram(keys[i - 1])
            continue
        for j in range(max(0, i - _MAX_WORD), i):
            f = freq.get(keys[j:i])
            if f:
                best[i] = max(best[i], best[j] + math.log(f) - log_total)
            elif j == i - 1:
                best[i] = max(best[i], best[j] + unknown)
    return best[-1]


# ---------------------------------------------------------------------------
# Pinyin glosses.

_PY_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿêếề"
_GLOSS = re.compile(rf"\(([{_PY_LETTERS}]{{1,7}})\)")
_GLOSS_TAIL = re.compile(rf"([{_PY_LETTERS}]{{1,7}})\)")
_TAG_TAIL = re.compile(r"/[a-zA-Z][a-zA-Z0-9]{0,9}>")
# ASCII markup a repair must leave as it is: tags (their `<` may have been
# swallowed by a `?`) and table pipes.  Out of step, these characters are
# never read as the second byte of a character or as full-width ASCII.
_MARKUP = re.compile(r"<?/?[a-zA-Z][a-zA-Z0-9]{0,9}>|[<>|]")


@lru_cache(maxsize=50_000)
def _readings(ch: str) -> frozenset:
    from pypinyin.pinyin_dict import pinyin_dict

    raw = pinyin_dict.get(ord(ch), "")
    return frozenset(unicodedata.normalize("NFC", p) for p in raw.split(",") if p)


def _gloss_fits(ch: str, gloss: str) -> bool:
    g = unicodedata.normalize("NFC", gloss.lower())
    return g in _readings(ch)


# ---------------------------------------------------------------------------
# Finding lines that look damaged: a cheap scan before the expensive search.

# Symbol rows of GBK that a misaligned read lands in but prose never uses:
# bopomofo, box drawing, kana, private use, CJK compatibility.  Toned pinyin
# letters outside a gloss are checked separately.
_STRONG = "\u3105-\u3129\u2500-\u257f\u3041-\u30ff\ue000-\uf8ff\uf900-\ufaff\u2460-\u249b"


@lru_cache(maxsize=1)
def _rare_chars() -> str:
    """GBK hanzi that are rare in administrative text (their key seen < 20 times)."""
    t, uni = _tables(), _unigrams()
    rare = [
        ch
        for ch in t.bytes_of
        if "\u4e00" <= ch <= "\u9fff" and uni.get(t.key[ch], 0) < 20
    ]
    return "".join(sorted(rare))


def char_class(chars) -> str:
    """A regex character class for ``chars`` (any iterable of characters), written as ranges."""
    codes = sorted(set(map(ord, chars)))
    parts, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        a, b = codes[i], codes[j]
        parts.append(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}")
        i = j + 1
    return "".join(parts)


@lru_cache(maxsize=1)
def _suspect_re() -> re.Pattern:
    pinyin = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
    rare = char_class(_rare_chars())
    # Every branch opens with a character class or a literal, so that the
    # regex engine skips ahead to the characters a hit can start with (a
    # lookbehind first made it try every branch at every position: 4x slower
    # on clean laws).
    return re.compile(
        rf"[{_STRONG}{pinyin}{rare}]|\?(?=[^\x00-\x7f])|\?(?<=[^\x00-\x7f]\?)"
    )


def _suspect_weight(text: str, i: int) -> int:
    """How strongly the character at ``i`` (a scan hit) suggests damage."""
    ch = text[i]
    if ch == "?":
        return 2
    if ch in "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ":
        # A toned letter inside a well-formed gloss is fine.
        if _in_gloss(text, i):
            return 0
        return 2
    if "\u4e00" <= ch <= "\u9fff":
        return 1
    return 2


def _in_gloss(text: str, i: int) -> tuple[int, int] | None:
    """The span of the well-formed gloss ``(pinyin)`` around ``i``, if any."""
    j = i
    while j > 0 and text[j - 1] in _PY_SET and i - j < 8:
        j -= 1
    if j > 0 and text[j - 1] == "(":
        m = _GLOSS.match(text, j - 1)
        if m and m.end() > i:
            return m.span()
    return None


_PY_SET = frozenset("abcdefghijklmnopqrstuvwxyzāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿêếề")

# A cluster of hits closer than this many characters is one suspect region;
# a region must weigh this much before the search runs.  Weight 2 (a lone `?`
# beside a hanzi) is needed for short runs such as 市域?a(chǎn); the search
# itself then rejects clean text (0 repairs on the lawref/gov_html check).
_GAP = 5
_MIN_WEIGHT = 2
# How far a window reaches beyond its region, and the longest window searched.
_LEFT, _RIGHT, _MAX_WINDOW = 6, 24, 160
# At most this many windows are searched per line (a 50 MB line of garbage
# must not take hours; what is not searched is left as it is).
_MAX_WINDOWS_PER_LINE = 200
# And at most this many per text: a window costs up to ~50 ms, and a damaged
# notice has a dozen or two (seed 001: 15).  Hostile text (kana beside
# Latin on every line, 市? repeated) would otherwise take minutes.
_MAX_WINDOWS_PER_TEXT = 40
# A window with more lost bytes (?) than this is not searched: each ? opens
# new branches, so 市? repeated costs half a second a window, while a real
# misaligned run loses one byte at each end (seed 001: at most 3 a window).
_MAX_LOST_PER_WINDOW = 8


def _may_change(window: str) -> bool:
    """Whether a window holds a character that ends an out-of-step read.

    Every repair reads part of the window out of step, and a read in the
    search goes back in step only at a ``?`` (a lead byte that swallowed an
    ASCII byte) or at an ASCII character from ``@`` to ``~`` (read as a
    second byte).  A window without one can change only by a read that runs
    out of step to the end of its line, and the farm's decoder never leaves
    that: the line break after such a run is an ASCII byte below ``@``, which
    the dangling lead byte swallows into a ``?``.  So such a window is left
    as it is without a search: clean text with rare names (觇标, 鸮, 邕河,
    镧铈镨) is flagged by the pre-filter, and each search cost 0.1-0.5 s
    (plus 1 s to load the model, once per process); no golden case, seed or
    case of benchmarks/mojibake_synthetic.py needed one.

    >>> _may_change("金属觇标、木质觇标"), _may_change("?。ㄒ唬┲笇")
    (False, True)
    """
    return any("?" <= ch <= "~" for ch in window)


def _regions(text: str) -> Iterator[tuple[int, int, int, int]]:
    """(line_start, line_end, first_hit, last_hit) of suspect clusters."""
    pat = _suspect_re()
    line_start, line_end = 0, -1
    per_line = 0
    cur: list | None = None  # [first, last, weight]
    for m in pat.finditer(text):
        i = m.start()
        if i > line_end:
            if cur and cur[2] >= _MIN_WEIGHT:
                yield line_start, line_end, cur[0], cur[1]
            cur = None
            line_start = text.rfind("\n", 0, i) + 1
            nl = text.find("\n", i)
            line_end = len(text) if nl < 0 else nl
            per_line = 0
        if per_line >= _MAX_WINDOWS_PER_LINE:
            continue
        w = _suspect_weight(text, i)
        if not w:
            continue
        if cur and i - cur[1] <= _GAP:
            cur[1] = i
            cur[2] += w
            continue
        if cur and cur[2] >= _MIN_WEIGHT:
            per_line += 1
            yield line_start, line_end, cur[0], cur[1]
        cur = [i, i, w]
    if cur and cur[2] >= _MIN_WEIGHT:
        yield line_start, line_end, cur[0], cur[1]

# ---------------------------------------------------------------------------
# The search: a beam over readings of one window.

# Costs in nats (natural-log probability), set on seed 001 and on synthetic
# damage of clean corpus sentences (tests/golden/mojibake): a reading must
# explain the window much better than the text as it stands (_ACCEPT)
# before anything is changed.
_P_ENTER_Q = 1.0  # a `?` (bytes swallowed) puts the decoder out of step
_P_ENTER_GLOSS = 1.0  # a gloss was inserted inside a character
_P_ENTER_LOST = 10.0  # a byte lost without trace
_P_ENTER_STRAY = 12.0  # a stray high byte added before a character
# A vanished pair costs nothing of itself: the decoder is deterministic, so
# only the model says whether 完善政策支持 (two vanished bytes) beats
# 完善者支持 (none).  A penalty of 1.5 lost 政策, 支撑 and 对接 on seed 001
# and gained 2% exact on benchmarks/mojibake_synthetic.py.
_P_HIDDEN = 0.0
_P_GLOSS_MISS = 12.0  # the chosen character lacks the gloss's reading
_P_LINE_END = 4.0  # the line ends while still out of step
_P_SPACE = 12.0  # a recovered whitespace character inside a line
_ACCEPT = 10.0
_CONFIDENT = 2.0  # margin a character chosen from one known byte must have
_BEAM = 32
_SCORED = 200  # candidates scored per step, most frequent first
_KEPT = 8  # of which this many become hypotheses
_MAX_HIDDEN = 2  # vanished pairs in a row
# Readings kept per search state: the state holds two symbols of history,
# and the word model looks further back, so the runner-up of a state can
# still win (5 of the 40 synthetic golden cases need it).
_PER_STATE = 3


class _Hyp:
    __slots__ = ("score", "mode", "pending", "last", "key", "key2", "back", "out", "lo", "hi",
                 "fix", "cons", "gloss", "hidden", "note")

    def __init__(self, score, mode, pending, last, key, back, out, lo, hi, fix,
                 cons=None, gloss=None, hidden=0, note=None):
        self.score = score
        self.mode = mode  # 0 in step, 1 out of step
        self.pending = pending  # out of step: the byte (or bytes) awaiting a partner
        self.last = last  # last character emitted (its bytes start gloss keys)
        self.key = key  # its model symbol
        # the symbol before it (the trigram's first): carried along when this
        # step emits nothing new (a gloss, a whitespace, a change of step)
        if back is None:
            self.key2 = _BOS
        elif key == back.key and last == back.last:
            self.key2 = back.key2
        else:
            self.key2 = back.key
        self.back = back
        self.out = out
        self.lo, self.hi = lo, hi  # window positions this step consumed
        self.fix = fix  # this step belongs to a repair
        self.cons = cons  # (lead, trail) the character had to fit, if a byte was unknown
        self.gloss = gloss
        self.hidden = hidden
        self.note = note


def _unigram(key: str) -> float:
    m = _model()
    return math.log((m.uni.get(key, 0) + _UNSEEN) / (m.total + _UNSEEN * 30000))


@lru_cache(maxsize=100_000)
def _cands(lead, trail) -> tuple:
    """Characters (char, lead, trail, key) whose bytes fit, most frequent first.

    ``lead``/``trail`` are a byte, a frozenset of possible bytes, or None
    for a byte that is unknown altogether.
    """
    t = _tables()
    if isinstance(lead, int) and isinstance(trail, int):
        ch = t.char_of.get((lead, trail))
        found = [(ch, lead, trail)] if ch else []
    elif isinstance(lead, int):
        pool = t.by_lead.get(lead, ())
        found = [(ch, lead, b) for b, ch in pool if trail is None or b in trail]
    elif isinstance(trail, int):
        pool = t.by_trail.get(trail, ())
        found = [(ch, a, trail) for a, ch in pool if lead is None or a in lead]
    elif lead is not None and trail is not None:
        found = [(ch, a, b) for b in trail for a, ch in t.by_trail.get(b, ()) if a in lead]
    elif lead is not None:
        # A vanished pair left the lead's range, a `?` hid the trail: 接 of
        # 對接 before a swallowed `<`.
        found = [(ch, a, b) for a in lead for b, ch in t.by_lead.get(a, ())]
    else:  # neither byte known: only with a gloss, see _gloss_cands
        found = []
    keyed = [(ch, a, b, lm_key(ch)) for ch, a, b in found]
    keyed.sort(key=lambda c: -_unigram(c[3]))
    return tuple(keyed)


def _cost(key2: str, prev_key: str, ch: str, key: str) -> float:
    """Log-probability of ``ch`` after characters keyed ``key2 prev_key``."""
    if ch.isspace():
        return -(1.0 if prev_key == _BOS else _P_SPACE)
    return _logp3(key2, prev_key, key)




def _best(w: "_Window", h: _Hyp, cands: tuple,
          variants: bool = False) -> list[tuple[float, tuple]]:
    """The few candidates that read best after ``h``'s last character.

    A whitespace candidate keeps the model symbol of what came before it.
    Characters with one model symbol (麵 麫 麪 are all 面) read alike, so
    only the most frequent form takes a place, unless ``variants`` asks for
    all (their bytes then lead to different readings).
    """
    recent = _recent_keys(h)
    scored = [(_word_cost(recent, h.key2, h.key, c[0], c[3]),
               c if not c[0].isspace() else c[:3] + (h.key,))
              for c in cands[:_SCORED]]
    n = w.seen_before(h.key)  # once for the list: _doc_mix per candidate reads it again
    scored = [(_mix(cost, n > 0 and w.seen(h.key + c[3]) / n, _DOC_WEIGHT), c) for cost, c in scored]
    scored.sort(key=lambda x: -x[0])
    if not variants:
        seen: set = set()
        scored = [x for x in scored if x[1][3] not in seen and not seen.add(x[1][3])]
    return scored[:_KEPT]


@lru_cache(maxsize=1)
def _by_reading() -> dict:
    """Toned syllable -> characters (char, lead, trail, key) that can read so."""
    index: dict = {}
    t = _tables()
    for ch, (a, b) in t.bytes_of.items():
        for r in _readings(ch):
            index.setdefault(r, []).append((ch, a, b, lm_key(ch)))
    return index


def _fits(byte: int, allowed) -> bool:
    return allowed is None or (byte == allowed if isinstance(allowed, int) else byte in allowed)


@lru_cache(maxsize=20_000)
def _gloss_cands(lead, trail, gloss: str) -> tuple:
    """Characters with the gloss's reading whose bytes fit, most frequent first."""
    g = unicodedata.normalize("NFC", gloss.lower())
    found = [c for c in _by_reading().get(g, ()) if _fits(c[1], lead) and _fits(c[2], trail)]
    found.sort(key=lambda c: -_unigram(c[3]))
    return tuple(found)


def _exit_cands(lead, trail, gloss: str | None) -> tuple[tuple, float]:
    """Candidates for the character that ends a run, and the cost of the choice."""
    if gloss:
        fit = _gloss_cands(lead, trail, gloss)
        if fit:
            return fit, 0.0
    return _cands(lead, trail), (_P_GLOSS_MISS if gloss else 0.0)


class _Window:
    """One stretch of a line and the facts the search needs about it."""

    def __init__(self, text: str, lo: int, hi: int, line_lo: int, line_hi: int, hits,
                 notice: "_Usage | None" = None):
        self.s = text[lo:hi]
        self.lo = lo
        self.at_line_start = lo == line_lo
        self.at_line_end = hi == line_hi
        self.before = text[lo - 1] if lo > line_lo else "\n"
        self.before2 = text[lo - 2] if lo - 1 > line_lo else "\n"
        self.after = text[hi] if hi < line_hi else None
        t = _tables()
        self.bytes = [t.bytes_of.get(ch) if ord(ch) > 0x7F else None for ch in self.s]
        self.markup = set()
        for m in _MARKUP.finditer(self.s):
            if m.group(0)[0] in "</>|" or (m.start() and self.s[m.start() - 1] in "<?"):
                self.markup.update(range(m.start(), m.end()))
        # Out-of-step reading may start without a `?` only near a suspect hit.
        self.entry = set()
        for h in hits:
            self.entry.update(range(max(0, h - lo - 2), min(len(self.s), h - lo + 1)))
        # Characters the rest of the notice uses (the window's own left out).
        self.notice = notice or _Usage("")
        self.own = _Usage(self.s)

    def seen(self, keys: str) -> int:
        """How often the rest of the notice uses a symbol or a pair of them."""
        return self.notice.counts.get(keys, 0) - self.own.counts.get(keys, 0)

    def seen_before(self, key: str) -> int:
        """How often the rest of the notice has a hanzi after ``key``."""
        return self.notice.firsts.get(key, 0) - self.own.firsts.get(key, 0)


def _expand(w: _Window, h: _Hyp, i: int, push) -> None:
    """All steps from hypothesis ``h`` standing before ``w.s[i]``."""
    if h.mode == 0:
        _expand_in_step(w, h, i, push)
    else:
        _expand_out_of_step(w, h, i, push)


def _expand_in_step(w: _Window, h: _Hyp, i: int, push) -> None:
    s, n = w.s, len(w.s)
    ch = s[i]
    if ch == "(":
        m = _GLOSS.match(s, i)
        if m:  # a gloss passes through unscored
            push(m.end(), _Hyp(h.score, 0, None, h.last, h.key, h, m.group(0), i, m.end(), False))
            return
    if ch.isspace():
        push(i + 1, _Hyp(h.score, 0, None, h.last, h.key, h, ch, i, i + 1, False))
    else:
        key = lm_key(ch)
        cost = _doc_mix(w, h.key, key, _word_cost(_recent_keys(h), h.key2, h.key, ch, key))
        push(i + 1, _Hyp(h.score + cost, 0, None, ch, key, h, ch,
                         i, i + 1, False))
    if ch == "?":
        if i + 1 < n and (w.bytes[i + 1] or "!" <= s[i + 1] <= "~"):
            push(i + 1, _Hyp(h.score - _P_ENTER_Q, 1, None, h.last, h.key, h, "", i, i + 1,
                             True, note="realigned"))
        m = _GLOSS_TAIL.match(s, i + 1)
        prev = _tables().bytes_of.get(h.last)
        if m and prev and m.end() < n:
            gloss = m.group(1)
            leads = frozenset(c[2] for c in _cands(prev[1], None) if _gloss_fits(c[0], gloss))
            if leads:
                push(m.end(), _Hyp(h.score - _P_ENTER_GLOSS, 1, leads, h.last, h.key, h, "",
                                   i, m.end(), True,
                                   note=f"gloss {gloss} inserted mid-character removed"))
    b = w.bytes[i]
    if b and i in w.entry and ch >= "\u2e80":
        # a byte lost before this character: its first byte is a trail
        _pair(w, h, i, b, None, h.score - _P_ENTER_LOST, push)
        # a stray byte added before it: its second byte starts a character
        push(i + 1, _Hyp(h.score - _P_ENTER_STRAY, 1, b[1], h.last, h.key, h, "", i, i + 1,
                         True, note="realigned"))


def _expand_out_of_step(w: _Window, h: _Hyp, i: int, push) -> None:
    s = w.s
    p = h.pending
    t = _tables()
    if h.hidden < _MAX_HIDDEN and p is not None:
        # a pair that vanished: this character's trail starts it
        for cost, (c, a, bb, key) in _best(w, h, _cands(p, t.hidden_first), variants=True):
            push(i, _Hyp(h.score - _P_HIDDEN + cost, 1, t.hidden_second[bb], c, key, h, c,
                         i, i, True, cons=(p, t.hidden_first), hidden=h.hidden + 1,
                         note="vanished pair restored"))
    ch = s[i]
    b = w.bytes[i]
    if b:
        _pair(w, h, i, b, p, h.score, push)
        return
    code = ord(ch)
    if i in w.markup:
        return
    if 0x21 <= code <= 0x7E:
        # a full-width pair A3xx that came out as ASCII
        _pair(w, h, i, (0xA3, code + 0x80), p, h.score, push)
    if 0x40 <= code <= 0x7E:
        # an ASCII byte that was a second byte: back in step after it
        m = _GLOSS.match(s, i + 1)
        gloss = m.group(1) if m else None
        cands, pen = _exit_cands(p, code, gloss)
        for cost, (c, a, bb, key) in _best(w, h, cands):
            push(i + 1, _Hyp(h.score - pen + cost, 0, None, c, key, h, c, i, i + 1, True,
                             cons=None if isinstance(p, int) else (p, code), gloss=gloss))
    if ch == "?":
        # a lead byte that swallowed the ASCII byte after it
        m = _GLOSS_TAIL.match(s, i + 1)
        if m:
            gloss, end, restore = m.group(1), m.end(), "("
        else:
            gloss, end = None, i + 1
            restore = "<" if _TAG_TAIL.match(s, i + 1) else ""
        cands, pen = _exit_cands(p, None, gloss)
        for cost, (c, a, bb, key) in _best(w, h, cands):
            push(end, _Hyp(h.score - pen + cost, 0, None, c, key, h, c + restore + s[i + 1:end],
                           i, end, True, cons=(p, None), gloss=gloss))


def _pair(w: _Window, h: _Hyp, i: int, b: tuple, p, score: float, push) -> None:
    """Out of step: the two bytes ``b`` are (trail of one, lead of the next)."""
    cands = _cands(p, b[0])
    for cost, (c, a, bb, key) in _best(w, h, cands):
        push(i + 1, _Hyp(score + cost, 1, b[1], c, key, h, c, i, i + 1, True,
                         cons=None if isinstance(p, int) else (p, b[0]),
                         note="realigned" if h.mode == 0 else None))


def _state_key(h: _Hyp) -> tuple:
    return (h.mode, h.pending, h.last, h.key2, h.hidden)


def _aligned_score(w: _Window) -> float:
    """The model's score for the window as it stands (glosses skipped)."""
    score, key2, key, s, i = 0.0, lm_key(w.before2), lm_key(w.before), w.s, 0
    recent = ""
    while i < len(s):
        ch = s[i]
        if ch == "(":
            m = _GLOSS.match(s, i)
            if m:
                i = m.end()
                continue
        if not ch.isspace():
            k = lm_key(ch)
            score += _doc_mix(w, key, k, _word_cost(recent, key2, key, ch, k))
            recent = (recent + k)[-(_MAX_WORD - 1):] if "\u3400" <= k <= "\u9fff" else ""
            key2, key = key, k
        i += 1
    if w.after and not w.after.isspace():
        score += _cost(key2, key, w.after, lm_key(w.after))
    return score


def _search(w: _Window) -> _Hyp | None:
    """The best reading of the window, or None when nothing needs changing."""
    n = len(w.s)
    states: list[dict] = [dict() for _ in range(n + 1)]
    start = _Hyp(0.0, 0, None, w.before, lm_key(w.before), None, "", 0, 0, False)
    start.key2 = lm_key(w.before2)
    states[0][_state_key(start)] = [start]
    for i in range(n):
        same: list[_Hyp] = []

        def push(j: int, h: _Hyp, i=i, same=same) -> None:
            if j == i:
                same.append(h)
                return
            kept = states[j].setdefault(_state_key(h), [])
            kept.append(h)
            if len(kept) > _PER_STATE:
                kept.sort(key=lambda x: -x.score)
                del kept[_PER_STATE:]

        todo = sorted((h for kept in states[i].values() for h in kept),
                      key=lambda h: -h.score)[:_BEAM]
        states[i] = {}
        while todo:
            for h in todo:
                _expand(w, h, i, push)
            todo = sorted(same, key=lambda h: -h.score)[:_BEAM]
            same.clear()
    after_key = lm_key(w.after) if w.after and not w.after.isspace() else None

    def total(h: _Hyp) -> float:
        return h.score + (_cost(h.key2, h.key, w.after, after_key) if after_key else 0.0)

    finals = []
    for h in (h for kept in states[n].values() for h in kept):
        if h.mode == 0:
            finals.append(h)
        elif w.at_line_end and h.pending is not None:
            for cost, (c, a, b, key) in _best(w, h, _cands(h.pending, None)):
                finals.append(_Hyp(h.score - _P_LINE_END + cost, 0, None, c, key, h, c, n, n,
                                   True, cons=(h.pending, None)))
    if not finals:
        return None
    best = max(finals, key=total)
    if total(best) - _aligned_score(w) < _ACCEPT:
        return None
    return best


def _path(h: _Hyp) -> list[_Hyp]:
    steps = []
    while h.back is not None:
        steps.append(h)
        h = h.back
    steps.reverse()
    return steps


_CONTEXT = 4  # characters each side a word-level check looks at
_RESCORED = 30  # candidates the word-level check compares


# A character lost in a damaged run is more likely one the notice uses
# elsewhere (a cache model): 厂中校 in a notice full of 学校 and 校中厂.
_CACHE_WEIGHT = 1.0


# The notice's own pairs of characters are mixed into the model with this
# weight: 支撑 used elsewhere in the notice makes 为支撑的 beat 为治的.
_DOC_WEIGHT = 0.2


class _Usage:
    """Counts of the hanzi of a text (as model symbols) and of adjacent pairs."""

    def __init__(self, text: str):
        table = {ord(c): lm_key(c) if "\u3400" <= c <= "\u9fff" else " " for c in set(text)}
        keys = text.translate(table)
        pairs = Counter(map(str.__add__, keys, keys[1:]))
        self.counts = Counter(keys)
        self.counts.update({p: n for p, n in pairs.items() if " " not in p})
        self.firsts = Counter()  # symbol -> pairs it starts
        for p, n in pairs.items():
            if " " not in p:
                self.firsts[p[0]] += n


def _doc_mix(w: "_Window", prev_key: str, key: str, cost: float) -> float:
    """``cost`` mixed with how often the rest of the notice has ``key`` after ``prev_key``."""
    n = w.seen_before(prev_key)
    return _mix(cost, n > 0 and w.seen(prev_key + key) / n, _DOC_WEIGHT)


def _plain_keys(out: str) -> list[str]:
    """Model symbols of what a step emitted, glosses and whitespace left out."""
    return [lm_key(c) for c in _GLOSS.sub("", out) if not c.isspace()]


def _settle(steps: list[_Hyp], k: int, w: _Window) -> str | None:
    """The character step k should emit, or None if the evidence is thin.

    The beam chose by bigrams; here the candidates that fit the same bytes
    (and gloss) are compared again with words around them.
    """
    h = steps[k]
    cands, _ = _exit_cands(*h.cons, h.gloss)
    if h.back is not None and h.hidden > h.back.hidden and k + 1 < len(steps):
        # The pair after this character vanished: its trail and the next
        # character's lead must make a pair that vanishes (）before 構).
        following = _tables().bytes_of.get(steps[k + 1].out[:1])
        if following:
            hidden = _tables().hidden_second
            cands = tuple(c for c in cands if following[0] in hidden.get(c[2], ()))
    if len(cands) <= 1:
        return h.out[0]
    left, right = [], []
    for st in reversed(steps[:k]):
        left[:0] = _plain_keys(st.out)
        if len(left) >= _CONTEXT:
            break
    if len(left) < _CONTEXT:
        # Glosses do not count: 學(xué)?? is 學 before the lost character.
        left[:0] = [lm_key(c) for c in (w.before2, w.before) if c != "\n"]
    for st in steps[k + 1:]:
        right += _plain_keys(st.out)
        if len(right) >= _CONTEXT:
            break
    if len(right) < _CONTEXT and w.after:
        right.append(lm_key(w.after))
    lft, rgt = "".join(left[-_CONTEXT:]), "".join(right[:_CONTEXT])
    prev_key = left[-1] if left else _BOS
    prev2 = left[-2] if len(left) > 1 else _BOS
    chosen = h.out[0]
    if chosen.isspace() and prev_key == _BOS:
        return chosen  # an indent's lost first byte
    nxt = right[0] if right else None
    nxt2 = right[1] if len(right) > 1 else None

    guessed = not all(isinstance(b, int) for b in h.cons)

    def grams(c: tuple) -> float:
        v = _cost(prev2, prev_key, c[0], c[3])
        if guessed:
            v += _CACHE_WEIGHT * math.log1p(w.seen(c[3]))
        if nxt and not c[0].isspace():
            v += _logp3(prev_key, c[3], nxt)
            if nxt2:
                v += _logp3(c[3], nxt, nxt2)
        return v

    ranked = sorted(cands, key=lambda c: -grams(c))[:_RESCORED]
    if chosen not in {c[0] for c in ranked}:
        ranked.append(next(c for c in cands if c[0] == chosen))
    scores = sorted(((_word_logp(lft + c[3] + rgt) + grams(c), c[0]) for c in ranked),
                    reverse=True)
    if len(scores) > 1 and scores[0][0] - scores[1][0] < _CONFIDENT:
        return None
    return scores[0][1]


def _repairs_from(best: _Hyp, w: _Window) -> list[Repair]:
    steps = _path(best)
    out: list[Repair] = []
    k = 0
    while k < len(steps):
        if not steps[k].fix:
            k += 1
            continue
        j = k
        while j < len(steps) and steps[j].fix:
            j += 1
        pieces, notes, lost = [], [], 0
        for m in range(k, j):
            h = steps[m]
            text = h.out
            if h.note:
                notes.append(h.note)
            if h.cons is not None and text:
                ch = _settle(steps, m, w)
                text = (ch or MARK) + text[1:]
                lost += ch is None
                if ch and h.gloss:
                    notes.append(f"lost byte recovered from gloss {h.gloss}")
            if not "".join(pieces) and text[:1] == "\u3000" and w.at_line_start \
                    and steps[k].lo == 0:
                text = text[1:]  # the indent whose first byte was lost
            pieces.append(text)
        lo, hi = steps[k].lo, steps[j - 1].hi
        repl, orig = "".join(pieces), w.s[lo:hi]
        a = 0  # trim what did not change
        while a < min(len(orig), len(repl)) and orig[a] == repl[a]:
            a += 1
        b = 0
        while b < min(len(orig), len(repl)) - a and orig[-1 - b] == repl[-1 - b]:
            b += 1
        repl, lo, hi = repl[a:len(repl) - b], lo + a, hi - b
        if lo < hi or repl:
            if lost:
                notes.append(f"{lost} unrecovered")
            note = "; ".join(dict.fromkeys(notes)) or "realigned"
            out.append(Repair(w.lo + lo, w.lo + hi, repl, MARK not in repl, note))
        k = j
    return out


def find_mojibake_repairs(text: str) -> list[Repair]:
    """Repairs for runs of GBK text read one byte out of step.

    Replaying the repairs (sorted, non-overlapping) on ``text`` gives the
    repaired text; glosses after a repaired run stay for a later stage.

    >>> r = find_mojibake_repairs("一、總體要求\\n?。ㄒ唬┲笇?dǎo)思想。")
    >>> [(x.replacement, x.recovered) for x in r]
    [('(一)指導(', True)]
    """
    repairs: list[Repair] = []
    done_to = 0
    notice = None
    for searched, (line_lo, line_hi, first, last) in enumerate(_regions(text)):
        if searched >= _MAX_WINDOWS_PER_TEXT:
            break
        lo = max(line_lo, first - _LEFT, done_to)
        if lo >= line_hi:
            continue
        g = _in_gloss(text, lo) if text[lo] in _PY_SET or text[lo] == ")" else None
        if g:  # never start inside a gloss
            lo = g[1]
        # Out of step, the read ends at an ASCII byte: reach a little past
        # the first one after the region.
        k = last + 1
        while k < line_hi and k < last + _RIGHT and ord(text[k]) > 0x7F:
            k += 1
        hi = min(line_hi, k + 8, lo + _MAX_WINDOW)
        g = _in_gloss(text, hi - 1) if hi < line_hi and text[hi - 1] in _PY_SET else None
        if g:  # never cut a gloss
            hi = g[1]
        if hi <= max(lo, first) or text.count("?", lo, hi) > _MAX_LOST_PER_WINDOW:
            continue
        if not _may_change(text[lo:hi]):
            continue
        hits = [m.start() for m in _suspect_re().finditer(text, lo, hi)]
        if notice is None:
            notice = _Usage(text)
        w = _Window(text, lo, hi, line_lo, line_hi, hits, notice)
        best = _search(w)
        if best is None:
            continue
        for r in _repairs_from(best, w):
            if r.start >= done_to:
                repairs.append(r)
                done_to = r.end
    return repairs


def farm_decode(data: bytes) -> str:
    """Decode GBK the way the damaged pages were decoded (measured on seed 001):
    the damage model the tests and benchmarks/mojibake_synthetic.py rely on.

    Pairs in GB18030's private-use area vanish, full-width ASCII comes out as
    ASCII, and a lead byte before an invalid second byte is one ``?`` that
    swallows that byte.
    """
    out, i = [], 0
    while i < len(data):
        x = data[i]
        if x < 0x80:
            out.append(chr(x))
            i += 1
            continue
        if i + 1 >= len(data):
            out.append("?")
            break
        try:
            ch = data[i:i + 2].decode("gb18030")
        except UnicodeDecodeError:
            out.append("?")
            i += 2
            continue
        i += 2
        if "\ue000" <= ch <= "\uf8ff":
            continue
        if "\uff01" <= ch <= "\uff5e":
            ch = chr(ord(ch) - 0xFEE0)
        out.append(ch)
    return "".join(out)
