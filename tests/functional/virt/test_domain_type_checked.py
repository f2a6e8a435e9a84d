"""An explicit domain type is checked when a definition is written or previewed, not on a no-op.

The plan takes ``host:domain_type`` as the pillar gives it; a no-op defines nothing, so it asks
libvirt nothing about types (no capabilities call). A domain state that would define (or, in test
mode, say it would) first checks that libvirt offers the type, and refuses with the pillar path
and what is offered, as the plan did before; the pool's and the networks' states do not depend on
the type. On the test driver (offers only its own type) and on qemu:///system.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import (
    InventoryCache,
    connect,
    counting,
    domain_absent,
    domain_present,
    pool_present,
    tracked,
)
from tests.guests import IMAGE, URI
from tests.topology import remove_pool

from .virt_fixtures import defined_only_image, node_file, system_connection

POOL, TPL, WORK = "bhtype-pool", "bhtype-tpl", "bhtype-work"
TYPE_CALLS = {"connect.getDomainCapabilities", "connect.getCapabilities"}


def pillar_data(pool_path: str, domain_type: str, image: dict[str, Any] = IMAGE) -> dict:
    return {
        "host": {"workstation": "test-type", "domain_type": domain_type, "pool": POOL,
                 "pool_path": pool_path},
        "domains": {TPL: {"class": "template", "image": image, "netvm": "none"},
                    WORK: {"class": "app", "template": TPL, "netvm": "none"}},
    }


def run(conn: Any, pillar: Any, test: bool = False) -> list:
    """One Salt run's worth of states on a fresh, shared inventory."""
    conn = tracked(conn, InventoryCache())
    return [pool_present(conn, pillar, test=test)] + [
        domain_present(conn, pillar, name, test=test) for name in (TPL, WORK)]


@pytest.mark.parametrize("test", [True, False])
def test_a_type_the_driver_does_not_offer_refuses_each_definition_not_the_pool(
        tmp_path, test) -> None:
    pillar = load_pillar(pillar_data(str(tmp_path / "pool"), "kvm"))
    with connect(node_file(tmp_path)) as raw:
        pool, template, app = run(raw, pillar, test=test)
        defined = [d.name() for d in raw.listAllDomains(0)]
    assert pool.result is (None if test else True), pool.comment
    assert (template.result, template.changes) == (False, {})
    assert template.comment == ("bulkhead:host:domain_type is 'kvm' but this libvirt connection "
                                "offers test"), template.comment
    assert (app.result, app.changes) == (False, {})  # its template is missing: said first
    assert defined == []


def system_pillar(root: Path, domain_type: str) -> Any:
    data = pillar_data(str(root / "pool"), domain_type, defined_only_image(root))
    data["host"]["uri"] = URI
    data["formula"] = {"paths": {"locks": str(root / "locks")}}
    return load_pillar(data)


def _cleanup(conn: Any, root: Path) -> None:
    pillar = system_pillar(root, "qemu")
    for name in (WORK, TPL):
        domain_absent(conn, pillar, name, purge=True)
    remove_pool(conn, POOL, pillar.host.pool_path)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    with system_connection(lambda conn: _cleanup(conn, tmp_path)) as conn:
        yield conn, tmp_path


def test_a_noop_asks_nothing_about_the_type_and_a_type_not_offered_is_refused_on_define(
        system) -> None:
    raw, root = system
    conn, log = counting(raw)
    cold = run(conn, system_pillar(root, "qemu"))
    assert all(out.result is True for out in cold), [out.comment for out in cold]
    assert TYPE_CALLS & set(log.calls)  # the definitions written: the type was checked
    log.clear()
    again = run(conn, system_pillar(root, "qemu"))
    assert all((out.result, out.changes) == (True, {}) for out in again), again
    assert not TYPE_CALLS & set(log.calls), log.calls
    before = raw.lookupByName(WORK).XMLDesc(0)
    for test in (True, False):  # xen: each domain would be defined again, and is refused
        pool, *domains = run(conn, system_pillar(root, "xen"), test=test)
        assert (pool.result, pool.changes) == (True, {}), pool.comment
        assert all(out.result is False and out.comment.startswith(
            "bulkhead:host:domain_type is 'xen' but this libvirt connection offers")
            for out in domains), [out.comment for out in domains]
    assert raw.lookupByName(WORK).XMLDesc(0) == before
