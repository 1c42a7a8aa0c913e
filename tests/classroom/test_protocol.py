"""The class protocol: any bytes either decode to a typed message or raise ProtocolError."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marl_tui.classroom.protocol import (
    STUDENT_TYPES,
    ProtocolError,
    TokenBucket,
    decode,
    encode,
)


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_are_refused_cleanly(data):
    try:
        message = decode(data, STUDENT_TYPES)
    except ProtocolError:
        return
    assert isinstance(message, dict) and message["type"] in STUDENT_TYPES


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=20), max_size=4))
def test_messages_round_trip_as_one_ascii_line(fields):
    message = {**fields, "type": "hello"}
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1 and line.isascii()
    assert decode(line) == json.loads(line)


def test_nan_is_never_sent():
    with pytest.raises(ValueError):
        encode({"type": "state", "total": float("nan")})


def test_the_bucket_allows_a_burst_then_refuses():
    bucket = TokenBucket(rate=0.001, burst=5)
    assert [bucket.take() for _ in range(7)] == [True] * 5 + [False] * 2
