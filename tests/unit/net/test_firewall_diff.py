"""Rule diffs as the Salt state reports them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.model import FirewallRule
from saltext.bulkhead.net import describe_rule, diff_clients, diff_rules
from tests.unit.net.firewall_strategies import rules

R = FirewallRule
WEB = R(action="accept", proto="tcp", dsthost="10.0.0.1", dstports=80)
DNS = R(action="accept", specialtarget="dns")
PING = R(
    action="drop",
    proto="icmp",
    dsthost="10.0.0.0/8",
    icmptype=8,
    expire=1700000000,
    comment="no ping",
)


def test_rules_read_as_one_line_each():
    assert describe_rule(WEB) == "accept tcp 10.0.0.1:80"
    assert describe_rule(DNS) == "accept dns"
    assert describe_rule(R(action="drop", specialtarget="dns", proto="udp")) == "drop udp dns"
    assert describe_rule(PING) == "drop icmp 10.0.0.0/8 type 8 until 1700000000 # no ping"
    assert (
        describe_rule(R(action="accept", proto="udp", dstports="1000-2000"))
        == "accept udp *:1000-2000"
    )
    assert describe_rule(R(action="drop")) == "drop any *"


def test_added_removed_and_moved_rules():
    assert diff_rules([WEB], [WEB, DNS]) == ["+ accept dns"]
    assert diff_rules([WEB, DNS], [DNS]) == ["- accept tcp 10.0.0.1:80"]
    # First match wins, so a move is a change: shown as removal and re-addition.
    assert diff_rules([WEB, DNS, PING], [DNS, PING, WEB]) == [
        "- accept tcp 10.0.0.1:80",
        "+ accept tcp 10.0.0.1:80",
    ]
    assert diff_rules([WEB], [WEB]) == []


def test_client_diffs_name_only_changed_clients():
    old = {"work": [WEB], "mail": [DNS], "gone": []}
    new = {"work": [WEB], "mail": [DNS, PING], "fresh": []}
    assert diff_clients(old, new) == {
        "fresh": [],
        "gone": [],
        "mail": ["+ drop icmp 10.0.0.0/8 type 8 until 1700000000 # no ping"],
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(rules(), max_size=6), st.lists(rules(), max_size=6))
def test_diff_applied_to_old_gives_new(old, new):
    # Replaying the diff in order over the old list reproduces the new one: nothing is lost.
    lines = diff_rules(old, new)
    described_old = [describe_rule(r) for r in old]
    described_new = [describe_rule(r) for r in new]
    removed = [line[2:] for line in lines if line.startswith("- ")]
    added = [line[2:] for line in lines if line.startswith("+ ")]
    assert all(line[:2] in ("+ ", "- ") for line in lines)
    assert len(described_old) - len(removed) + len(added) == len(described_new)
    assert (lines == []) == (described_old == described_new)


def test_state_changes_are_empty_when_the_netvm_enforces_the_same_hash():
    from saltext.bulkhead.net import ruleset_changes

    assert ruleset_changes("abc", {"work": [WEB]}, "abc", {"work": [WEB, DNS]}) == {}
    assert ruleset_changes(
        None, {}, "def", {"work": [WEB]}, closed={"mail": "dsthost 'x' did not resolve"}
    ) == {
        "ruleset": {"old": None, "new": "def"},
        "rules": {"work": ["+ accept tcp 10.0.0.1:80"]},
        "closed": {"mail": "dsthost 'x' did not resolve"},
    }
    # Same rules, different text (a rule expired, a name moved): the hash still reports the change.
    assert ruleset_changes("abc", {"work": [WEB]}, "def", {"work": [WEB]}) == {
        "ruleset": {"old": "abc", "new": "def"}
    }
