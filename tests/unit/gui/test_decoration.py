"""Decorations stay the host's: every set_mode becomes server_side."""

from __future__ import annotations

import pytest

from saltext.bulkhead.gui.wayland_filter.stream import Stream
from saltext.bulkhead.gui.wayland_filter.wire import Violation, build, u32

from .messages import MARKER, bind, get_registry, global_

MANAGER, DECORATION, TOPLEVEL = 5, 6, 40


def decorated() -> Stream:
    stream = Stream(MARKER)
    stream.requests(get_registry())
    stream.events(global_(13, "zxdg_decoration_manager_v1", 1))
    stream.requests(bind(13, "zxdg_decoration_manager_v1", 1, MANAGER))
    stream.requests(build(MANAGER, 1, u32(DECORATION) + u32(TOPLEVEL)))
    return stream


@pytest.mark.parametrize("mode", [1, 2, 7])
def test_set_mode_is_always_server_side(mode):
    assert decorated().requests(build(DECORATION, 1, u32(mode))) == build(DECORATION, 1, u32(2))


def test_unset_mode_and_destroy_pass_and_a_destroyed_decoration_is_forgotten():
    stream = decorated()
    assert stream.requests(build(DECORATION, 2, b"")) == build(DECORATION, 2, b"")
    assert stream.requests(build(DECORATION, 0, b"")) == build(DECORATION, 0, b"")
    # The id is free again: what the client makes of it is no longer rewritten.
    assert stream.requests(build(DECORATION, 1, u32(1))) == build(DECORATION, 1, u32(1))


def test_a_decoration_message_that_does_not_parse_closes():
    with pytest.raises(Violation):
        decorated().requests(build(DECORATION, 1, b""))
    with pytest.raises(Violation):
        decorated().requests(build(DECORATION, 5, b""))
