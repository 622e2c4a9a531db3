"""Encoding detection: golden byte files in tests/golden/decode/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from policykb.ingest.decode import DecodeError, decode

GOLDEN = Path(__file__).parent / "golden" / "decode"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_file_decodes_as_expected(name):
    data, want = (GOLDEN / name).read_bytes(), EXPECTED[name]
    if "error" in want:
        with pytest.raises(DecodeError) as info:
            decode(data)
        assert str(info.value).startswith(want["error"])
    else:
        decoded = decode(data)
        assert decoded.encoding == want["encoding"]
        assert "\ufffd" not in decoded.text


@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_raise_decode_error(data):
    try:
        decode(data)
    except DecodeError as e:
        assert "\n" not in str(e)
