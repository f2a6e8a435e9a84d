"""From a real salt-master: a highstate provisions two workstations on this host, the fleet's
isolation report comes back as data, a second highstate changes nothing, and one user's pillar
change changes nothing of the other's. Wall times go to $BULKHEAD_FLEET_TIMINGS (JSON) when set."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.fleet.conftest import Fleet
from tests.topology import wait_ready

pytestmark = pytest.mark.fleet
TIMINGS: dict[str, object] = {}


def timed(key: str, fleet: Fleet, *args: str, target: str = "*") -> dict:
    """Run from the master; record its wall time and, for a highstate, each minion's slowest
    states (seconds), to show where the time goes."""
    start = time.monotonic()
    out = fleet.run(*args, target=target)
    TIMINGS[key] = round(time.monotonic() - start, 1)
    for minion, ret in out.items():
        if args[0] == "state.highstate" and isinstance(ret, dict):
            slow = sorted(((v.get("duration", 0) / 1000, k.split("_|-")[1]) for k, v in ret.items()),
                          reverse=True)[:5]
            TIMINGS[f"{key}: {minion}'s slowest states"] = [f"{s:.1f} {n}" for s, n in slow]
    return out


def failed(ret: dict) -> list[str]:
    assert isinstance(ret, dict), ret  # a list is Salt's rendering errors
    return [f"{k}: {v['comment']}" for k, v in ret.items() if v["result"] is not True]


def changed(ret: dict) -> list[str]:
    return sorted(k.split("_|-")[1] for k, v in ret.items() if v["changes"])


@pytest.fixture(scope="module")
def provisioned(fleet: Fleet) -> Fleet:
    """The cold highstate of both workstations from the master, the booted guests ready."""
    out = timed("cold, 2 workstations", fleet, "state.highstate")
    for user in fleet.users.values():
        assert failed(out[user.minion_id]) == [], user.minion_id
        assert f"bulkhead-domains-{user.short}-work" in changed(out[user.minion_id])
    alice = fleet.users["alice"]
    wait_ready([f"{alice.short}-net", f"{alice.short}-work"])
    return fleet


@pytest.fixture(scope="module", autouse=True)
def report_timings():
    yield
    if TIMINGS and os.environ.get("BULKHEAD_FLEET_TIMINGS"):
        with open(os.environ["BULKHEAD_FLEET_TIMINGS"], "w") as out:
            json.dump(TIMINGS, out, indent=2)


def test_a_second_highstate_changes_nothing(provisioned: Fleet):
    out = timed("no-op, 2 workstations", provisioned, "state.highstate")
    for user in provisioned.users.values():
        assert failed(out[user.minion_id]) == [], user.minion_id
        assert changed(out[user.minion_id]) == [], user.minion_id
    alice = provisioned.users["alice"].minion_id
    out = timed("no-op, 1 workstation", provisioned, "state.highstate", target=alice)
    assert (failed(out[alice]), changed(out[alice])) == ([], [])


def test_the_fleet_report_has_every_workstations_checks(provisioned: Fleet):
    out = timed("bulkhead.verify, 2 workstations", provisioned, "bulkhead.verify")
    for user in provisioned.users.values():
        report = out[user.minion_id]
        assert report["workstation"] == user.minion_id
        bad = [c for c in report["checks"] if c["result"] is not True]
        assert report["result"] is True and bad == [], (user.minion_id, report["summary"], bad)
        assert report["checks"] and all(set(c) >= {"name", "result", "message"} for c in report["checks"])
    alice = provisioned.users["alice"].minion_id
    assert any(c["outcome"] == "passed" and "guest_network" in c["name"] for c in out[alice]["checks"])


def test_one_users_pillar_change_changes_nothing_of_the_others(provisioned: Fleet):
    bob, alice = provisioned.users["bob"], provisioned.users["alice"]
    bob.write_pillar(work_mib=160)
    provisioned.run("saltutil.refresh_pillar", "wait=True")
    out = provisioned.run("state.highstate")
    assert failed(out[alice.minion_id]) == [] and changed(out[alice.minion_id]) == []
    assert failed(out[bob.minion_id]) == []
    assert changed(out[bob.minion_id]) == [f"bulkhead-domains-{bob.short}-work"]
