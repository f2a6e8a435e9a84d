"""GUI from a Debian domain to the host's compositor, end to end on a TCG guest.

A headless sway runs as an unprivileged user; the domain (gui: true, label blue) boots from a
Debian template built with gui: true (waypipe, foot, bulkhead-gui); the real broker runs its
GUI relay; ``bulkhead run --gui`` starts foot with a title imitating another domain. The window
must appear in sway's tree marked by the host, its title bar must start with the host's prefix
drawn in the label colour, sway's client must be the domain's Wayland filter, and the time from
the run to the window is reported.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from saltext.bulkhead.gui.labels import COLOURS, MARK_PREFIX
from saltext.bulkhead.gui.names import relay_user, session_dir
from saltext.bulkhead.image.build import DEFAULT_CACHE
from saltext.bulkhead.image.debian import DebianSpec, build_debian
from saltext.bulkhead.model import Label

from ..guests import URI, app, own_host, template
from ..gui_session import available, headless_sway, save_screenshot
from ..ppm import pixel, read_ppm
from .rpc_broker import broker_running, caller_booted, wait_for

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(available() is not None, reason=str(available()))]

TPL, APP = "bhgui-tpl", "bhgui-app"
IMAGE = "debian-gui"  # the Debian template with the GUI packages, in the shared image cache
MEMORY = {"initial": 512, "max": 512}
BOOT_TIMEOUT_S = 400
WINDOW_TIMEOUT_S = 180
FORGED = "[vault] forged title"


@pytest.fixture(scope="module")
def gui_image():
    return build_debian(IMAGE, DebianSpec(size_mib=1024, gui=True), DEFAULT_CACHE)


@pytest.fixture
def sway():
    yield from headless_sway()


@pytest.fixture
def relay_user_removed():
    yield
    subprocess.run(["userdel", relay_user(APP)], check=False, capture_output=True)


def _pillar(image: Path, display: Path) -> dict:
    tpl = template(image, root=image / "root.qcow2", memory=MEMORY)
    return {"host": {**own_host("bhgui"), "gui": {"wayland_display": str(display)}},
            "domains": {TPL: tpl, APP: app(TPL, private_mib=64, memory=MEMORY, gui=True,
                                            label="blue")}}


def _run_gui(pillar_json: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from saltext.bulkhead.cli import main; main()",
                           "run", "--gui", "--connect", URI, "--pillar-json", str(pillar_json),
                           "--timeout", "120", APP, "--", *command],
                          capture_output=True, text=True, check=False)


def _foot_window(sway, deadline: float) -> dict:
    while time.monotonic() < deadline:
        for window in sway.windows():
            if window.get("app_id") == "foot":
                return window
        time.sleep(0.1)
    raise AssertionError(f"no window within {WINDOW_TIMEOUT_S}s: {sway.windows()}")


def test_debian_app_window_is_labelled_on_the_host(gui_image, sway, tmp_path, relay_user_removed):
    data = _pillar(gui_image.directory, sway.display)
    with caller_booted(data, (TPL, APP), APP, BOOT_TIMEOUT_S), \
            broker_running(tmp_path, "", data, APP) as log:
        wait_for(log, f"{APP}: GUI relay started", 60)
        started = time.monotonic()
        done = _run_gui(tmp_path / "pillar.json", "foot", "-T", FORGED)
        assert done.returncode == 0, done.stderr
        returned = time.monotonic() - started
        window = _foot_window(sway, started + WINDOW_TIMEOUT_S)
        logging.getLogger("test").warning(
            "run --gui returned after %.2f s (session started), first window after %.2f s",
            returned, time.monotonic() - started)
        assert window["name"] == FORGED
        assert window["marks"] == [f"{MARK_PREFIX}{APP}"]
        # sway's client is the domain's Wayland filter (the only one with the compositor socket)
        pid = window["pid"]
        assert Path(f"/proc/{pid}/comm").read_text().strip() == "python3"
        assert sorted(os.listdir(f"/proc/{pid}/root/run")) == ["compositor", "python", "relay"]
        time.sleep(2.0)  # the first frame under TCG
        assert pixel(read_ppm(sway.screenshot("ppm")), 6, 6) == COLOURS[Label.blue][0]
        save_screenshot("debian-domain.png", sway.screenshot("png"))
    assert not session_dir(APP).exists()  # the broker stopped its relay, whose folder went
