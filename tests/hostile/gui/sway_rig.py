"""A headless sway (an unprivileged user's when the tests run as root) and filter processes in
front of it, for the GUI hostile tests; sway's runtime folder is removed after them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .wayland_client import virtual_keyboard

UNPRIVILEGED = 65534  # nobody
MODULES = str(Path(__file__).resolve().parents[3] / "modules")


def wait_for(path: Path, process: subprocess.Popen, what: str, limit: float = 60) -> None:
    """Until ``path`` exists (a socket); skip or fail with the process's words if it dies."""
    end = time.monotonic() + limit
    while not path.exists():
        if process.poll() is not None or time.monotonic() > end:
            process.kill()
            _, err = process.communicate()
            raise RuntimeError(f"{what} did not start: {err.decode(errors='replace')[-800:]}")
        time.sleep(0.05)


class Sway:
    def __init__(self) -> None:
        # Not under pytest's folders: those are the test user's alone, sway's user must get in.
        self.runtime = runtime = Path(tempfile.mkdtemp(prefix="bulkhead-sway-"))
        as_root = os.geteuid() == 0
        if as_root:
            os.chown(runtime, UNPRIVILEGED, UNPRIVILEGED)
        env = {"HOME": str(runtime), "XDG_RUNTIME_DIR": str(runtime), "PATH": "/usr/bin:/bin",
               "WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1"}
        self.process = subprocess.Popen(
            ["sway", "-c", "/dev/null"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            user=UNPRIVILEGED if as_root else None, group=UNPRIVILEGED if as_root else None,
            extra_groups=[] if as_root else None)
        self.socket = runtime / "wayland-1"
        wait_for(self.socket, self.process, "sway")
        self.keyboard = virtual_keyboard(str(self.socket))  # wl-copy and wl-paste need one

    def env(self, display: Path | str) -> dict[str, str]:
        return {"XDG_RUNTIME_DIR": str(self.runtime), "WAYLAND_DISPLAY": str(display),
                "PATH": "/usr/bin:/bin", "HOME": str(self.runtime)}

    def run(self, display: Path | str, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, env=self.env(display), capture_output=True, text=True,
                              timeout=60, check=False)

    def close(self) -> None:
        self.keyboard.close()
        self.process.terminate()
        self.process.communicate(timeout=30)
        shutil.rmtree(self.runtime, ignore_errors=True)


class Filter:
    """``python -m saltext.bulkhead.gui.wayland_filter`` for one domain, in front of ``sway``."""

    def __init__(self, sway: Sway, folder: Path, domain: str, *extra: str) -> None:
        self.socket = folder / f"{domain}.sock"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "saltext.bulkhead.gui.wayland_filter", "--listen",
             str(self.socket), "--upstream", str(sway.socket), "--domain", domain, *extra],
            env={**os.environ, "PYTHONPATH": MODULES}, stderr=subprocess.PIPE)
        wait_for(self.socket, self.process, "the filter")

    def stop(self) -> str:
        """Stop the filter; its log."""
        self.process.terminate()
        return self.process.communicate(timeout=30)[1].decode(errors="replace")


@pytest.fixture(scope="module")
def sway():
    missing = [t for t in ("sway", "wayland-info", "wl-copy", "wl-paste") if not shutil.which(t)]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    try:
        rig = Sway()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    yield rig
    rig.close()


@pytest.fixture
def filters(sway, tmp_path):
    """Starts filters on demand: ``filters("work")``; all stopped after the test."""
    started: list[Filter] = []

    def start(domain: str, *extra: str) -> Filter:
        started.append(Filter(sway, tmp_path, domain, *extra))
        return started[-1]

    yield start
    for f in started:
        f.stop()
