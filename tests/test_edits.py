"""The edit log: whatever the stages do, the edits replay to the body."""

import pytest
from hypothesis import given, settings, strategies as st

from tests.helpers import apply_proposals
from policykb.ingest.edits import EditError, EditLog, replay, runs_of_changes


@st.composite
def stage(draw, text_len):
    """Sorted, non-overlapping proposals on a text of the given length."""
    cuts = sorted(draw(st.lists(st.integers(0, text_len), max_size=8)))
    proposals, last = [], 0
    for a, b in zip(cuts[::2], cuts[1::2]):
        if a < last:
            continue
        proposals.append((a, b, draw(st.text(alphabet="xyz發", max_size=3))))
        last = b
    return proposals




@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab發展\n", max_size=30), st.data())
def test_edits_replay_to_current_text_after_any_stages(raw, data):
    log, expected = EditLog(raw), raw
    for kind in ("one", "two", "three"):
        proposals = data.draw(stage(len(expected)))
        expected = apply_proposals(expected, proposals)
        log.apply(proposals, kind)
        assert log.text == expected
    edits = log.edits()
    assert replay(raw, edits) == expected
    assert all(raw[e.start:e.end] == e.original for e in edits)


def test_later_stage_over_earlier_edit_merges_kinds():
    log = EditLog("?。ㄒ唬")
    log.apply([(0, 4, "（一）")], "mojibake")
    log.apply([(0, 1, "(")], "convert")
    [edit] = log.edits()
    assert (edit.kind, edit.original, edit.replacement) == ("mojibake+convert", "?。ㄒ唬", "(一）")


def test_overlapping_proposals_are_refused():
    with pytest.raises(EditError):
        EditLog("abcdef").apply([(0, 3, ""), (2, 4, "")], "x")


def test_runs_of_changes_groups_adjacent_characters():
    assert runs_of_changes("發展中國", "发展中国") == [(0, 1, "发"), (3, 4, "国")]
