"""The RPC broker as its command runs it (libvirt + pillar facts), for the integration tests."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import connect

from ..guests import URI
from ..topology import define_and_start, purge


def wait_for(path: Path, text: str, timeout: float, times: int = 1) -> None:
    """Until ``text`` is in the file ``times`` times (logs are appended to across restarts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text(errors="replace").count(text) >= times:
            return
        time.sleep(0.5)
    tail = path.read_text(errors="replace")[-2000:] if path.exists() else "(missing)"
    raise AssertionError(f"{text!r} not in {path} within {timeout:g}s:\n{tail}")


@contextmanager
def broker_running(root: Path, policy: str, pillar: dict, first_ready: str) -> Iterator[Path]:
    """Run ``bulkhead rpc broker`` with ``policy`` until the block ends; yields its log once
    ``first_ready``'s channel is ready."""
    with broker_process(root, policy, pillar, first_ready) as (log, _process):
        yield log


@contextmanager
def broker_process(root: Path, policy: str, pillar: dict,
                   first_ready: str) -> Iterator[tuple[Path, subprocess.Popen]]:
    """``broker_running``, also yielding the broker's process (a test may kill it)."""
    (root / "policy.d").mkdir()
    (root / "policy.d" / "50-test.policy").write_text(policy)
    (root / "pillar.json").write_text(json.dumps(pillar))
    log = root / "broker.log"
    process = subprocess.Popen([sys.executable, "-c", "from saltext.bulkhead.cli import main; main()", "rpc", "broker",
                                "--uri", URI, "--pillar-json", str(root / "pillar.json"),
                                "--policy-dir", str(root / "policy.d"), "--log", str(log),
                                "--dispvm-registry", str(root / "dispvms")])
    try:
        wait_for(log, f"{first_ready}: channel ready", 60)
        yield log, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def caller_booted(data: dict, defined: tuple[str, ...], caller: str, boot_timeout: float) -> Iterator[dict]:
    """A clean pool with ``defined`` domains defined (in that order: templates first) and only
    ``caller`` booted; everything of the pillar purged before and after."""
    model = load_pillar(data)
    with connect(URI) as conn:
        purge(model)
        try:
            define_and_start(conn, model, defined, caller, boot_timeout)
            yield data
        finally:
            purge(model)
