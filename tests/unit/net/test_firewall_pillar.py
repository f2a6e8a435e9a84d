"""One ruleset per netvm, from a whole pillar and the plan's allocations."""

from __future__ import annotations

import copy

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.net.pillar_rulesets import netvm_clients, pillar_rulesets
from saltext.bulkhead.plan.allocations import allocate
from tests.guests import IMAGE as KERNEL
from tests.unit.net.firewall_strategies import fake_resolver
from tests.unit.net.nft_helpers import chains, needs_nft, vmap_entries

PILLAR = {
    "host": {"address_pool": "10.137.0.0/24"},
    "domains": {
        "debian": {"class": "template", "image": KERNEL, "netvm": "none"},
        "sys-net": {
            "class": "app",
            "template": "debian",
            "provides_network": True,
            "netvm": "none",
        },
        "sys-firewall": {
            "class": "app",
            "template": "debian",
            "provides_network": True,
            "netvm": "sys-net",
        },
        "work": {
            "class": "app",
            "template": "debian",
            "netvm": "sys-firewall",
            "ip": "10.137.0.50",
            "firewall": [
                {"action": "accept", "proto": "tcp", "dsthost": "192.0.2.10", "dstports": 443},
                {"action": "accept", "specialtarget": "dns"},
            ],
        },
        "vault": {"class": "app", "template": "debian", "netvm": "none"},
    },
}


def rulesets(data=PILLAR):
    pillar = load_pillar(data)
    allocations = allocate(pillar, {})
    return pillar, allocations, pillar_rulesets(pillar, allocations, 1000, fake_resolver)


def test_each_netvm_gets_the_rules_of_exactly_its_clients():
    pillar, allocations, by_netvm = rulesets()
    assert sorted(by_netvm) == ["sys-firewall", "sys-net"]
    firewall_ip = str(allocations["sys-firewall"].address)
    assert sorted(netvm_clients(pillar, allocations, "sys-firewall")) == ["work"]
    assert sorted(netvm_clients(pillar, allocations, "sys-net")) == ["sys-firewall"]
    forward = chains(by_netvm["sys-firewall"].text)["forward"]
    jumps = vmap_entries(next(s for s in forward if "vmap" in s))
    assert jumps == {"10.137.0.50": "client-10-137-0-50"}
    work_chain = chains(by_netvm["sys-firewall"].text)["client-10-137-0-50"]
    # DNS is the netvm itself: that is the address guest_config gives clients as their resolver.
    assert (
        work_chain[1]
        == f"ct original ip daddr {firewall_ip} meta l4proto {{ tcp, udp }} th dport 53 accept"
    )
    # sys-firewall's own client chain in sys-net has no rules: it may reach nothing until allowed.
    sys_net = chains(by_netvm["sys-net"].text)
    assert sys_net[f"client-{firewall_ip.replace('.', '-')}"] == [
        'drop comment "client sys-firewall"'
    ]


def test_dns_is_forwarded_to_the_next_netvm_then_to_the_uplinks_server():
    data = copy.deepcopy(PILLAR)
    data["domains"]["sys-net"]["uplink"] = {"network": "lab", "address": "192.0.2.2/24",
                                            "gateway": "192.0.2.1", "dns": ["192.0.2.53"]}
    _, allocations, by_netvm = rulesets(data)
    firewall_ip, net_ip = allocations["sys-firewall"].address, allocations["sys-net"].address
    assert chains(by_netvm["sys-firewall"].text)["prerouting"][1:] == [
        f'iifname "eth1" ip daddr {firewall_ip} meta l4proto {{ tcp, udp }} th dport 53 dnat ip to '
        f'{net_ip}'
    ]
    assert chains(by_netvm["sys-net"].text)["prerouting"][1:] == [
        f'iifname "eth1" ip daddr {net_ip} meta l4proto {{ tcp, udp }} th dport 53 dnat ip to '
        f'192.0.2.53'
    ]
    # An uplink makes sys-net's first NIC its way out: masquerade there, serve on eth1.
    assert f'oifname "eth0" ip saddr {firewall_ip} masquerade' in by_netvm["sys-net"].text
    # Without any upstream server there is nothing to forward to.
    _, _, plain = rulesets()
    assert "prerouting" not in plain["sys-net"].text


def test_uplink_and_nat_follow_whether_the_netvm_has_a_netvm():
    _, _, by_netvm = rulesets()
    assert (
        'oifname "eth0"' in by_netvm["sys-firewall"].text
        and '"eth1"' in by_netvm["sys-firewall"].text
    )
    assert "masquerade" not in by_netvm["sys-net"].text  # no uplink NIC: nothing to masquerade to
    assert 'iifname "eth0" drop' in chains(by_netvm["sys-net"].text)["forward"]


def test_a_rule_change_changes_only_that_netvms_hash():
    _, _, before = rulesets()
    changed = copy.deepcopy(PILLAR)
    changed["domains"]["work"]["firewall"].append({"action": "drop", "proto": "udp"})
    _, _, after = rulesets(changed)
    assert before["sys-net"].sha256 == after["sys-net"].sha256
    assert before["sys-firewall"].sha256 != after["sys-firewall"].sha256


@needs_nft
def test_pillar_rulesets_pass_nft_check():
    from saltext.bulkhead.net import check_ruleset

    for ruleset in rulesets()[2].values():
        check_ruleset(ruleset.text)
