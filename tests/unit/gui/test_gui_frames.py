"""The relay's only parser of guest bytes: frames, however the channel cuts them, and a bound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.gui.frames import END, MAX_FRAME, FrameError, Frames, frame

chunks = st.lists(st.binary(min_size=0, max_size=300), max_size=12)


@given(chunks, st.lists(st.integers(1, 50), min_size=1, max_size=20))
def test_frames_come_back_whatever_the_cuts(payloads, cuts):
    stream = b"".join(frame(p) for p in payloads)
    frames, out, pos = Frames(), [], 0
    for i in range(len(stream) + 1):
        step = cuts[i % len(cuts)]
        out += frames.feed(stream[pos:pos + step])
        pos += step
        if pos >= len(stream):
            break
    assert out == [p if p else END for p in payloads]


@given(st.binary(max_size=64))
def test_too_long_a_frame_breaks_the_channel(rest):
    with pytest.raises(FrameError):
        Frames().feed((MAX_FRAME + 1).to_bytes(4, "big") + rest)


def test_a_frame_of_the_limit_passes():
    assert Frames().feed(frame(b"x" * MAX_FRAME)) == [b"x" * MAX_FRAME]
