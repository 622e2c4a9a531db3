"""Composing cleaning edits so every change stays traceable to the raw text.

Each cleaning stage proposes edits on the text as the previous stage left it.
``EditLog`` maps them back onto raw-text positions, so the final list of
``Edit`` records, replayed on ``raw_text``, gives exactly the body.  Where a
later stage touches text an earlier one produced, the two merge into one edit
whose kind names both (``mojibake+convert``): the record says what happened
without pretending the steps were separable.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from policykb.records import Edit

Proposal = tuple[int, int, str]  # (start, end, replacement) in the current text


@dataclass
class _Segment:
    raw_start: int
    raw_end: int
    text: str
    kind: str | None  # None: kept verbatim from the raw text
    note: str | None = None


class EditError(ValueError):
    """A stage proposed edits that overlap or fall outside the text."""


def _merge_labels(*labels: str | None) -> str | None:
    seen: list[str] = []
    for label in labels:
        for part in (label or "").split("+"):
            if part and part not in seen:
                seen.append(part)
    return "+".join(seen) or None


class EditLog:
    """The raw text, the current text, and the edits between them.

    >>> log = EditLog("發展(fā)")
    >>> log.apply([(2, 6, "")], "pinyin")
    >>> log.apply([(0, 1, "发")], "convert")
    >>> log.text, [(e.kind, e.original, e.replacement) for e in log.edits()]
    ('发展', [('convert', '發', '发'), ('pinyin', '(fā)', '')])
    """

    def __init__(self, raw: str):
        self.raw = raw
        self._segments = [_Segment(0, len(raw), raw, None)] if raw else []

    @property
    def text(self) -> str:
        return "".join(s.text for s in self._segments)

    def apply(self, proposals: Iterable[Proposal], kind: str, note: str | None = None) -> None:
        """Apply edits given in current-text coordinates (sorted, non-overlapping)."""
        proposals = [p for p in proposals if p[0] != p[1] or p[2]]
        if not proposals:
            return
        segments = self._segments
        starts, pos = [], 0
        for seg in segments:
            starts.append(pos)
            pos += len(seg.text)
        total, last_end = pos, -1
        for start, end, _ in proposals:
            if not (0 <= start <= end <= total) or start < last_end:
                raise EditError(f"edit ({start}, {end}) overlaps or is outside a text of {total} characters")
            last_end = end
        proposals = self._widen(proposals, starts)
        out: list[_Segment] = []
        i = 0  # next segment not yet emitted
        cut = 0  # how much of segments[i] (a kept one) was already emitted
        for start, end, replacement in proposals:
            # Emit what lies wholly before the edit (an insertion goes before
            # a segment that starts where it does).
            while i < len(segments) and starts[i] + len(segments[i].text) <= start and not (
                    starts[i] == start == end and segments[i].text):
                self._emit_rest(out, segments[i], cut)
                i, cut = i + 1, 0
            if i < len(segments) and segments[i].kind is None and starts[i] + cut < start:
                self._emit_slice(out, segments[i], cut, start - starts[i])
                cut = start - starts[i]
            raw_start = raw_end = None
            kinds: list[str | None] = []
            notes: list[str | None] = []
            while i < len(segments) and starts[i] + cut < end:
                seg = segments[i]
                if raw_start is None:
                    raw_start = seg.raw_start + cut
                if seg.kind is None:
                    hi = min(len(seg.text), end - starts[i])
                    raw_end = seg.raw_start + hi
                    if hi < len(seg.text):
                        cut = hi
                        break
                else:  # widened edits always cover a replaced segment whole
                    raw_end = seg.raw_end
                    kinds.append(seg.kind)
                    notes.append(seg.note)
                i, cut = i + 1, 0
            if raw_start is None:  # a pure insertion
                raw_start = segments[i].raw_start + cut if i < len(segments) else len(self.raw)
            if raw_end is None:
                raw_end = raw_start
            out.append(_Segment(raw_start, raw_end, replacement,
                                _merge_labels(*kinds, kind), _merge_labels(*notes, note)))
        while i < len(segments):
            self._emit_rest(out, segments[i], cut)
            i, cut = i + 1, 0
        self._segments = out

    def delete_raw(self, spans: Iterable[tuple[int, int, str]]) -> None:
        """Delete raw-text spans ``(start, end, kind)``, sorted and disjoint,
        from a log no edit has touched yet: the segments ``apply`` would
        leave after one call per span, made in one pass (page zoning deletes
        hundreds of lines of a long page, and each call walks every segment).

        >>> log = EditLog("ab\\ncd\\nef")
        >>> log.delete_raw([(0, 3, "boilerplate"), (6, 8, "spam")])
        >>> log.text, [(e.kind, e.original) for e in log.edits()]
        ('cd\\n', [('boilerplate', 'ab\\n'), ('spam', 'ef')])
        """
        if len(self._segments) > 1 or self._segments and self._segments[0].kind is not None:
            raise EditError("delete_raw needs a log no edit has touched yet")
        out: list[_Segment] = []
        pos = 0
        for start, end, kind in spans:
            if not (pos <= start < end <= len(self.raw)):
                raise EditError(f"span ({start}, {end}) overlaps or is outside a text of {len(self.raw)} characters")
            if start > pos:
                out.append(_Segment(pos, start, self.raw[pos:start], None))
            out.append(_Segment(start, end, "", _merge_labels(kind)))
            pos = end
        if pos < len(self.raw):
            out.append(_Segment(pos, len(self.raw), self.raw[pos:], None))
        self._segments = out

    def _widen(self, proposals: list[Proposal], starts: list[int]) -> list[Proposal]:
        """Stretch edits that cut into an earlier replacement to cover it whole,
        merging edits that then overlap, so a raw span is never split."""
        bounds: list[tuple[int, int]] = []
        for start, end, _ in proposals:
            lo, hi = start, end
            for p, is_start in ((start, True), (end, False)):
                k = bisect_right(starts, p) - 1
                if k < 0:
                    continue
                seg = self._segments[k]
                seg_end = starts[k] + len(seg.text)
                if seg.kind is not None and starts[k] < p < seg_end or (
                        seg.kind is not None and start == end and starts[k] < p < seg_end):
                    if is_start:
                        lo = min(lo, starts[k])
                    else:
                        hi = max(hi, seg_end)
            bounds.append((lo, hi))
        if all(b == (p[0], p[1]) for b, p in zip(bounds, proposals)):
            return proposals
        text = self.text
        merged: list[Proposal] = []
        group: list[Proposal] = []
        g_lo = g_hi = 0
        for (lo, hi), prop in zip(bounds, proposals):
            if group and lo < g_hi:
                group.append(prop)
                g_hi = max(g_hi, hi)
                continue
            if group:
                merged.append(_compose(text, g_lo, g_hi, group))
            group, g_lo, g_hi = [prop], lo, hi
        merged.append(_compose(text, g_lo, g_hi, group))
        return merged

    @staticmethod
    def _emit_slice(out: list[_Segment], seg: _Segment, lo: int, hi: int) -> None:
        if hi > lo:
            out.append(_Segment(seg.raw_start + lo, seg.raw_start + hi, seg.text[lo:hi], None))

    def _emit_rest(self, out: list[_Segment], seg: _Segment, cut: int) -> None:
        if seg.kind is None:
            self._emit_slice(out, seg, cut, len(seg.text))
        else:
            out.append(seg)

    def edits(self) -> list[Edit]:
        """The changes between raw text and current text, in raw order."""
        return [Edit(s.kind, s.raw_start, s.raw_end, self.raw[s.raw_start:s.raw_end], s.text, s.note)
                for s in self._segments if s.kind is not None]


def _compose(text: str, lo: int, hi: int, group: list[Proposal]) -> Proposal:
    parts, pos = [], lo
    for start, end, replacement in group:
        parts += [text[pos:start], replacement]
        pos = end
    parts.append(text[pos:hi])
    return (lo, hi, "".join(parts))


def apply_proposals(text: str, proposals: Iterable[Proposal]) -> str:
    """``text`` with sorted, non-overlapping (start, end, replacement) edits applied.

    >>> apply_proposals("要左右一哄而起", [(1, 3, "避免")])
    '要避免一哄而起'
    """
    return _compose(text, 0, len(text), list(proposals))[2]


def replay(raw: str, edits: Iterable[Edit]) -> str:
    """Rebuild the body from the raw text and its edits.

    >>> replay("ab", [Edit("x", 0, 1, "a", "A")])
    'Ab'
    """
    parts, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos or raw[e.start:e.end] != e.original:
            raise EditError(f"edit at {e.start} does not match the raw text")
        parts.append(raw[pos:e.start])
        parts.append(e.replacement)
        pos = e.end
    parts.append(raw[pos:])
    return "".join(parts)


def code_points(text: str) -> np.ndarray:
    """The characters of ``text`` as an array of code points (lone surrogates
    included), for comparing long strings position by position in C."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def runs_of_changes(before: str, after: str) -> list[Proposal]:
    """Edits turning ``before`` into ``after`` when both have the same length,
    one per run of changed characters (a character-for-character conversion).

    >>> runs_of_changes("發展中國", "发展中国")
    [(0, 1, '发'), (3, 4, '国')]
    """
    assert len(before) == len(after)
    if before == after:
        return []
    # A character loop here cost a quarter of cleaning on long laws.
    changed = (code_points(before) != code_points(after)).view(np.int8)
    steps = np.diff(changed, prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(steps == 1).tolist(), np.flatnonzero(steps == -1).tolist()
    return [(i, j, after[i:j]) for i, j in zip(starts, ends)]


__all__ = ["EditLog", "EditError", "Proposal", "apply_proposals", "replay", "runs_of_changes"]
