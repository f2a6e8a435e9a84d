"""The RPC broker as its command runs it (libvirt + pillar facts), for the integration tests."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from saltext.bulkhead.model import Pillar, load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import connect, domain_present, domain_running, pool_present

from ..topology import purge

URI = "qemu:///system"


def wait_for(path: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
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
                                "--uri", URI, "--pillar", str(root / "pillar.json"),
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
        _cleanup(model)
        try:
            assert pool_present(conn, model).result is True
            for name in defined:
                out = domain_present(conn, model, name)
                assert out.result is True, out.comment
            for name in model.domains:
                Path(names.console_log(name)).unlink(missing_ok=True)
            outcome = domain_running(conn, model, caller)
            assert outcome.result is True, outcome.comment
            wait_for(Path(names.console_log(caller)), f"bulkhead-guest: ready {caller}", boot_timeout)
            yield data
        finally:
            _cleanup(model)


def _cleanup(model: Pillar) -> None:
    purge(model)
    shutil.rmtree(model.host.pool_path, ignore_errors=True)
