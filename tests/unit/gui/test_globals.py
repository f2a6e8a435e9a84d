"""The filter's rules on globals: only the allowlist is offered, a bind of anything else (or of
an offered global at a higher version, or under another interface) closes the connection."""

from __future__ import annotations

import pytest

from saltext.bulkhead.gui.wayland_filter.allowlist import ALLOWED
from saltext.bulkhead.gui.wayland_filter.stream import Stream
from saltext.bulkhead.gui.wayland_filter.wire import Violation, build, u32

from .messages import MARKER, bind, get_registry, global_, global_remove, globals_in

PRIVILEGED = [
    "zwlr_screencopy_manager_v1",
    "zwlr_export_dmabuf_manager_v1",
    "zwp_virtual_keyboard_manager_v1",
    "zwlr_virtual_pointer_manager_v1",
    "zwlr_data_control_manager_v1",
    "zwlr_layer_shell_v1",
    "zwlr_input_inhibit_manager_v1",
    "zwlr_foreign_toplevel_manager_v1",
    "zwlr_gamma_control_manager_v1",
    "zwlr_output_manager_v1",
    "org_kde_kwin_idle",
    "ext_session_lock_manager_v1",
    "zwp_primary_selection_device_manager_v1",
    "zwp_linux_dmabuf_v1",
]


def registry_stream() -> Stream:
    stream = Stream(MARKER)
    assert stream.requests(get_registry()) == get_registry()
    return stream


def test_privileged_globals_are_hidden_and_allowed_ones_capped():
    stream = registry_stream()
    events = [global_(n, i, 3) for n, i in enumerate(PRIVILEGED, 1)]
    events += [global_(100, "wl_compositor", 6), global_(101, "wl_seat", 7)]
    out = stream.events(b"".join(events))
    assert globals_in(out) == [
        (100, "wl_compositor", ALLOWED["wl_compositor"]),
        (101, "wl_seat", 7),
    ]


def test_global_remove_of_a_hidden_global_is_dropped_and_of_an_offered_one_passes():
    stream = registry_stream()
    stream.events(global_(1, "zwlr_screencopy_manager_v1", 3) + global_(2, "wl_output", 4))
    assert stream.events(global_remove(1)) == b""
    assert stream.events(global_remove(2)) == global_remove(2)


@pytest.mark.parametrize("request_", [
    bind(1, "zwlr_screencopy_manager_v1", 3, 5),  # hidden global, by its real name
    bind(2, "wl_compositor", 5, 5),  # above the version offered
    bind(2, "wl_shm", 1, 5),  # offered name, other interface
    bind(2, "wl_compositor", 0, 5),  # version 0
    bind(99, "wl_compositor", 1, 5),  # a name never announced
    bind(2, "wl_compositor", 1, 5, registry=3),  # through an object that is no registry: passes
])
def test_a_bind_of_anything_not_offered_closes_the_connection(request_):
    stream = registry_stream()
    stream.events(global_(1, "zwlr_screencopy_manager_v1", 3) + global_(2, "wl_compositor", 4))
    if int.from_bytes(request_[:4], "little") == 3:
        assert stream.requests(request_) == request_  # untracked object: byte for byte
        return
    with pytest.raises(Violation):
        stream.requests(request_)


def test_an_offered_global_binds_byte_for_byte():
    stream = registry_stream()
    stream.events(global_(2, "wl_compositor", 4))
    assert stream.requests(bind(2, "wl_compositor", 4, 5)) == bind(2, "wl_compositor", 4, 5)


def test_each_registry_checks_what_it_offered():
    stream = Stream(MARKER)
    stream.requests(get_registry(2) + get_registry(3))
    stream.events(global_(7, "wl_shm", 1, registry=2))
    with pytest.raises(Violation):
        stream.requests(bind(7, "wl_shm", 1, 9, registry=3))


@pytest.mark.parametrize("header", [
    build(1, 0, b"")[:4] + u32(4 << 16),  # size below the header
    u32(1) + u32(10 << 16) + b"\0\0\0\0",  # size not a multiple of 4
    u32(1) + u32(8192 << 16),  # over libwayland's message size
    u32(0) + u32(8 << 16),  # to object 0
])
def test_a_malformed_header_closes_either_direction(header):
    with pytest.raises(Violation):
        Stream(MARKER).requests(header)
    with pytest.raises(Violation):
        Stream(MARKER).events(header)


def test_a_message_split_anywhere_comes_out_whole_and_unchanged():
    data = get_registry() + build(7, 3, u32(1) + u32(2)) + build(8, 0, b"")
    stream, out = Stream(MARKER), b""
    for i in range(len(data)):
        out += stream.requests(data[i:i + 1])
    assert out == data


def test_a_reused_registry_id_closes():
    stream = registry_stream()
    with pytest.raises(Violation):
        stream.requests(get_registry())
