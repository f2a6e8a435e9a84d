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
    domain_halted,
    domain_present,
    domain_running,
    pool_present,
)

from ..guests import URI, template_and_app, wait_ready
from ..topology import purge

pytestmark = pytest.mark.integration

COPY_DIR = Path("/var/lib/bulkhead/bhimg-image")
TPL, APP = "bhimg-tpl", "bhimg-app"
MARKER = "/etc/bulkhead-test-build"
BOOT_TIMEOUT_S = 180


def pillar():
    return load_pillar(template_and_app("bhimg", root=COPY_DIR / "root.img"))


def cleanup() -> None:
    purge(pillar())
    shutil.rmtree(COPY_DIR, ignore_errors=True)


def write_marker(image: Path, text: str) -> None:
    """Put a file into the ext4 image without mounting it (what a rebuild changing a file does)."""
    src = COPY_DIR / "marker"
    src.write_text(text)
    # debugfs keeps an existing file (and still exits 0), so remove it first.
    subprocess.run(
        ["debugfs", "-w", "-f", "-", str(image)],
        input=f"rm {MARKER}\nwrite {src} {MARKER}\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def conn(prebuilt_image):
    if shutil.which("debugfs") is None:
        pytest.skip("debugfs (e2fsprogs) is needed to change the image copy")
    with connect(URI) as raw:
        cleanup()
        COPY_DIR.mkdir(parents=True)
        shutil.copyfile(prebuilt_image / "root.img", COPY_DIR / "root.img")
        yield raw
        cleanup()


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
    assert (
        f"re-imported from {image}" in out.changes["volumes"][names.root_volume(TPL, "raw")]["new"]
    )

    console = Path(names.console_log(APP))
    console.unlink(missing_ok=True)
    out = domain_running(conn, p, APP)
    assert out.result is True, out.comment
    wait_ready([APP], BOOT_TIMEOUT_S)
    seen = AgentClient(names.agent_socket(APP)).run(f"cat {MARKER}", timeout=20)
    assert (seen.rc, seen.stdout) == (0, b"build 2\n")

    start = time.monotonic()
    out = domain_halted(conn, p, APP, timeout=60)
    elapsed = time.monotonic() - start
    assert out.result is True, out.comment
    assert "powered off through its agent" in out.comment, out.comment
    assert not conn.lookupByName(APP).isActive()
    print(f"\nhalted through the agent: {elapsed:.1f}s ({out.comment})")
