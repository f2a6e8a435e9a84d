"""What ``bulkhead clipboard copy`` asks of a domain: the filter knows which of the connection's
sources is its live selection and whether it offers text/plain;charset=utf-8, and the event it
injects is wl_data_source.send(that type) to that source (the fd travels beside the bytes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.gui.wayland_filter.clipboard import TEXT
from saltext.bulkhead.gui.wayland_filter.wire import Violation, build, string, u32

from .messages import parse
from .test_clipboard import MANAGER, SOURCE, clipboard_stream

DEVICE = 7


def create(source: int = SOURCE) -> bytes:
    return build(MANAGER, 0, u32(source))


def offer(mime_type: str, source: int = SOURCE) -> bytes:
    return build(source, 0, string(mime_type))


def set_selection(source: int) -> bytes:
    return build(DEVICE, 1, u32(source) + u32(42))


def test_the_injected_event_asks_the_selected_source_for_text():
    stream = clipboard_stream()
    stream.requests(create() + offer("text/plain") + offer(TEXT) + set_selection(SOURCE))
    assert stream.clipboard.text_selection() == SOURCE
    event = stream.clipboard.send_text()
    assert event == build(SOURCE, 1, string(TEXT))
    (message,) = parse(event)
    assert (message.object_id, message.opcode) == (SOURCE, 1)  # wl_data_source.send


@pytest.mark.parametrize("after", [
    build(SOURCE, 1, b""),  # the client destroyed the source
    set_selection(0),  # it cleared the selection
])
def test_a_destroyed_or_unselected_source_is_not_asked(after):
    stream = clipboard_stream()
    stream.requests(create() + offer(TEXT) + set_selection(SOURCE) + after)
    assert stream.clipboard.text_selection() is None
    with pytest.raises(ValueError):
        stream.clipboard.send_text()


def test_a_cancelled_source_is_not_asked_and_the_event_still_reaches_the_client():
    stream = clipboard_stream()
    stream.requests(create() + offer(TEXT) + set_selection(SOURCE))
    cancelled = build(SOURCE, 2, b"")
    assert stream.events(cancelled) == cancelled
    assert stream.clipboard.text_selection() is None


def test_a_source_without_utf8_text_is_not_asked():
    stream = clipboard_stream()
    stream.requests(create() + offer("text/plain") + offer("image/png") + set_selection(SOURCE))
    assert stream.clipboard.text_selection() is None


def test_an_unknown_source_request_closes():
    stream = clipboard_stream()
    stream.requests(create())
    with pytest.raises(Violation):
        stream.requests(build(SOURCE, 3, b""))


ops = st.lists(st.tuples(st.sampled_from(["create", "text", "other", "select", "clear",
                                          "destroy", "cancel"]),
                         st.integers(min_value=10, max_value=13)), max_size=40)


@given(ops)
def test_only_the_last_selected_live_text_source_is_ever_asked(steps):
    stream, live, texts, selected = clipboard_stream(), set(), set(), None
    for op, source in steps:
        if op == "create" and source not in live:
            stream.requests(create(source))
            live.add(source)
        elif op in ("text", "other") and source in live:
            stream.requests(offer(TEXT if op == "text" else "text/html", source))
            texts |= {source} if op == "text" else set()
        elif op == "select" and source in live:
            stream.requests(set_selection(source))
            selected = source
        elif op == "clear":
            stream.requests(set_selection(0))
            selected = None
        elif op == "destroy" and source in live:
            stream.requests(build(source, 1, b""))
            live.discard(source)
            texts.discard(source)
            selected = None if selected == source else selected
        elif op == "cancel" and source in live:
            stream.events(build(source, 2, b""))
            selected = None if selected == source else selected
        expected = selected if selected in texts else None
        assert stream.clipboard.text_selection() == expected
