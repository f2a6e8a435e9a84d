"""A run plans from its own domains' records when they suffice, and from every record otherwise.

On a host shared with another workstation, a no-op reads no definition of the other's domains.
A new domain (no record yet) or an address pin makes the run read every record of the
workstation, so a domain removed from the pillar but still defined keeps its address from
being handed out again, and a pin on it is refused as before (plan/allocations.py).
"""

from __future__ import annotations

from collections import Counter

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan.metadata import read_recorded
from saltext.bulkhead.virt import (
    InventoryCache,
    connect,
    counting,
    domain_present,
    network_present,
    pool_present,
    tracked,
)

from .two_workstations import ALICE_DOMAINS, alice, bob
from .virt_fixtures import node_file, pillar_data


def run(conn, pillar, names, netvm: str = "net") -> list:
    """One Salt run's worth of states on a fresh, shared inventory: (result, changes) of each."""
    conn = tracked(conn, InventoryCache())
    outs = [pool_present(conn, pillar), network_present(conn, pillar, netvm)]
    outs += [domain_present(conn, pillar, name) for name in names]
    return [(out.result, out.changes, out.comment) for out in outs]


def test_a_noop_reads_no_definition_of_another_workstations_domains(tmp_path) -> None:
    pool = str(tmp_path / "pool")
    ws_a, (ws_b, own) = alice(pool), bob(pool)
    with connect(node_file(tmp_path)) as raw:
        conn, log = counting(raw)
        assert all(r is True for r, _, _ in run(conn, ws_b, [own[n] for n in ALICE_DOMAINS],
                                                 own["net"]))
        assert all(r is True for r, _, _ in run(conn, ws_a, ALICE_DOMAINS))
        log.clear()
        again = run(conn, ws_a, ALICE_DOMAINS)
    assert all((r, changes) == (True, {}) for r, changes, _ in again), again
    assert Counter(log.calls)["domain.XMLDesc"] == len(ALICE_DOMAINS), Counter(log.calls)
    assert log.mutating == []


def addresses(raw, names) -> dict:
    return {name: read_recorded(raw.lookupByName(name).XMLDesc(2)).address for name in names}


def test_a_new_domain_never_gets_the_address_of_one_left_out_of_the_pillar(tmp_path) -> None:
    data = pillar_data(str(tmp_path / "pool"))
    with connect(node_file(tmp_path)) as raw:
        assert all(r is True for r, _, _ in run(raw, load_pillar(data), list(data["domains"])))
        before = addresses(raw, ["work", "dvm"])
        # work leaves the pillar (still defined); a new domain sorted before dvm needs an address
        data["domains"]["aaa"] = data["domains"].pop("work")
        outs = run(raw, load_pillar(data), list(data["domains"]))
        assert all(r is True for r, _, _ in outs), outs
        after = addresses(raw, ["aaa", "dvm", "work"])
    assert after["work"] == before["work"] and after["dvm"] == before["dvm"]
    assert after["aaa"] not in (before["work"], before["dvm"])


def test_a_pin_on_the_address_of_a_domain_left_out_of_the_pillar_is_refused(tmp_path) -> None:
    data = pillar_data(str(tmp_path / "pool"))
    with connect(node_file(tmp_path)) as raw:
        assert all(r is True for r, _, _ in run(raw, load_pillar(data), list(data["domains"])))
        taken = addresses(raw, ["work"])["work"]
        del data["domains"]["work"]
        data["domains"]["dvm"]["ip"] = str(taken)
        result, changes, comment = run(raw, load_pillar(data), ["dvm"])[-1]
    assert result is False and changes == {}
    assert f"{taken} is recorded for domain 'work'" in comment
