"""On the real libvirtd (qemu:///system: volumes are files on this host), a no-op confirms a
private volume's shape from its qcow2 header without asking libvirt, and a private volume
replaced behind bulkhead's back (another format, another backing) is still refused: the header
does not confirm it, so libvirt's own reading decides, as on a remote hypervisor."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import (
    InventoryCache,
    counting,
    domain_absent,
    domain_present,
    pool_present,
    tracked,
)
from tests.guests import URI
from tests.topology import remove_pool

from .virt_fixtures import defined_only_image, system_connection

POOL, TPL, WORK = "bhshape-pool", "bhshape-tpl", "bhshape-work"
PRIVATE = f"{WORK}-private.qcow2"


def pillar_data(root: Path) -> dict[str, Any]:
    return {
        "host": {"uri": URI, "workstation": "test-shape", "domain_type": "qemu", "pool": POOL,
                 "pool_path": str(root / "pool")},
        "formula": {"paths": {"locks": str(root / "locks")}},
        "domains": {TPL: {"class": "template", "image": defined_only_image(root), "netvm": "none"},
                    WORK: {"class": "app", "template": TPL, "netvm": "none", "private_mib": 16}},
    }


def _cleanup(conn: Any, data: dict[str, Any]) -> None:
    pillar = load_pillar(data)
    for name in (WORK, TPL):
        domain_absent(conn, pillar, name, purge=True)
    remove_pool(conn, POOL, data["host"]["pool_path"])


@pytest.fixture
def system(tmp_path: Path) -> Iterator[tuple[Any, dict[str, Any]]]:
    data = pillar_data(tmp_path)
    with system_connection(lambda conn: _cleanup(conn, data)) as conn:
        yield conn, data


def run(conn: Any, pillar: Any) -> list:
    """One Salt run's worth of states on a fresh, shared inventory."""
    conn = tracked(conn, InventoryCache())
    return [pool_present(conn, pillar)] + [domain_present(conn, pillar, n) for n in (TPL, WORK)]


@pytest.mark.parametrize("replacement", [
    ["-f", "raw"],  # another format
    ["-f", "qcow2", "-b", "/var/lib/bulkhead/not-this.raw", "-F", "raw", "-u"],  # another file
])
def test_a_private_volume_is_confirmed_by_its_header_and_a_replaced_one_refused(
        system, replacement) -> None:
    raw, data = system
    pillar = load_pillar(data)
    conn, log = counting(raw)
    assert all(o.result is True for o in run(conn, pillar))
    log.clear()
    again = run(conn, pillar)
    assert [(o.result, o.changes) for o in again] == [(True, {})] * 3
    assert not [c for c in log.calls if c.startswith("storagevol.")], log.calls
    assert log.mutating == []

    path = f"{data['host']['pool_path']}/{PRIVATE}"
    subprocess.run(["qemu-img", "create", *replacement, path, "16M"], check=True,
                   capture_output=True)
    raw.storagePoolLookupByName(POOL).refresh(0)  # libvirt's reading of it is current
    log.clear()
    out = domain_present(tracked(conn, InventoryCache()), pillar, WORK)
    assert out.result is False and out.changes == {}, out
    assert f"volume {PRIVATE} exists as" in out.comment and "will not overwrite" in out.comment
    assert "storagevol.XMLDesc" in log.calls  # not confirmed here: libvirt decided
