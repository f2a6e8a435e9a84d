"""The clipboard control protocol (``bulkhead clipboard`` <-> a domain's filter): what parses,
what waits for more, and that anything else is a ControlError, on arbitrary bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.gui.wayland_filter import control_wire as wire

texts = st.text(max_size=200).map(str.encode)


@given(texts)
def test_a_paste_request_and_an_ok_reply_round_trip_and_wait_for_their_last_byte(text):
    request, reply = wire.paste(text), wire.ok(text)
    assert wire.parse_request(request) == ("paste", text)
    assert wire.parse_reply(reply) == (True, text)
    for cut in range(len(request)):
        assert wire.parse_request(request[:cut]) is None
    for cut in range(len(reply)):
        assert wire.parse_reply(reply[:cut]) is None


def test_copy_is_one_line():
    assert wire.parse_request(b"copy\n") == ("copy", b"")
    assert wire.parse_request(b"cop") is None
    with pytest.raises(wire.ControlError):
        wire.parse_request(b"copy now\n")


@given(st.text())
def test_every_error_reason_becomes_one_printable_line(reason):
    done, said = wire.parse_reply(wire.error(reason))
    assert not done and said and all(32 <= b < 127 for b in said)


@pytest.mark.parametrize("data", [
    b"paste 65537\n", b"paste 01\nx", b"paste -1\n", b"paste 1\nxy", b"paste 2\n\xff\xfe",
    b"ok 1\n\x80", b"PASTE 1\nx", b"paste  1\nx", b"x" * 200, b"paste 1 \nx"])
def test_over_the_bound_not_utf8_or_malformed_is_refused(data):
    with pytest.raises(wire.ControlError):
        if data.startswith(b"ok"):
            wire.parse_reply(data)
        else:
            wire.parse_request(data)


def test_the_largest_text_passes_and_one_byte_more_does_not():
    assert wire.parse_request(wire.paste(b"a" * wire.MAX_TEXT)) == ("paste", b"a" * wire.MAX_TEXT)
    with pytest.raises(wire.ControlError):
        wire.parse_request(wire.paste(b"a" * (wire.MAX_TEXT + 1)))


@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_wait_or_are_refused(data):
    for parse in (wire.parse_request, wire.parse_reply):
        try:
            got = parse(data)
        except wire.ControlError:
            continue
        assert got is None or got in (("copy", b""),) or (
            len(got) == 2 and isinstance(got[1], bytes) and len(got[1]) <= wire.MAX_TEXT)
        if got is not None and got[0] in ("paste", True):
            got[1].decode("utf-8")  # only UTF-8 text ever comes out
