"""Firewall rule values cannot carry nft or shell syntax, and keys combine only as allowed."""

from __future__ import annotations

from typing import Any

import pytest

from saltext.bulkhead.model import load_pillar

AT = "bulkhead:domains:work:firewall:0"
DSTHOST_RULE = (
    "must be an IPv4 address, an IPv4 network in CIDR form (10.0.0.0/8) "
    "or a DNS name (letters, digits, '-' and '.')"
)
PORTS_RULE = "must be a port from 1 to 65535 or a range 'N-M' with N <= M"


def with_rule(data: dict[str, Any], **rule: Any) -> dict[str, Any]:
    data["domains"]["work"]["firewall"] = [rule]
    return data


@pytest.mark.parametrize(
    "rule",
    [
        {"action": "accept", "proto": "tcp", "dstports": 80, "dsthost": "10.137.255.254"},
        {"action": "accept", "proto": "udp", "dstports": "1000-2000", "dsthost": "192.168.0.0/16"},
        {"action": "accept", "proto": "tcp", "dstports": "443", "dsthost": "git.example.org"},
        {"action": "accept", "proto": "icmp", "icmptype": 8},
        {"action": "accept", "specialtarget": "dns"},
        {"action": "drop", "expire": 1924992000, "comment": "until 2031 (temporary)"},
    ],
)
def test_valid_rules(rule, valid):
    (loaded,) = load_pillar(with_rule(valid, **rule)).domains["work"].firewall
    assert loaded.action == rule["action"]


def test_port_range_is_parsed_for_the_compiler(valid):
    rules = (
        load_pillar(with_rule(valid, action="accept", proto="tcp", dstports="8000-8080"))
        .domains["work"]
        .firewall
    )
    assert rules[0].port_range == (8000, 8080)


@pytest.mark.parametrize(
    ("rule", "line"),
    [
        ({"action": "reject"}, f"{AT}:action: must be accept or drop (got the text 'reject')"),
        (
            {"action": "accept", "proto": "sctp"},
            f"{AT}:proto: must be tcp, udp or icmp (got the text 'sctp')",
        ),
        (
            {"action": "accept", "proto": "tcp", "dstports": "70000"},
            f"{AT}:dstports: {PORTS_RULE} (got the text '70000')",
        ),
        (
            {"action": "accept", "proto": "tcp", "dstports": "90-80"},
            f"{AT}:dstports: {PORTS_RULE} (got the text '90-80')",
        ),
        (
            {"action": "accept", "proto": "tcp", "dstports": 0},
            f"{AT}:dstports: {PORTS_RULE} (got the number 0)",
        ),
        (
            {"action": "accept", "proto": "tcp", "dstports": "80,443"},
            f"{AT}:dstports: {PORTS_RULE} (got the text '80,443')",
        ),
        (
            {"action": "accept", "proto": "tcp", "dstports": True},
            f"{AT}:dstports: {PORTS_RULE} (got the YAML boolean true)",
        ),
        (
            {"action": "accept", "proto": "icmp", "dstports": 80},
            f"{AT}:dstports: only with proto: tcp or proto: udp",
        ),
        (
            {"action": "accept", "dstports": 80},
            f"{AT}:dstports: only with proto: tcp or proto: udp",
        ),
        (
            {"action": "accept", "proto": "tcp", "icmptype": 8},
            f"{AT}:icmptype: only with proto: icmp",
        ),
        (
            {"action": "accept", "proto": "icmp", "icmptype": 256},
            f"{AT}:icmptype: must be an integer from 0 to 255 (got the number 256)",
        ),
        (
            {"action": "accept", "dsthost": "1.2.3.4; drop"},
            f"{AT}:dsthost: {DSTHOST_RULE} (got the text '1.2.3.4; drop')",
        ),
        (
            {"action": "accept", "dsthost": "$(reboot)"},
            f"{AT}:dsthost: {DSTHOST_RULE} (got the text '$(reboot)')",
        ),
        (
            {"action": "accept", "dsthost": "a.b } accept"},
            f"{AT}:dsthost: {DSTHOST_RULE} (got the text 'a.b }} accept')",
        ),
        (
            {"action": "accept", "dsthost": "-bad.example"},
            f"{AT}:dsthost: {DSTHOST_RULE} (got the text '-bad.example')",
        ),
        (
            {"action": "accept", "dsthost": "10.0.0.1/8"},
            f"{AT}:dsthost: '10.0.0.1/8' is not a valid address or network (10.0.0.1/8 has host "
            f"bits set); {DSTHOST_RULE}",
        ),
        (
            {"action": "accept", "dsthost": "10.0.0.256"},
            f"{AT}:dsthost: '10.0.0.256' is not a valid address or network (Octet 256 (> 255) not "
            f"permitted in '10.0.0.256'); {DSTHOST_RULE}",
        ),
        (
            {"action": "accept", "dsthost": "10.1.1.1", "specialtarget": "dns"},
            f"{AT}:dsthost: not together with specialtarget: the special target names the "
            f"destination",
        ),
        (
            {"action": "accept", "specialtarget": "ntp"},
            f"{AT}:specialtarget: must be dns (got the text 'ntp')",
        ),
        (
            {"action": "accept", "specialtarget": "dns", "proto": "udp", "dstports": 53},
            f"{AT}:dstports: not together with specialtarget: dns (it means TCP/UDP port 53)",
        ),
        (
            {"action": "accept", "specialtarget": "dns", "proto": "icmp"},
            f"{AT}:proto: specialtarget: dns takes proto tcp or udp (or none for both)",
        ),
        (
            {"action": "accept", "expire": "tomorrow"},
            f"{AT}:expire: must be a Unix timestamp (whole seconds since 1970-01-01 UTC) (got the "
            f"text 'tomorrow')",
        ),
        (
            {"action": "accept", "expire": 1.5},
            f"{AT}:expire: must be a Unix timestamp (whole seconds since 1970-01-01 UTC) (got the "
            f"decimal number 1.5)",
        ),
        (
            {"action": "accept", "comment": 'say "hi"'},
            f"{AT}:comment: must be plain text of at most 128 characters: letters, digits, spaces "
            f"and . _ , : ( ) / @ + = # % ! ? - (got the text 'say \"hi\"')",
        ),
        (
            {"action": "accept", "comment": "a\nb"},
            f"{AT}:comment: must be plain text of at most 128 characters: letters, digits, spaces "
            f"and . _ , : ( ) / @ + = # % ! ? - (got the text 'a\\nb')",
        ),
        (
            {"action": "accept", "port": 80},
            f"{AT}:port: unknown key 'port'; allowed: action, dsthost, proto, dstports, icmptype, "
            f"specialtarget, expire, comment",
        ),
        ({}, f"{AT}:action: required key is missing; it must be accept or drop"),
    ],
)
def test_bad_rules(rule, line, valid, errors_of):
    assert errors_of(with_rule(valid, **rule)) == [line]


def test_firewall_must_be_a_list_of_mappings(valid, errors_of):
    data = valid
    data["domains"]["work"]["firewall"] = ["accept all"]
    assert errors_of(data) == [
        f"{AT}: must be a mapping with keys action, dsthost, proto, dstports, icmptype, "
        f"specialtarget, expire, comment (got the text 'accept all')"
    ]
