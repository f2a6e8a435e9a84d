"""A private libvirt test driver per test, and a pillar covering every domain class."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from saltext.bulkhead.virt import BulkheadVirtError, connect
from tests.guests import IMAGE, URI, kernel_image


def pillar_data(pool_path: str) -> dict:
    return {
        "host": {"workstation": "test-virt", "pool": "bhpool", "pool_path": pool_path,
                 "domain_type": "auto"},
        "domains": {
            "tpl": {"class": "template", "image": IMAGE, "netvm": "none"},
            "net": {"class": "app", "template": "tpl", "provides_network": True, "netvm": "none"},
            "work": {"class": "app", "template": "tpl", "netvm": "net", "label": "blue"},
            "dvm": {
                "class": "app",
                "template": "tpl",
                "template_for_dispvms": True,
                "netvm": "net",
            },
            "disp": {"class": "disposable", "template": "dvm", "netvm": "net"},
        },
    }


def node_file(tmp_path: Path) -> str:
    """An empty test-driver node: each ``test:///<file>`` URI gets its own isolated state."""
    path = tmp_path / "node.xml"
    path.write_text("<node/>\n")
    return f"test://{path}"


def defined_only_image(root: Path) -> dict[str, str]:
    """A template's kernel-boot ``image`` of placeholder files under ``root``: for domains that are
    defined on qemu:///system and never booted."""
    image = root / "image"
    image.mkdir(exist_ok=True)
    (image / "root.img").write_bytes(bytes(1024 * 1024))
    (image / "vmlinuz").write_bytes(b"kernel")
    (image / "initrd.img").write_bytes(b"initrd")
    return kernel_image(image)


@contextmanager
def system_connection(cleanup: Callable[[Any], None] | None = None) -> Iterator[Any]:
    """A connection to qemu:///system for a test, ``cleanup(conn)`` run before and after it; the
    test is skipped when not run as root or when libvirtd cannot be reached."""
    if os.geteuid() != 0:
        pytest.skip("qemu:///system needs root")
    try:
        with connect(URI) as conn:
            if cleanup is not None:
                cleanup(conn)
            yield conn
            if cleanup is not None:
                cleanup(conn)
    except BulkheadVirtError as exc:
        pytest.skip(f"qemu:///system not reachable: {exc}")


def reads_on_their_way(section: Any, names: Any) -> bool:
    """Whether a read of any of ``names`` started ahead by an inventory section (``prefetch``,
    or the listing that will queue it) is still on its way."""
    pending = section._pending  # noqa: SLF001 - the reads the section started ahead
    return any(not pending[name].done() for name in names if name in pending)
