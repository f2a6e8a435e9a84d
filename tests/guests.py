"""The test guests, for every tier: the image they boot, the libvirt they run on, a host section
under a test's own pool, and waiting until they are ready.

Each test names its domains with a prefix of its own and keeps them in its own pool
(``own_host``), so that it never touches an installed workstation or another test's guests.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from saltext.bulkhead.plan import names

URI = "qemu:///system"
IMG = Path("/var/cache/bulkhead/images/debian-min")
"""Where ``bulkhead image build`` puts the tiny guest image (the integration tier builds it)."""
READY = "bulkhead-guest: ready {}"
"""What a guest's agent prints on its console once it serves."""


def kernel_image(directory: Path = IMG, root: Path | None = None) -> dict[str, str]:
    """A template's ``image`` booting the kernel and initrd in ``directory`` over ``root``
    (by default the image's own root filesystem)."""
    return {"kind": "kernel", "root": str(root or directory / "root.img"),
            "kernel": str(directory / "vmlinuz"), "initrd": str(directory / "initrd.img")}


IMAGE = kernel_image()


def own_host(prefix: str) -> dict[str, str]:
    """The pillar's ``host`` for a test's TCG guests: the pool ``<prefix>-pool`` and the
    workstation ``test-<prefix>``, its own (tests/unit/test_test_pillars.py)."""
    pool = f"{prefix}-pool"
    return {"uri": URI, "workstation": f"test-{prefix}", "domain_type": "qemu", "pool": pool,
            "pool_path": f"/var/lib/bulkhead/{pool}"}


def wait_ready(domains: Iterable[str], timeout: float = 300) -> None:
    """Until each guest's console log shows the agent's ready line; else fail with the tails."""
    deadline = time.monotonic() + timeout
    pending = set(domains)
    while pending:
        pending = {n for n in pending if READY.format(n) not in console(n)}
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(1)
    tails = "".join(f"\n--- {n} console:\n{console(n)[-1500:]}" for n in sorted(pending))
    assert not pending, f"guests not ready in {timeout:g}s: {sorted(pending)}{tails}"


def console(domain: str) -> str:
    path = Path(names.console_log(domain))
    return path.read_text(errors="replace") if path.exists() else ""


SMALL = {"initial": 112, "max": 112}
"""Memory (MiB) enough for the tiny guest, and no balloon room: many fit beside each other."""


def template(directory: Path = IMG, *, root: Path | None = None,
             memory: dict | None = None) -> dict:
    """A template without network booting the image in ``directory``."""
    return {"class": "template", "image": kernel_image(directory, root), "netvm": "none",
            "memory": SMALL if memory is None else memory}


def app(tpl: str, *, private_mib: int = 32, memory: dict | None = None, **more) -> dict:
    """An app without network on the template ``tpl``."""
    return {"class": "app", "template": tpl, "netvm": "none", "private_mib": private_mib,
            "memory": SMALL if memory is None else memory, **more}


def template_and_app(prefix: str, *, root: Path | None = None, mib: int = 112,
                     private_mib: int = 32) -> dict:
    """Pillar data of two guests in the pool ``<prefix>-pool``: the template ``<prefix>-tpl``
    (booting the image over ``root``) and the app ``<prefix>-app`` on it."""
    memory = {"initial": mib}
    return {"host": own_host(prefix),
            "domains": {f"{prefix}-tpl": template(root=root, memory=memory),
                        f"{prefix}-app": app(f"{prefix}-tpl", private_mib=private_mib,
                                             memory=memory)}}


DRIVER_URI = "test:///default"
"""libvirt's test driver (functional tier): definitions are kept, nothing boots."""


def driver_host(pool: str, pool_path: Path) -> dict[str, str]:
    """The pillar's ``host`` on the test driver, with the test's own pool and workstation."""
    return {"uri": DRIVER_URI, "workstation": f"test-{pool}", "domain_type": "auto", "pool": pool,
            "pool_path": str(pool_path)}
