"""Windows stay out of fullscreen (where the host's label would vanish): set_fullscreen is
dropped on every toplevel, found through xdg_wm_base and xdg_surface; the rest passes."""

from __future__ import annotations

import pytest

from saltext.bulkhead.gui.wayland_filter.stream import Stream
from saltext.bulkhead.gui.wayland_filter.wire import Violation, build, string, u32

from .messages import MARKER, bind, get_registry, global_

WM_BASE, XDG_SURFACE, TOPLEVEL, SURFACE = 5, 6, 7, 4


def toplevel() -> Stream:
    stream = Stream(MARKER)
    stream.requests(get_registry())
    stream.events(global_(10, "xdg_wm_base", 2))
    stream.requests(bind(10, "xdg_wm_base", 2, WM_BASE))
    stream.requests(build(WM_BASE, 2, u32(XDG_SURFACE) + u32(SURFACE)))  # get_xdg_surface
    stream.requests(build(XDG_SURFACE, 1, u32(TOPLEVEL)))  # get_toplevel
    return stream


def test_set_fullscreen_is_dropped_and_other_toplevel_requests_pass():
    stream = toplevel()
    assert stream.requests(build(TOPLEVEL, 11, u32(0))) == b""
    title = build(TOPLEVEL, 2, string("[personal] bank"))
    assert stream.requests(title) == title
    assert stream.requests(build(TOPLEVEL, 12, b"")) == build(TOPLEVEL, 12, b"")


def test_a_destroyed_toplevel_is_forgotten_and_a_new_one_is_tracked():
    stream = toplevel()
    stream.requests(build(TOPLEVEL, 0, b""))
    assert stream.requests(build(TOPLEVEL, 11, u32(0))) == build(TOPLEVEL, 11, u32(0))  # not ours
    stream.requests(build(XDG_SURFACE, 1, u32(TOPLEVEL)))
    assert stream.requests(build(TOPLEVEL, 11, u32(0))) == b""


def test_an_unknown_request_or_a_reused_id_closes():
    with pytest.raises(Violation):
        toplevel().requests(build(TOPLEVEL, 14, b""))
    with pytest.raises(Violation):
        toplevel().requests(build(XDG_SURFACE, 1, u32(WM_BASE)))
