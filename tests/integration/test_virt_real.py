"""plan + virt against the real libvirtd (qemu:///system) with the real guest image, under TCG.

A template and an app (no network: the app boots its template's kernel over a root overlay);
the app must print the guest contract's ready line on its console.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import (
    connect,
    counting,
    domain_absent,
    domain_present,
    domain_running,
    pool_present,
)

from .pools import remove_pool

pytestmark = pytest.mark.integration

IMG = Path("/var/cache/bulkhead/images/debian-min")
POOL_PATH = "/var/lib/bulkhead/bhtest-pool"
TPL, APP = "bhtest-tpl", "bhtest-app"
BOOT_TIMEOUT_S = 180


def pillar():
    image = {"kind": "kernel", "root": str(IMG / "root.img"), "kernel": str(IMG / "vmlinuz"),
             "initrd": str(IMG / "initrd.img")}
    return load_pillar({
        # TCG explicitly: on this kind of host KVM passes simple probes yet hangs booting Linux.
        "host": {"uri": "qemu:///system", "domain_type": "qemu", "pool": "bhtest-pool", "pool_path": POOL_PATH},
        "domains": {
            TPL: {"class": "template", "image": image, "netvm": "none", "memory": {"initial": 128}},
            APP: {"class": "app", "template": TPL, "netvm": "none", "memory": {"initial": 128},
                  "private_mib": 64},
        },
    })


def everything(conn) -> dict[str, str]:
    state = {d.name(): d.XMLDesc(0) for d in conn.listAllDomains(0) if d.name().startswith("bhtest-")}
    pool = conn.storagePoolLookupByName("bhtest-pool")
    state.update({v.name(): v.XMLDesc(0) for v in pool.listAllVolumes(0)})
    return state


def cleanup(conn) -> None:
    for name in (APP, TPL):
        domain_absent(conn, pillar(), name, purge=True)
    remove_pool(conn, "bhtest-pool", POOL_PATH)


@pytest.fixture
def conn():
    if not (IMG / "root.img").exists():
        pytest.skip(f"no guest image at {IMG}: build it with `bulkhead image build`")
    with connect("qemu:///system") as raw:
        cleanup(raw)
        proxy, log = counting(raw)
        yield proxy, log
        cleanup(raw)


def wait_ready(log_path: Path, name: str) -> str:
    needle = f"bulkhead-guest: ready {name}"
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        if needle in text:
            return text
        time.sleep(1)
    raise AssertionError(f"{name} did not print {needle!r} in {BOOT_TIMEOUT_S}s; console:\n{text[-2000:]}")


def test_template_and_app_boot_converge_and_go_away(conn) -> None:
    conn, log = conn
    p = pillar()
    assert pool_present(conn, p).result is True
    for name in (TPL, APP):
        out = domain_present(conn, p, name)
        assert out.result is True, out.comment
    console = Path(names.console_log(APP))
    console.unlink(missing_ok=True)
    out = domain_running(conn, p, APP)
    assert out.result is True, out.comment
    wait_ready(console, APP)

    # Re-apply: nothing to do, not a single mutating call.
    log.clear()
    for fn in (pool_present,):
        assert fn(conn, p).changes == {}
    for name in (TPL, APP):
        again = domain_present(conn, p, name)
        assert (again.result, again.changes) == (True, {}), again.comment
    assert domain_running(conn, p, APP).changes == {}
    assert log.mutating == []

    # Test mode on a changed pillar reports changes and leaves every XML byte-identical.
    before = everything(conn)
    changed = load_pillar({**p.model_dump(mode="json", by_alias=True),
                           "domains": {**p.model_dump(mode="json", by_alias=True)["domains"],
                                       APP: {**p.model_dump(mode="json", by_alias=True)["domains"][APP], "vcpus": 2}}})
    dry = domain_present(conn, changed, APP, test=True)
    assert dry.result is None and dry.changes["domain"] == ["vcpus: 1 -> 2"]
    assert log.mutating == []
    assert everything(conn) == before

    out = domain_absent(conn, p, APP)
    assert out.result is True and "Kept" in out.comment
    pool = conn.storagePoolLookupByName("bhtest-pool")
    assert names.private_volume(APP) in pool.listVolumes()
    assert domain_absent(conn, p, APP, purge=True).changes["volumes"] == {names.private_volume(APP): "deleted"}
