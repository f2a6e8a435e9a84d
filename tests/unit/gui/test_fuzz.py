"""Hypothesis on the filter's state machine: arbitrary bytes and arbitrary message sequences,
either direction, split anywhere. It never raises anything but ``Violation`` (the defined close),
never forwards a global off the allowlist nor lets a bind of one through, and never lets an
offer through that does not carry the domain's marker."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.gui.wayland_filter.allowlist import ALLOWED
from saltext.bulkhead.gui.wayland_filter.stream import Stream
from saltext.bulkhead.gui.wayland_filter.wire import Violation, build, string, u32

from .messages import (
    MARKER,
    REGISTRY,
    bind,
    data_offer,
    enter,
    get_registry,
    global_,
    global_remove,
    globals_in,
    mime,
    parse,
    selection,
)
from .test_globals import PRIVILEGED

DEVICE = 7
interfaces = st.sampled_from(sorted(ALLOWED) + PRIVILEGED) | st.text(max_size=12)
names = st.integers(1, 12)
offers = st.integers(0xFF000000, 0xFF000004)


def feed(stream: Stream, data: bytes, cuts: list[int], events: bool) -> bytes:
    """Feed ``data`` in pieces cut at ``cuts``; what the filter forwards."""
    out, last = b"", 0
    for cut in sorted(c % (len(data) + 1) for c in cuts) + [len(data)]:
        out += (stream.events if events else stream.requests)(data[last:cut])
        last = cut
    return out


@settings(max_examples=400)
@given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=5), st.booleans())
def test_any_bytes_either_way_only_ever_close(data, cuts, events):
    stream = Stream(MARKER)
    stream.requests(get_registry())
    with contextlib.suppress(Violation):
        feed(stream, data, cuts, events)


registry_events = st.one_of(
    st.builds(global_, names, interfaces, st.integers(1, 9)),
    st.builds(global_remove, names),
    st.binary(max_size=40),  # and garbage between them
)
binds = st.builds(lambda n, i, v, new: bind(n, i, v, new), names, interfaces, st.integers(0, 9),
                  st.integers(3, 50))


@settings(max_examples=400)
@given(st.lists(st.tuples(st.booleans(), registry_events | binds), max_size=30),
       st.lists(st.integers(0, 2000), max_size=4))
def test_no_hidden_global_is_ever_offered_or_bound(sequence, cuts):
    stream, offered = Stream(MARKER), {}
    stream.requests(get_registry())
    try:
        for is_event, message in sequence:
            out = feed(stream, message, cuts, is_event)
            if is_event:
                for name, interface, version in globals_in(out):
                    assert interface in ALLOWED and version <= ALLOWED[interface]
                    offered[name] = (interface, version)
                for m in parse(out):
                    if m.object_id == REGISTRY and m.opcode == 1:
                        offered.pop(int.from_bytes(m.body, "little"), None)
            for m in parse(out) if not is_event else []:
                if m.object_id == REGISTRY:  # a bind that got through names what was offered
                    name = int.from_bytes(m.body[:4], "little")
                    assert name in offered and offered[name][0] in ALLOWED
    except Violation:
        pass


clipboard_events = st.one_of(
    st.builds(data_offer, st.just(DEVICE), offers),
    st.builds(mime, offers, st.sampled_from([MARKER, "text/plain", "application/x-bulkhead-x"])),
    st.builds(selection, st.just(DEVICE), offers | st.just(0)),
    st.builds(enter, st.just(DEVICE), offers | st.just(0)),
    st.builds(lambda o: build(o, 1, u32(1)), offers),  # other offer events
)


@settings(max_examples=400)
@given(st.lists(clipboard_events, max_size=40))
def test_only_offers_carrying_the_marker_are_ever_named_to_the_client(sequence):
    stream = Stream(MARKER)
    stream.requests(get_registry())
    stream.events(global_(3, "wl_data_device_manager", 3))
    stream.requests(bind(3, "wl_data_device_manager", 3, 5) + build(5, 1, u32(DEVICE) + u32(8)))
    marked: set[int] = set()
    try:
        for event in sequence:
            m = parse(event)[0]
            if m.object_id == DEVICE and m.opcode == 0:
                marked.discard(int.from_bytes(m.body, "little"))  # a new offer, this id
            if m.object_id != DEVICE and m.opcode == 0 and m.body == string(MARKER):
                marked.add(m.object_id)
            out = stream.events(event)
            for f in parse(out):
                if f.object_id == DEVICE and f.opcode in (1, 5):
                    named = int.from_bytes(f.body[-4:], "little")
                    assert named == 0 or named in marked
    except Violation:
        pass
