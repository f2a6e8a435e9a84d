"""From a real salt-master: a highstate provisions two workstations on this host, the fleet's
isolation report comes back as data, a second highstate changes nothing, and one user's pillar
change changes nothing of the other's. Wall times go to $BULKHEAD_FLEET_TIMINGS (JSON) when set;
with $BULKHEAD_FLEET_COLD=1 the cold highstate is of alice alone first (1 workstation), then of
the fleet (bob's cold one beside alice's no-op), for bench/fleet's 1-workstation cold row."""

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
            slow = sorted(
                ((v.get("duration", 0) / 1000, k.split("_|-")[1]) for k, v in ret.items()),
                reverse=True,
            )[:5]
            TIMINGS[f"{key}: {minion}'s slowest states"] = [f"{s:.1f} {n}" for s, n in slow]
            total = sum(v.get("duration", 0) for v in ret.values()) / 1000
            TIMINGS[f"{key}: {minion}'s states in all"] = round(total, 1)
    return out


def failed(ret: dict) -> list[str]:
    assert isinstance(ret, dict), ret  # a list is Salt's rendering errors
    return [f"{k}: {v['comment']}" for k, v in ret.items() if v["result"] is not True]


def changed(ret: dict) -> list[str]:
    return sorted(k.split("_|-")[1] for k, v in ret.items() if v["changes"])


@pytest.fixture(scope="module")
def provisioned(fleet: Fleet) -> Fleet:
    """The cold highstate of both workstations from the master, the booted guests ready."""
    if os.environ.get("BULKHEAD_FLEET_COLD") == "1":
        alice = fleet.users["alice"].minion_id
        first = timed("cold, 1 workstation", fleet, "state.highstate", target=alice)
        assert failed(first[alice]) == [], alice
        out = timed("cold bob beside no-op alice", fleet, "state.highstate")
        out[alice] = first[alice]  # alice's cold changes, checked below with bob's
    else:
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


# With nothing outside on the uplink, no client has anything to ping: the anti-spoofing check
# has no control and is skipped (not passed), so alice's report is not all true: retcode 3.
NO_CONTROL = "guest_network: spoofed_source_addresses_are_dropped [local]"


def test_the_fleet_report_has_every_workstations_checks(provisioned: Fleet):
    start = time.monotonic()
    ret = provisioned.salt.run("bulkhead.verify", minion_tgt="*", _timeout=900)
    TIMINGS["bulkhead.verify, 2 workstations"] = round(time.monotonic() - start, 1)
    alice, bob = provisioned.users["alice"].minion_id, provisioned.users["bob"].minion_id
    assert set(ret.data) == {alice, bob}
    for minion, report in ret.data.items():
        assert report["workstation"] == minion
        assert report["checks"] and all(
            set(c) >= {"name", "result", "message"} for c in report["checks"]
        )
        assert not [c for c in report["checks"] if c["result"] is False], (
            minion,
            report["summary"],
        )
    assert ret.data[bob]["result"] is True and ret.data[bob]["exit_code"] == 0
    not_true = {
        c["name"]: c["outcome"] for c in ret.data[alice]["checks"] if c["result"] is not True
    }
    assert not_true == {NO_CONTROL: "skipped"}, ret.data[alice]["summary"]
    assert ret.data[alice]["exit_code"] == 3 and ret.returncode != 0  # the fleet run fails
    assert any(c["outcome"] == "passed" and c["name"].startswith("guest_network")
               for c in ret.data[alice]["checks"])


def test_one_users_pillar_change_changes_nothing_of_the_others(provisioned: Fleet):
    bob, alice = provisioned.users["bob"], provisioned.users["alice"]
    bob.write_pillar(work_mib=160)
    provisioned.run("saltutil.refresh_pillar", "wait=True")
    out = provisioned.run("state.highstate")
    assert failed(out[alice.minion_id]) == [] and changed(out[alice.minion_id]) == []
    assert failed(out[bob.minion_id]) == []
    assert f"bulkhead-domains-{bob.short}-work" in changed(out[bob.minion_id])
