"""The suite's independent reading of firewall rules: first match wins, then drop."""

from __future__ import annotations

import ipaddress

import pytest

from saltext.bulkhead.model import FirewallRule
from saltext.bulkhead.verify.firewall_oracle import verdict

IP = ipaddress.IPv4Address


def rules(*specs: dict) -> list[FirewallRule]:
    return [FirewallRule.model_validate(s) for s in specs]


WORK = rules({"action": "accept", "proto": "tcp", "dsthost": "192.0.2.1", "dstports": 80},
             {"action": "accept", "specialtarget": "dns"},
             {"action": "drop"})


@pytest.mark.parametrize("address,proto,port,expected", [
    ("192.0.2.1", "tcp", 80, True),
    ("192.0.2.1", "tcp", 8080, False),
    ("192.0.2.1", "udp", 80, False),
    ("192.0.2.2", "tcp", 80, False),
    ("10.137.0.4", "tcp", 53, True),   # the DNS server it is given
    ("192.0.2.1", "tcp", 53, False),   # DNS straight to the upstream server
    ("192.0.2.1", "icmp", None, False),
])
def test_first_match_then_drop(address, proto, port, expected):
    assert verdict(WORK, IP(address), proto, port, dns=[IP("10.137.0.4")]) is expected


def test_no_rules_drop_everything_and_accept_all_accepts_everything():
    assert verdict([], IP("192.0.2.1"), "tcp", 80) is False
    assert verdict(rules({"action": "accept"}), IP("192.0.2.1"), "icmp", None) is True


def test_ranges_networks_expiry_and_icmp_types():
    spec = rules(
        {
            "action": "accept",
            "proto": "tcp",
            "dsthost": "192.0.2.0/24",
            "dstports": "8000-8080",
            "expire": 100,
        },
        {"action": "accept", "proto": "icmp", "icmptype": 0},
        {"action": "accept", "proto": "icmp", "icmptype": 8},
    )
    assert verdict(spec, IP("192.0.2.9"), "tcp", 8080, now=99) is True
    assert verdict(spec, IP("192.0.2.9"), "tcp", 8080, now=100) is False  # expired
    assert verdict(spec, IP("192.0.2.9"), "tcp", 7999, now=0) is False
    assert verdict(spec, IP("192.0.2.9"), "icmp", None) is True  # the echo-request rule


def test_a_name_leaves_the_verdict_open():
    assert (
        verdict(rules({"action": "accept", "dsthost": "example.org"}), IP("192.0.2.1"), "tcp", 80)
        is None
    )
    # ...unless an earlier rule already decided.
    assert (
        verdict(
            rules(
                {"action": "drop", "proto": "tcp"}, {"action": "accept", "dsthost": "example.org"}
            ),
            IP("192.0.2.1"),
            "tcp",
            80,
        )
        is False
    )
