"""The clipboard rules: an offer reaches a domain's window only if it comes from one of the
domain's own sources (its marker is among the MIME types); a drag likewise; anything else becomes
a null offer, the offer is destroyed at the compositor, and a request to it closes the
connection."""

from __future__ import annotations

import pytest

from saltext.bulkhead.gui.wayland_filter.stream import Stream
from saltext.bulkhead.gui.wayland_filter.wire import Violation, build, string, u32

from .messages import (
    MARKER,
    OFFER,
    bind,
    data_offer,
    enter,
    get_registry,
    global_,
    mime,
    parse,
    selection,
)

MANAGER, SOURCE, DEVICE, SEAT = 5, 6, 7, 8


def clipboard_stream() -> Stream:
    stream = Stream(MARKER)
    stream.requests(get_registry())
    stream.events(global_(3, "wl_data_device_manager", 3) + global_(4, "wl_seat", 7))
    stream.requests(bind(3, "wl_data_device_manager", 3, MANAGER))
    stream.requests(build(MANAGER, 1, u32(DEVICE) + u32(SEAT)))  # get_data_device
    return stream


def test_each_source_of_the_domain_carries_its_marker():
    stream = clipboard_stream()
    create = build(MANAGER, 0, u32(SOURCE))
    out = parse(stream.requests(create))
    assert [m.raw for m in out] == [create, build(SOURCE, 0, string(MARKER))]


@pytest.mark.parametrize("ends_with", [selection, enter])
def test_an_offer_of_the_domains_own_source_passes_without_the_marker(ends_with):
    stream = clipboard_stream()
    held = data_offer(DEVICE) + mime(OFFER, "text/plain") + mime(OFFER, MARKER)
    assert stream.events(held) == b""
    out = stream.events(ends_with(DEVICE, OFFER))
    assert out == data_offer(DEVICE) + mime(OFFER, "text/plain") + ends_with(DEVICE, OFFER)
    assert stream.take_upstream() == b""


@pytest.mark.parametrize("ends_with", [selection, enter])
def test_an_offer_of_another_domain_becomes_null_and_is_destroyed(ends_with):
    stream = clipboard_stream()
    stream.events(data_offer(DEVICE) + mime(OFFER, "text/plain")
                  + mime(OFFER, "application/x-bulkhead-someone-else"))
    assert stream.events(ends_with(DEVICE, OFFER)) == ends_with(DEVICE, 0)
    assert stream.take_upstream() == build(OFFER, 2, b"")  # wl_data_offer.destroy
    assert stream.events(mime(OFFER, "late")) == b""  # its late events are dropped
    with pytest.raises(Violation):  # and the client may not use it by guessing its id
        stream.requests(build(OFFER, 1, string("text/plain")))


def test_a_request_to_a_held_offer_closes():
    stream = clipboard_stream()
    stream.events(data_offer(DEVICE))
    with pytest.raises(Violation):
        stream.requests(build(OFFER, 1, string("text/plain")))


def test_a_selection_naming_an_offer_never_introduced_becomes_null():
    stream = clipboard_stream()
    assert stream.events(selection(DEVICE, 0xFF000009)) == selection(DEVICE, 0)


def test_a_null_selection_passes():
    assert clipboard_stream().events(selection(DEVICE, 0)) == selection(DEVICE, 0)


def test_a_data_offer_with_a_client_id_or_too_many_pending_closes():
    with pytest.raises(Violation):
        clipboard_stream().events(data_offer(DEVICE, 12))
    stream = clipboard_stream()
    with pytest.raises(Violation):
        stream.events(b"".join(data_offer(DEVICE, OFFER + i) for i in range(9)))


def test_an_unknown_request_to_the_manager_closes():
    with pytest.raises(Violation):
        clipboard_stream().requests(build(MANAGER, 2, b""))


def test_a_released_device_is_forgotten():
    stream = clipboard_stream()
    stream.requests(build(DEVICE, 2, b""))
    assert stream.events(selection(DEVICE, OFFER)) == selection(DEVICE, OFFER)  # not tracked
