"""The framing: round trips however the bytes are split, and strict refusal of anything else."""

from __future__ import annotations

import socket
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.rpcwire.frames import (
    HEADER,
    LIMITS,
    MAX_DATA,
    Decoder,
    Frame,
    FrameError,
    FrameReader,
    Kind,
    data_frames,
    encode,
)

frames = st.one_of(
    st.builds(Frame, st.just(Kind.DATA), st.binary(min_size=1, max_size=300)),
    st.builds(Frame, st.just(Kind.EOF), st.just(b"")),
    st.builds(Frame, st.sampled_from([Kind.HELLO, Kind.CALL, Kind.RESULT, Kind.EXEC, Kind.EXIT]),
              st.binary(max_size=100)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(frames, max_size=12), st.data())
def test_any_split_of_a_stream_decodes_to_the_same_frames(sent, data):
    stream = b"".join(encode(f.kind, f.payload) for f in sent)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    decoder, got, start = Decoder(), [], 0
    for cut in [*cuts, len(stream)]:
        got += decoder.feed(stream[start:cut])
        start = cut
    assert got == sent
    assert decoder.pending == 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_frames_within_limits_or_frame_error(blob):
    decoder = Decoder()
    try:
        for frame in decoder.feed(blob):
            assert len(frame.payload) <= LIMITS[frame.kind]
            assert frame.kind is not Kind.DATA or frame.payload
    except FrameError:
        return
    assert decoder.pending <= HEADER.size + max(LIMITS.values())


@pytest.mark.parametrize(("raw", "message"), [
    (b"Q\x00\x00\x00\x00", "unknown frame kind"),
    (struct.pack(">cI", b"D", MAX_DATA + 1), "limit"),
    (struct.pack(">cI", b"C", 4097), "limit"),
    (struct.pack(">cI", b"E", 1), "limit"),
    (struct.pack(">cI", b"D", 0), "empty DATA"),
    (struct.pack(">cI", b"D", 2**32 - 1), "limit"),
])
def test_bad_headers_are_refused_before_any_payload(raw, message):
    with pytest.raises(FrameError, match=message):
        Decoder().feed(raw)


def test_encode_refuses_what_the_decoder_would():
    with pytest.raises(ValueError):
        encode(Kind.DATA, b"")
    with pytest.raises(ValueError):
        encode(Kind.DATA, b"x" * (MAX_DATA + 1))
    with pytest.raises(ValueError):
        encode(Kind.EOF, b"x")


def test_data_frames_split_large_data():
    blob = bytes(range(256)) * 1000
    out = Decoder().feed(b"".join(data_frames(blob)))
    assert b"".join(f.payload for f in out) == blob
    assert all(len(f.payload) <= MAX_DATA for f in out)
    assert data_frames(b"") == []


def test_reader_reports_a_close_mid_frame():
    left, right = socket.socketpair()
    with left, right:
        left.sendall(encode(Kind.EOF) + encode(Kind.DATA, b"abc")[:6])
        left.shutdown(socket.SHUT_WR)
        reader = FrameReader(right)
        assert reader.next() == Frame(Kind.EOF)
        with pytest.raises(FrameError, match="middle of a frame"):
            reader.next()


def test_reader_returns_none_on_a_clean_close():
    left, right = socket.socketpair()
    with left, right:
        left.sendall(encode(Kind.DATA, b"x"))
        left.close()
        reader = FrameReader(right.fileno())
        assert reader.next() == Frame(Kind.DATA, b"x")
        assert reader.next() is None
