"""A headless sway run by an unprivileged user, for the GUI tests (the user's compositor).

``headless_sway`` starts sway 1.7 (wlroots headless backend, pixman renderer, no input devices)
as ``nobody`` with a runtime folder of its own under the test's tmp_path and the label snippet
bulkhead writes (gui/labels.py). Nothing of a user's session is touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from saltext.bulkhead.gui.labels import SWAY_CONFIG
from saltext.bulkhead.gui.sway_ipc import sway_socket

NOBODY = 65534
START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Sway:
    runtime: Path
    display: Path  # its Wayland socket
    ipc: Path

    def tree(self) -> dict:
        out = subprocess.run(["swaymsg", "-s", str(self.ipc), "-t", "get_tree"], check=True,
                             capture_output=True).stdout
        return json.loads(out)

    def windows(self) -> list[dict]:
        found, todo = [], [self.tree()]
        while todo:
            node = todo.pop()
            if node.get("pid"):
                found.append(node)
            todo += node.get("nodes", []) + node.get("floating_nodes", [])
        return found

    def screenshot(self, kind: str = "png") -> bytes:
        """The whole output (grim, as the compositor's user), as png or ppm."""
        return subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "env",
             f"XDG_RUNTIME_DIR={self.runtime}", f"WAYLAND_DISPLAY={self.display.name}",
             "grim", "-t", kind, "-"], check=True, capture_output=True).stdout


def save_screenshot(name: str, png: bytes) -> None:
    """Keep a screenshot for docs/gui.md when BULKHEAD_SCREENSHOTS names a folder (docs/gui)."""
    folder = os.environ.get("BULKHEAD_SCREENSHOTS")
    if folder:
        (Path(folder) / name).write_bytes(png)


def available() -> str | None:
    """Why the GUI tests cannot run here (None: they can)."""
    missing = [p for p in ("sway", "swaymsg", "grim", "waypipe", "bwrap", "foot")
               if shutil.which(p) is None]
    if missing:
        return f"missing {', '.join(missing)} (scripts/setup-host.sh installs them)"
    if os.geteuid() != 0:
        return "the GUI relay runs as root (it makes users and sandboxes)"
    return None


def headless_sway(extra_env: dict[str, str] | None = None) -> Iterator[Sway]:
    """A headless sway in a folder of its own under /tmp (pytest's tmp_path is root's 0700);
    ``extra_env`` is added to its environment (the GUI benchmark's WAYLAND_DEBUG=server).
    Its log (stdout and stderr) is ``sway.log`` beside its runtime folder."""
    base = Path(tempfile.mkdtemp(prefix="bhtest-sway-"))
    runtime = base / "runtime"
    runtime.mkdir(mode=0o700)
    os.chown(base, NOBODY, NOBODY)
    os.chown(runtime, NOBODY, NOBODY)
    config = base / "sway.conf"
    config.write_text(SWAY_CONFIG)
    config.chmod(0o644)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(base), "XDG_RUNTIME_DIR": str(runtime),
           "WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1",
           **(extra_env or {})}
    with open(base / "sway.log", "wb") as log:
        proc = subprocess.Popen(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                                 "--clear-groups", "sway", "-c", str(config)],
                                env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        display = runtime / "wayland-1"
        while (ipc := sway_socket(str(display))) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sway did not start: {(base / 'sway.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield Sway(runtime, display, ipc)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(base, ignore_errors=True)
