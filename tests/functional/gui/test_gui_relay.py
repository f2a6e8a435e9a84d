"""The host side of the GUI path against a real headless sway: the test plays QEMU (it binds the
channel socket) and the guest (``waypipe server -- foot`` on the other end of it).

The relay must start the domain's Wayland filter and waypipe client as the domain's own user in
sandboxes with no network (waypipe's without the compositor socket), label the window by the
filter's pid (title prefix in the label colour, mark), whatever title the app sets, and offer an
application in the domain no privileged global.
"""

from __future__ import annotations

import logging
import os
import pwd
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from saltext.bulkhead.gui.labels import COLOURS, MARK_PREFIX
from saltext.bulkhead.gui.names import relay_user
from saltext.bulkhead.gui.sandboxed_process import user_pid
from saltext.bulkhead.gui.supervisor import GuiRelays
from saltext.bulkhead.gui.wayland_filter.allowlist import ALLOWED
from saltext.bulkhead.model import Label, load_pillar

from ...guest_gui import guest_gui_program
from ...gui_session import available, headless_sway, save_screenshot
from ...hostile.gui.test_wayland_filter import PRIVILEGED, interfaces
from ...ppm import pixel, read_ppm

DOMAIN = "bhtest-gui"  # a name no workstation uses; its relay user is removed afterwards
FORGED = "[vault] forged title"
WINDOW_TIMEOUT_S = 60.0

pytestmark = pytest.mark.skipif(available() is not None, reason=str(available()))


def _pillar(display: Path):
    image = {"kind": "kernel", "root": "/i/root.qcow2", "kernel": "/i/vmlinuz",
             "initrd": "/i/initrd.img"}
    return load_pillar({"host": {"workstation": "test-gui-relay",
                                 "gui": {"wayland_display": str(display)}}, "domains": {
        "bhtest-tpl": {"class": "template", "image": image},
        DOMAIN: {"class": "app", "template": "bhtest-tpl", "gui": True, "label": "blue"}}})


@pytest.fixture
def sway():
    yield from headless_sway()


@pytest.fixture
def relay_user_removed():
    existed = _exists(relay_user(DOMAIN))
    yield
    if not existed and _exists(relay_user(DOMAIN)):
        subprocess.run(["userdel", relay_user(DOMAIN)], check=True)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True




def _guest(channel: socket.socket, folder: Path, *app: str, stdout=subprocess.DEVNULL
           ) -> subprocess.Popen:
    """``waypipe server -- APP`` whose stream bulkhead-gui's own loop copies over ``channel``."""
    folder.mkdir(mode=0o700)
    bridge = socket.socket(socket.AF_UNIX)
    bridge.bind(str(folder / "waypipe.sock"))
    bridge.listen(1)
    server = subprocess.Popen(
        ["waypipe", "--no-gpu", "--oneshot", "-s", str(folder / "waypipe.sock"), "server", "--",
         *app], env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "XDG_RUNTIME_DIR": str(folder)},
        stdout=stdout, stderr=subprocess.DEVNULL, text=True)
    conn, _ = bridge.accept()
    guest = guest_gui_program()  # its copy loop, with the channel's socket as the port
    guest.drain(channel.fileno())
    copier = threading.Thread(target=guest.copy, args=(channel.fileno(), conn), daemon=True)
    copier.start()
    server.copier = copier  # joined before the next session, as bulkhead-gui runs one at a time
    return server


def _window(sway, deadline: float, title: str) -> dict:
    while time.monotonic() < deadline:
        for window in sway.windows():
            if window.get("name") == title:
                return window
        time.sleep(0.05)
    raise AssertionError(f"no window within {WINDOW_TIMEOUT_S}s: {sway.windows()}")


def test_window_of_a_gui_domain_is_labelled_by_the_host(sway, tmp_path, relay_user_removed):
    channels = tmp_path / "channels"
    channels.mkdir(mode=0o700)
    qemu = socket.socket(socket.AF_UNIX)
    qemu.bind(str(channels / f"{DOMAIN}.sock"))
    qemu.listen(1)
    relays = GuiRelays(lambda: _pillar(sway.display), lambda: [DOMAIN],
                       logging.getLogger("test"), socket_dir=channels,
                       sessions=tmp_path / "sessions")
    relays.scan()
    try:
        channel, _ = qemu.accept()
        started = time.monotonic()
        server = _guest(channel, tmp_path / "guest", "foot", "-T", FORGED)
        window = _window(sway, started + WINDOW_TIMEOUT_S, FORGED)
        logging.getLogger("test").warning("first window after %.2f s",
                                          time.monotonic() - started)
        assert window["marks"] == [f"{MARK_PREFIX}{DOMAIN}"]
        pid, relay = window["pid"], relays.relays[DOMAIN]
        assert pid == relay.filter_pid, "sway's client is the domain's filter"
        uid = pwd.getpwnam(relay_user(DOMAIN)).pw_uid
        waypipe = user_pid(relay.process.pid, uid)
        for process in (pid, waypipe):
            assert os.stat(f"/proc/{process}").st_uid == uid
            assert os.readlink(f"/proc/{process}/ns/net") != os.readlink("/proc/self/ns/net")
        assert sorted(os.listdir(f"/proc/{pid}/root/run")) == ["compositor", "python", "relay"]
        assert os.listdir(f"/proc/{waypipe}/root/run") == ["relay"], "no compositor socket"
        time.sleep(1.0)  # the title bar is drawn with the window's first frame
        image = read_ppm(sway.screenshot("ppm"))
        label = COLOURS[Label.blue][0]
        assert pixel(image, 6, 6) == label, "the title bar starts in the label colour"
        save_screenshot("host-relay.png", sway.screenshot("png"))
        server.terminate()
        server.wait(10)
        server.copier.join(10)
        # the next session on the same channel gets a fresh client, labelled again
        second = _guest(channel, tmp_path / "guest2", "foot", "-T", "second")
        again = _window(sway, time.monotonic() + WINDOW_TIMEOUT_S, "second")
        assert again["marks"] == [f"{MARK_PREFIX}{DOMAIN}"]
        assert again["pid"] == pid  # one filter for the relay's lifetime
        assert relays.relays[DOMAIN].sessions == 1
        second.terminate()
        second.wait(10)
        second.copier.join(10)
        # what an application in the domain is offered, through waypipe and the filter
        info = _guest(channel, tmp_path / "guest3", "wayland-info", stdout=subprocess.PIPE)
        offered = interfaces(info.communicate(timeout=WINDOW_TIMEOUT_S)[0])
        assert "wl_compositor" in offered and offered <= set(ALLOWED)
        assert not offered & set(PRIVILEGED)
    finally:
        relays.stop()
    assert relays.relays == {}
    assert not (tmp_path / "sessions" / DOMAIN).exists()  # its folder went with it


def test_no_session_starts_without_the_filter(sway, tmp_path, relay_user_removed):
    channels = tmp_path / "channels"
    channels.mkdir(mode=0o700)
    qemu = socket.socket(socket.AF_UNIX)
    qemu.bind(str(channels / f"{DOMAIN}.sock"))
    qemu.listen(1)
    relays = GuiRelays(lambda: _pillar(sway.display), lambda: [DOMAIN],
                       logging.getLogger("test"), socket_dir=channels,
                       sessions=tmp_path / "sessions")
    relays.scan()
    try:
        channel, _ = qemu.accept()
        relay = relays.relays[DOMAIN]
        relay.filter.kill()  # the filter gone while the relay waits for its first session
        server = _guest(channel, tmp_path / "guest", "foot", "-T", "unfiltered")
        relay.join(WINDOW_TIMEOUT_S)
        assert not relay.is_alive()  # the session broke at the filter, no other one started
        assert sway.windows() == []
        server.terminate()
        server.wait(10)
    finally:
        relays.stop()
