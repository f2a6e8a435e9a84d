"""compile_netvm_ruleset: structure, semantics of each rule key, fail-closed clients, refusals."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError

from saltext.bulkhead.model import FirewallRule
from saltext.bulkhead.net import (
    FirewallCompileError,
    NetvmInterfaces,
    RulesetCheckError,
    check_ruleset,
    compile_netvm_ruleset,
)
from tests.unit.net.firewall_strategies import fake_resolver
from tests.unit.net.nft_helpers import chains, needs_nft

R = FirewallRule
DNS = ["10.137.0.2"]


def compile_(clients, now=1000, resolve=fake_resolver, **kwargs):
    kwargs.setdefault("dns", DNS)
    return compile_netvm_ruleset("sys-net", clients, now, resolve, **kwargs)


def nxdomain(name: str) -> list[str]:
    raise OSError(f"{name}: Name or service not known")


def test_client_chain_keeps_rule_order_and_ends_in_drop():
    rs = compile_({"work": ("10.137.0.5", [
        R(action="accept", proto="tcp", dsthost="192.0.2.7", dstports="8000-8080", comment="web"),
        R(action="drop", proto="udp", dsthost="198.51.100.0/24"),
        R(action="accept", proto="icmp", icmptype=8),
        R(action="accept", proto="udp", dstports=123),
        R(action="accept"),
    ])})
    assert chains(rs.text)["client-10-137-0-5"] == [
        'ip daddr 192.0.2.7 tcp dport 8000-8080 accept comment "web"',
        "ip daddr 198.51.100.0/24 meta l4proto udp drop",
        "icmp type 8 accept",
        "udp dport 123 accept",
        "accept",
        'drop comment "client work"',
    ]


def test_dns_special_target_is_port_53_to_the_dns_servers():
    rs = compile_({"a": ("10.137.0.5", [R(action="accept", specialtarget="dns"),
                                        R(action="drop", specialtarget="dns", proto="tcp")])},
                  dns=["10.139.1.2", "10.139.1.1"])
    assert chains(rs.text)["client-10-137-0-5"][:2] == [
        "ct original ip daddr { 10.139.1.1, 10.139.1.2 } meta l4proto { tcp, udp } th dport 53 "
        "accept",
        "ct original ip daddr { 10.139.1.1, 10.139.1.2 } tcp dport 53 drop",
    ]


def test_dns_special_target_without_dns_servers_matches_nothing():
    rs = compile_({"a": ("10.137.0.5", [R(action="accept", specialtarget="dns")])}, dns=[])
    assert chains(rs.text)["client-10-137-0-5"] == ['drop comment "client a"']
    assert "th dport 53" not in rs.text  # no DNS opening in the input chain either


def test_expired_rules_are_left_out_and_next_expiry_is_reported():
    rs = compile_({"a": ("10.137.0.5", [
        R(action="accept", proto="tcp", expire=999),
        R(action="accept", proto="udp", expire=1000),
        R(action="accept", proto="icmp", expire=1001),
        R(action="drop", expire=5000),
    ])}, now=1000)
    assert chains(rs.text)["client-10-137-0-5"][:-1] == [
        "meta l4proto icmp meta time < 1001 accept",
        "meta time < 5000 drop",
    ]
    (summary,) = rs.clients
    assert (summary.rules_applied, summary.rules_expired, summary.next_expiry) == (2, 2, 1001)
    assert rs.next_expiry == 1001


def test_expiry_beyond_kernel_time_is_enforced_by_recompiling_only():
    # nft wraps times past 2262 silently, so no time match is written for them.
    rs = compile_({"a": ("10.137.0.5", [R(action="accept", expire=253402300799)])})
    assert chains(rs.text)["client-10-137-0-5"][0] == "accept"
    assert rs.next_expiry == 253402300799


def test_names_are_resolved_on_the_host_and_never_written():
    seen = []

    def resolve(name):
        seen.append(name)
        return ["192.0.2.9", "192.0.2.1", "192.0.2.9"]

    rs = compile_(
        {"a": ("10.137.0.5", [R(action="accept", dsthost="updates.example.org")])}, resolve=resolve
    )
    assert seen == ["updates.example.org"]
    assert chains(rs.text)["client-10-137-0-5"][0] == "ip daddr { 192.0.2.1, 192.0.2.9 } accept"
    assert "example" not in rs.text


@pytest.mark.parametrize(
    "resolve",
    [nxdomain, lambda n: [], lambda n: ["2001:db8::1"], lambda n: ["1.2.3.4; flush ruleset"]],
)
def test_unusable_name_closes_only_that_client(resolve):
    rs = compile_({
        "bad": ("10.137.0.9", [R(action="accept", proto="tcp", dstports=443),
                               R(action="accept", dsthost="mirror.example.org")]),
        "good": ("10.137.0.5", [R(action="accept")]),
    }, resolve=resolve)
    parsed = chains(rs.text)
    assert parsed["client-10-137-0-9"] == ['drop comment "client bad fails closed"']
    assert parsed["client-10-137-0-5"] == ["accept", 'drop comment "client good"']
    bad, good = sorted(rs.clients, key=lambda c: c.name)
    assert not bad.applied and "mirror.example.org" in bad.closed_reason
    assert good.applied and good.closed_reason is None
    assert "flush" not in rs.text


def test_dns_target_with_ports_or_icmp_closes_the_client():
    # The model accepts these combinations; they have no meaning, so the client fails closed.
    rs = compile_({"a": ("10.137.0.5", [R(action="accept", specialtarget="dns", proto="icmp")])})
    assert chains(rs.text)["client-10-137-0-5"] == ['drop comment "client a fails closed"']
    assert "port 53" in rs.clients[0].closed_reason


def test_forward_checks_source_of_every_client_packet_and_drops_unknown_sources():
    rs = compile_({"b": ("10.137.0.9", []), "a": ("10.137.0.5", [])})
    forward = chains(rs.text)["forward"]
    assert forward[0] == "type filter hook forward priority filter; policy drop;"
    assert forward[1:] == [
        "ct state invalid drop",
        'iifname "eth1" oifname "eth1" drop',
        'iifname "eth1" ip saddr vmap { 10.137.0.5 : jump client-10-137-0-5, 10.137.0.9 : jump '
        'client-10-137-0-9 }',
        'iifname "eth1" drop',
        "ct state established,related accept",
    ]


def test_input_offers_clients_only_dns_through_their_own_rules():
    rs = compile_({"a": ("10.137.0.5", [])})
    assert chains(rs.text)["input"][1:] == [
        'iifname "lo" accept',
        "ct state invalid drop",
        'iifname "eth1" ip daddr 10.137.0.2 meta l4proto { tcp, udp } th dport 53 ip saddr vmap { '
        '10.137.0.5 : jump client-10-137-0-5 }',
        'iifname "eth1" drop',
        "ct state established,related accept",
    ]


def test_nat_masquerades_client_sources_on_the_uplink_only():
    rs = compile_({"a": ("10.137.0.5", []), "b": ("10.137.0.7", [])},
                  interfaces=NetvmInterfaces(serving="vif0", uplink="wan0"))
    assert (
        chains(rs.text)["postrouting"][1]
        == 'oifname "wan0" ip saddr { 10.137.0.5, 10.137.0.7 } masquerade'
    )
    no_uplink = compile_(
        {"a": ("10.137.0.5", [])}, interfaces=NetvmInterfaces.by_nic_order(has_uplink=False)
    )
    assert "postrouting" not in chains(no_uplink.text)
    assert 'iifname "eth0" drop' in chains(no_uplink.text)["forward"]


def test_no_clients_means_nothing_is_forwarded():
    rs = compile_({})
    assert "vmap" not in rs.text and "masquerade" not in rs.text
    assert chains(rs.text)["forward"][0].endswith("policy drop;")


def test_text_replaces_only_the_bulkhead_table_atomically():
    lines = compile_({}).text.splitlines()
    assert lines[1:4] == [
        "table inet bulkhead",
        "delete table inet bulkhead",
        "table inet bulkhead {",
    ]
    assert "flush ruleset" not in "\n".join(lines)


def test_output_is_deterministic_whatever_the_client_order():
    a = {"x": ("10.137.0.9", [R(action="accept")]), "y": ("10.137.0.5", [R(action="drop")])}
    b = dict(reversed(list(a.items())))
    assert compile_(a).text == compile_(b).text
    assert compile_(a).sha256 == compile_(b).sha256
    assert compile_(a).sha256 != compile_({"x": a["x"]}).sha256


@pytest.mark.parametrize("rule, message", [
    (R.model_construct(action="accept", proto="tcp", dstports=70000), "port"),
    (R.model_construct(action="accept", proto="tcp", dstports="80-70000"), "port"),
    (R.model_construct(action="accept", proto="sctp"), "proto"),
    (R.model_construct(action="reject"), "action"),
    (R.model_construct(action="accept", dsthost="1.2.3.4; flush ruleset"), "dsthost"),
    (R.model_construct(action="accept", dsthost="$(reboot)"), "dsthost"),
    (R.model_construct(action="accept", dsthost="10.0.0.1/8"), "dsthost"),
    (R.model_construct(action="accept", comment='x" ; flush ruleset ; "'), "comment"),
    (R.model_construct(action="accept", proto="icmp", icmptype=256), "icmptype"),
    (R.model_construct(action="accept", dstports=80), "dstports"),
])
def test_input_outside_the_allow_list_refuses_the_whole_ruleset(rule, message):
    # Expired or not: a rule of this shape means validation was bypassed, so nothing is delivered.
    for expire in (None, 1):
        bad = rule.model_copy(update={"expire": expire})
        with pytest.raises(FirewallCompileError, match=message):
            compile_({"good": ("10.137.0.5", [R(action="accept")]), "bad": ("10.137.0.9", [bad])})


@pytest.mark.parametrize("data", [
    {"action": "accept", "proto": "tcp", "dstports": 70000},
    {"action": "accept", "proto": "sctp"},
    {"action": "accept", "dsthost": "example.com;reboot"},
    {"action": "accept", "dsthost": "a b"},
    {"action": "accept", "dsthost": "`id`"},
    {"action": "accept", "comment": "a\"b"},
])
def test_the_model_refuses_the_same_input_first(data):
    with pytest.raises(ValidationError):
        FirewallRule.model_validate(data)


@pytest.mark.parametrize("kwargs, message", [
    ({"clients": {"a": ("10.137.0.5", []), "b": ("10.137.0.5", [])}}, "share the address"),
    ({"clients": {"A;": ("10.137.0.5", [])}}, "domain name"),
    ({"clients": {"a": ("10.137.0.5 ", [])}}, "IPv4"),
    ({"clients": {"a": (ipaddress.IPv6Address("::1"), [])}}, "IPv4"),
    ({"clients": {}, "dns": ["8.8.8.8; flush"]}, "IPv4"),
    ({"clients": {}, "interfaces": NetvmInterfaces(serving='eth1"')}, "interface"),
    ({"clients": {}, "now": 1.5}, "now"),
])
def test_bad_compile_arguments_are_refused(kwargs, message):
    with pytest.raises(FirewallCompileError, match=message):
        compile_(**kwargs)


def test_bad_netvm_name_is_refused():
    with pytest.raises(FirewallCompileError, match="domain name"):
        compile_netvm_ruleset("net\n}", {}, 0, fake_resolver, dns=[])


@needs_nft
def test_nft_accepts_a_ruleset_with_every_kind_of_rule():
    rs = compile_(
        {
            "work": (
                "10.137.0.5",
                [
                    R(
                        action="accept",
                        proto="tcp",
                        dsthost="192.0.2.0/24",
                        dstports="1-65535",
                        comment="all tcp (x) #1",
                    ),
                    R(action="accept", specialtarget="dns", proto="udp"),
                    R(action="drop", proto="icmp", icmptype=0, expire=1_000_000),
                    R(action="accept", dsthost="0.0.0.0/0"),
                    R(action="accept", dsthost="mirror.example.org"),
                ],
            ),
            "dead": ("10.137.0.6", [R(action="accept", dsthost="gone.example.org")]),
            "bare": ("10.137.255.254", []),
        },
        resolve=lambda n: nxdomain(n) if n.startswith("gone") else ["192.0.2.1", "192.0.2.2"],
    )
    check_ruleset(rs.text)


@needs_nft
def test_check_ruleset_reports_what_nft_said():
    with pytest.raises(RulesetCheckError, match="refused") as caught:
        check_ruleset("table inet bulkhead {\n\tchain c {\n\t\tip daddr 300.1.1.1 accept\n\t}\n}\n")
    assert "300.1.1.1" in caught.value.output


def test_system_resolver_answers_from_the_host_and_refuses_unknown_names():
    from saltext.bulkhead.net import system_resolver

    assert "127.0.0.1" in system_resolver("localhost")
    rs = compile_(
        {
            "a": (
                "10.137.0.5",
                [
                    R(action="accept", dsthost="localhost"),
                    R(action="accept", dsthost="no-such-host.invalid"),
                ],
            )
        },
        resolve=system_resolver,
    )
    assert not rs.clients[0].applied and "no-such-host.invalid" in rs.clients[0].closed_reason
