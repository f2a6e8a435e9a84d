"""Allocation properties: unique, pins respected, recorded kept, stable under re-planning."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import PlanError, RecordedDomain, RecordedInterface, allocate
from saltext.bulkhead.plan.allocations import reserved

IMAGE = {"kind": "kernel", "root": "/i/root.img", "kernel": "/i/vmlinuz", "initrd": "/i/initrd.img"}
POOL = ipaddress.IPv4Network("10.137.0.0/26")  # small, so collisions and edges are exercised


def pillar_of(clients: list[tuple[str, int | None]]):
    domains = {
        "tpl": {"class": "template", "image": IMAGE, "netvm": "none"},
        "net": {"class": "app", "template": "tpl", "provides_network": True, "netvm": "none"},
    }
    for name, pin in clients:
        entry = {"class": "app", "template": "tpl", "netvm": "net"}
        if pin is not None:
            entry["ip"] = str(POOL.network_address + pin)
        domains[name] = entry
    return load_pillar({"host": {"address_pool": str(POOL)}, "domains": domains})


def recorded_from(allocations) -> dict[str, RecordedDomain]:
    return {
        n: RecordedDomain(
            None, tuple(RecordedInterface(nic.network, nic.mac, a.address) for nic in a.nics)
        )
        for n, a in allocations.items()
        if a.nics
    }


names = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True).filter(lambda n: n not in ("tpl", "net")),
    min_size=1,
    max_size=12,
    unique=True,
)


@st.composite
def clients(draw):
    chosen = draw(names)
    pins = draw(st.lists(st.integers(2, POOL.num_addresses - 2), unique=True, max_size=len(chosen)))
    pinned = draw(st.permutations(chosen))[: len(pins)]
    pin_of = dict(zip(pinned, pins, strict=True))
    return [(n, pin_of.get(n)) for n in chosen]


def assert_sound(pillar, allocations) -> None:
    addresses = [a.address for a in allocations.values() if a.address is not None]
    assert len(addresses) == len(set(addresses))
    assert not set(addresses) & reserved(POOL)
    assert all(a in POOL for a in addresses)
    macs = [nic.mac for a in allocations.values() for nic in a.nics]
    assert len(macs) == len(set(macs)) and all(m.startswith("52:54:00:") for m in macs)
    for name, domain in pillar.domains.items():
        if domain.ip is not None:
            assert allocations[name].address == domain.ip
        assert (allocations[name].address is None) == (not allocations[name].nics)


@settings(max_examples=60, deadline=None)
@given(clients())
def test_allocations_are_unique_respect_pins_and_are_stable(chosen) -> None:
    pillar = pillar_of(chosen)
    first = allocate(pillar, {})
    assert_sound(pillar, first)
    assert first["tpl"].nics == ()
    again = allocate(pillar, recorded_from(first))
    assert again == first
    # A newcomer never moves anybody else.
    grown = pillar_of(chosen + [("newcomer", None)])
    after = allocate(grown, recorded_from(first))
    assert_sound(grown, after)
    assert {n: a for n, a in after.items() if n != "newcomer"} == first


def test_new_addresses_take_the_lowest_free_one_after_the_reserved() -> None:
    allocations = allocate(pillar_of([("a", None), ("b", 3)]), {})
    assert str(allocations["a"].address) == "10.137.0.2"  # .0 network, .1 reserved
    assert str(allocations["net"].address) == "10.137.0.4"


def test_address_of_a_removed_but_still_recorded_domain_is_not_reused() -> None:
    first = allocate(pillar_of([("a", None), ("b", None)]), {})
    recorded = recorded_from(first)
    without_a = allocate(pillar_of([("b", None), ("c", None)]), recorded)
    assert without_a["c"].address not in {first["a"].address, first["b"].address}


def test_pin_on_an_address_recorded_for_another_domain_is_an_error() -> None:
    first = allocate(pillar_of([("a", None)]), {})
    taken = int(first["a"].address) - int(POOL.network_address)
    with pytest.raises(PlanError, match="recorded for domain 'a'"):
        allocate(pillar_of([("a", None), ("b", taken)]), recorded_from(first))


def test_pin_moves_its_own_domain() -> None:
    first = allocate(pillar_of([("a", None)]), {})
    moved = allocate(pillar_of([("a", 40)]), recorded_from(first))
    assert str(moved["a"].address) == "10.137.0.40"
    assert moved["a"].nics == first["a"].nics  # MAC kept


def test_exhausted_pool_is_an_error() -> None:
    many = [(f"d{i}", None) for i in range(POOL.num_addresses)]
    with pytest.raises(PlanError, match="no free address"):
        allocate(pillar_of(many), {})
