"""A hostile domain's windows against the Wayland filter in front of a real headless sway: what
the compositor offers directly and what a domain sees through the filter, a bind of a capture
global by its real number, reading another domain's clipboard, flooding, too many connections.
A real application (foot, through waypipe) works through the filter."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import time

import pytest

from saltext.bulkhead.gui.wayland_filter.allowlist import ALLOWED
from saltext.bulkhead.gui.wayland_filter.wire import build, u32

from .wayland_client import Client

PRIVILEGED = ("zwlr_screencopy_manager_v1", "zwlr_export_dmabuf_manager_v1",
              "zwp_virtual_keyboard_manager_v1", "zwlr_virtual_pointer_manager_v1",
              "zwlr_data_control_manager_v1", "zwlr_layer_shell_v1",
              "zwlr_input_inhibit_manager_v1", "zwlr_foreign_toplevel_manager_v1",
              "zwlr_gamma_control_manager_v1", "zwlr_output_manager_v1",
              "zwp_primary_selection_device_manager_v1")


def interfaces(wayland_info: str) -> set[str]:
    return {line.split("'")[1] for line in wayland_info.splitlines()
            if line.startswith("interface: '")}


def test_wayland_info_lists_no_privileged_global_through_the_filter(sway, filters):
    direct = interfaces(sway.run(sway.socket, "wayland-info").stdout)
    filtered = interfaces(sway.run(filters("work").socket, "wayland-info").stdout)
    assert set(PRIVILEGED) <= direct  # this sway offers them all to an unfiltered client
    assert filtered and filtered <= set(ALLOWED)
    assert not filtered & set(PRIVILEGED)


@pytest.mark.parametrize("interface", ["zwlr_screencopy_manager_v1",
                                       "zwp_virtual_keyboard_manager_v1"])
def test_binding_a_hidden_global_by_its_real_number_is_disconnected(sway, filters, interface):
    real = Client(str(sway.socket))
    name, version = real.name_of(interface), real.globals[real.name_of(interface)][1]
    real.close()
    domain = Client(str(filters("work").socket))
    assert name not in domain.globals
    domain.bind(name, interface, version)
    assert domain.closed_by_peer()
    honest = Client(str(filters("work").socket))  # the filter still serves the others
    honest.bind(honest.name_of("wl_compositor"), "wl_compositor", 4)
    honest.roundtrip()


def test_a_selection_is_readable_in_its_own_domain_only(sway, filters):
    work, personal = filters("work"), filters("personal")
    copy = subprocess.Popen(["wl-copy", "--foreground", "work-secret"], env=sway.env(work.socket),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # wl-copy owns the selection once an unfiltered client can see it.
        for _ in range(600):
            if sway.run(sway.socket, "wl-paste", "--no-newline").stdout == "work-secret":
                break
            time.sleep(0.05)
        same = sway.run(work.socket, "wl-paste", "--no-newline")
        other = sway.run(personal.socket, "wl-paste", "--no-newline")
    finally:
        copy.terminate()
        copy.communicate(timeout=30)
    assert same.stdout == "work-secret"
    assert other.stdout == "" and other.returncode != 0, other.stderr


def test_a_domain_flooding_requests_and_never_reading_events_is_closed_at_the_bound(sway,
                                                                                     filters):
    work = filters("work")
    flood = Client(str(work.socket))
    flood.sock.setblocking(False)
    pending, sent, closed = b"", 0, False
    while not closed and sent < 64 << 20:  # far beyond every bound of the filter
        if not pending:  # 256 wl_display.sync, each answered by two events nobody reads
            pending = b"".join(build(1, 0, u32(flood.new_id())) for _ in range(256))
        select.select([], [flood.sock], [], 30)
        try:
            done = flood.sock.send(pending)
        except BlockingIOError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        else:
            pending, sent = pending[done:], sent + done
    flood.sock.setblocking(True)
    assert closed or flood.closed_by_peer()
    honest = Client(str(work.socket))  # the filter survived it and serves the next client
    honest.roundtrip()
    honest.close()
    # Closed at the filter's bound on events queued for the client, or (when the machine is so
    # loaded that the compositor outruns the filter's reads) by the compositor's own bound on its
    # socket to the filter: either way the flood ends, and the filter's memory never grows past
    # its bound (tests/unit/gui/test_relay.py::test_an_outbox_over_its_bounds_closes).
    log = work.stop()
    assert any(reason in log for reason in ("connection closed: peer does not read",
                                            "connection closed: upstream closed",
                                            "connection closed: [Errno 104]")), log


def test_connections_beyond_the_cap_are_closed_at_once(sway, filters):
    capped = filters("work", "--max-connections", "2")
    first, second = Client(str(capped.socket)), Client(str(capped.socket))
    with pytest.raises((ConnectionResetError, BrokenPipeError, OSError)):
        Client(str(capped.socket))
    first.roundtrip()
    second.roundtrip()
    assert "connection refused, 2 already open" in capped.stop()


@pytest.mark.skipif(not shutil.which("waypipe") or not shutil.which("foot"),
                    reason="waypipe or foot not installed")
def test_a_real_application_shows_its_window_through_waypipe_and_the_filter(sway, filters,
                                                                            tmp_path):
    work = filters("work")
    channel = tmp_path / "channel.sock"
    client = subprocess.Popen(["waypipe", "--no-gpu", "-s", str(channel), "client"],
                              env=sway.env(work.socket), stderr=subprocess.DEVNULL,
                              start_new_session=True)
    server = subprocess.Popen(["waypipe", "--no-gpu", "-s", str(channel), "server", "--",
                               "foot", "-T", "guest-title"],
                              env={**sway.env("unused"), "XDG_RUNTIME_DIR": str(tmp_path)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        swaysock = next(sway.runtime.glob("sway-ipc.*"))
        for _ in range(1200):
            tree = subprocess.run(["swaymsg", "-s", str(swaysock), "-t", "get_tree"],
                                  capture_output=True, text=True, check=False).stdout
            if '"guest-title"' in tree:
                break
            time.sleep(0.05)
    finally:
        for process in (server, client):  # waypipe and foot: each group we started, whole
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    assert '"guest-title"' in tree and '"app_id": "foot"' in tree
