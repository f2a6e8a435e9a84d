"""A rebuilt image reaches the apps, and halted powers a real guest off through its agent.

One TCG guest: a template whose root comes from a copy of the guest image, and an app on it.
The copy is changed after the first import (as ``bulkhead image build`` would), the template is
re-imported, the app boots over the new root and shows it; then ``halted`` stops the app.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import (
    connect,
    domain_absent,
    domain_halted,
    domain_present,
    domain_running,
    pool_present,
)

from .pools import remove_pool
from .test_virt_real import IMG, wait_ready

pytestmark = pytest.mark.integration

POOL, POOL_PATH = "bhimg-pool", "/var/lib/bulkhead/bhimg-pool"
COPY_DIR = Path("/var/lib/bulkhead/bhimg-image")
TPL, APP = "bhimg-tpl", "bhimg-app"
MARKER = "/etc/bulkhead-test-build"


def pillar():
    image = {"kind": "kernel", "root": str(COPY_DIR / "root.img"), "kernel": str(IMG / "vmlinuz"),
             "initrd": str(IMG / "initrd.img")}
    sized = {"memory": {"initial": 112}, "netvm": "none"}
    return load_pillar({
        "host": {"uri": "qemu:///system", "domain_type": "qemu", "pool": POOL, "pool_path": POOL_PATH},
        "domains": {TPL: {"class": "template", "image": image, **sized},
                    APP: {"class": "app", "template": TPL, "private_mib": 32, **sized}},
    })


def cleanup(conn) -> None:
    for name in (APP, TPL):
        domain_absent(conn, pillar(), name, purge=True)
    remove_pool(conn, POOL, POOL_PATH)
    shutil.rmtree(COPY_DIR, ignore_errors=True)


def write_marker(image: Path, text: str) -> None:
    """Put a file into the ext4 image without mounting it (what a rebuild changing a file does)."""
    src = COPY_DIR / "marker"
    src.write_text(text)
    # debugfs keeps an existing file (and still exits 0), so remove it first.
    subprocess.run(["debugfs", "-w", "-f", "-", str(image)], input=f"rm {MARKER}\nwrite {src} {MARKER}\n",
                   text=True, check=True, capture_output=True, timeout=60)


@pytest.fixture
def conn():
    if not (IMG / "root.img").exists():
        pytest.skip(f"no guest image at {IMG}: build it with `bulkhead image build`")
    if shutil.which("debugfs") is None:
        pytest.skip("debugfs (e2fsprogs) is needed to change the image copy")
    with connect("qemu:///system") as raw:
        cleanup(raw)
        COPY_DIR.mkdir(parents=True)
        shutil.copyfile(IMG / "root.img", COPY_DIR / "root.img")
        yield raw
        cleanup(raw)


def test_rebuilt_image_reaches_the_app_and_halted_uses_the_agent(conn) -> None:
    p = pillar()
    image = COPY_DIR / "root.img"
    write_marker(image, "build 1\n")
    assert pool_present(conn, p).result is True
    for name in (TPL, APP):
        out = domain_present(conn, p, name)
        assert out.result is True, out.comment

    write_marker(image, "build 2\n")
    out = domain_present(conn, p, TPL)
    assert out.result is True, out.comment
    assert f"re-imported from {image}" in out.changes["volumes"][names.root_volume(TPL, "raw")]["new"]

    console = Path(names.console_log(APP))
    console.unlink(missing_ok=True)
    out = domain_running(conn, p, APP)
    assert out.result is True, out.comment
    wait_ready(console, APP)
    seen = AgentClient(names.agent_socket(APP)).run(f"cat {MARKER}", timeout=20)
    assert (seen.rc, seen.stdout) == (0, b"build 2\n")

    start = time.monotonic()
    out = domain_halted(conn, p, APP, timeout=60)
    elapsed = time.monotonic() - start
    assert out.result is True, out.comment
    assert "powered off through its agent" in out.comment, out.comment
    assert not conn.lookupByName(APP).isActive()
    print(f"\nhalted through the agent: {elapsed:.1f}s ({out.comment})")
