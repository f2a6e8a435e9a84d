"""Inside the guests: what each domain can reach matches the isolation the pillar describes.

Commands run in the domains through their agent channels (``bulkhead://`` testinfra hosts), so a
domain without any network is checked too. Probes are short TCP connects (busybox ``nc -w``) and
single pings, all of a check's at once (verify/reach.py); every "cannot reach" claim is backed by a
control that shows the target answers.
"""

from __future__ import annotations

import ipaddress
import json
import time

from saltext.bulkhead.verify.firewall_oracle import verdict
from saltext.bulkhead.verify.reach import reached
from saltext.bulkhead.verify.skips import no_subject, not_applicable, skipped

IP = ipaddress.IPv4Address


def _ping_from(guest, address, source) -> bool:
    """One ping of ``address`` sent from ``source`` (an address the guest took on for it)."""
    return guest.run("ping -c 1 -W 2 -I %s %s", str(source), str(address)).rc == 0


def _ping_or_ssh(address) -> list[tuple]:
    """The probes that show ``address`` answers at all: a ping, or a TCP connect to port 22."""
    return [("ping", address), ("tcp", address, 22)]


def _answers(got, name, address) -> bool:
    return any(got[(name, probe)] for probe in _ping_or_ssh(address))


def _clients(pillar, plan, running):
    """Running domains with a netvm, with their address and the address of their netvm."""
    out = {}
    for name in running:
        domain = pillar.domains[name]
        netvm = domain.netvm
        if netvm is not None and netvm in plan.domains and plan.domains[name].allocation.address:
            out[name] = (
                plan.domains[name].allocation.address,
                plan.domains[netvm].allocation.address,
            )
    return out


def _probes(pillar, clients, options):
    """(address, port) of TCP services to try from every client: each tcp rule's single-port
    literal destination, plus --bulkhead-probe."""
    found = set()
    for name in clients:
        for rule in pillar.domains[name].firewall:
            ports = rule.port_range
            if rule.proto == "tcp" and ports and ports[0] == ports[1] and rule.dsthost:
                try:
                    found.add((IP(rule.dsthost), ports[0]))
                except ValueError:
                    continue  # a network or a name: no single host to probe
    for spec in options:
        address, _, port = spec.rpartition(":")
        found.add((IP(address), int(port)))
    return sorted(found)


def _unchecked(paused_domains, names_) -> list[str]:
    """The one line for each paused domain among ``names_`` (the ones a check needs)."""
    return [paused_domains[name] for name in sorted(names_)]


def _cut_off(pillar, names_):
    """Domains with no way out at all: no netvm, no uplink, not serving a network."""
    return [n for n in names_
            if not (pillar.domains[n].has_way_out or pillar.domains[n].provides_network)]


def test_domains_without_netvm_or_uplink_have_no_interface_inside(bulkhead_pillar, running_domains,
                                                                  guest, paused_domains):
    problems = _unchecked(paused_domains, _cut_off(bulkhead_pillar, paused_domains))
    for name in _cut_off(bulkhead_pillar, running_domains):
        interfaces = guest(name).check_output("ls /sys/class/net").split()
        if interfaces != ["lo"]:
            problems.append(f"{name} has netvm: none, but inside it sees {', '.join(interfaces)}")
    assert not problems, "\n".join(problems)


def test_clients_of_one_netvm_cannot_reach_each_other(bulkhead_pillar, bulkhead_plan,
                                                     running_domains, guest, not_running,
                                                     paused_domains):
    clients = _clients(bulkhead_pillar, bulkhead_plan, running_domains)
    problems = _unchecked(paused_domains, _clients(bulkhead_pillar, bulkhead_plan, paused_domains))
    by_netvm: dict[str, list[str]] = {}
    for name in clients:
        by_netvm.setdefault(str(bulkhead_pillar.domains[name].netvm), []).append(name)
    pairs = [
        (a, b)
        for names_ in by_netvm.values()
        for a, b in zip(names_, names_[1:] + names_[:1], strict=True)
        if a != b
    ]
    if not pairs and not problems:
        no_subject("no netvm has two running clients", not_running)
    asked: dict[str, list[tuple]] = {}
    for source, target in pairs:
        asked.setdefault(source, []).extend(_ping_or_ssh(clients[target][0]))
    got = reached(guest, asked)
    for source, target in pairs:
        address = clients[target][0]
        if _answers(got, source, address):
            problems.append(f"{source} reaches {target} ({address}) through their netvm")
    assert not problems, "\n".join(problems)


def test_domains_cannot_reach_the_host(host, bulkhead_pillar, running_domains, guest, not_running,
                                       paused_domains):
    addresses = [IP(a["local"]) for link in json.loads(host.check_output("ip -j -4 addr show"))
                 for a in link.get("addr_info", []) if not IP(a["local"]).is_loopback]
    networked = [n for n in running_domains if bulkhead_pillar.domains[n].has_way_out]
    paused = _unchecked(paused_domains,
                        [n for n in paused_domains if bulkhead_pillar.domains[n].has_way_out])
    if not networked and not paused:
        no_subject("no running domain has a network", not_running)
    if not addresses:
        skipped("the host has no IPv4 address but loopback to probe")
    got = reached(guest, {name: [p for a in addresses for p in _ping_or_ssh(a)]
                          for name in networked})
    problems = paused + [f"{name} reaches the host at {address}"
                         for name in networked for address in addresses
                         if _answers(got, name, address)]
    assert not problems, "\n".join(problems)


def test_firewall_allows_exactly_what_the_rules_allow(
    bulkhead_pillar, bulkhead_plan, running_domains, guest, request, not_running, paused_domains
):
    clients = _clients(bulkhead_pillar, bulkhead_plan, running_domains)
    paused = _clients(bulkhead_pillar, bulkhead_plan, paused_domains)
    options = request.config.getoption("--bulkhead-probe")
    probes = _probes(bulkhead_pillar, {**clients, **paused}, options)
    problems = _unchecked(paused_domains, paused) if probes else []
    if (not clients or not probes) and not problems:
        no_subject("no running client or nothing to probe (no single-port tcp rule, no --probe)",
                   not_running)
    now = int(time.time())
    got = reached(guest, {name: [("tcp", *probe) for probe in probes] for name in clients})
    for name, (address, port) in sorted((n, p) for n in clients for p in probes):
        reaches = got[(name, ("tcp", address, port))]
        rules = bulkhead_pillar.domains[name].firewall
        allowed = verdict(rules, address, "tcp", port, dns=[clients[name][1]], now=now)
        if allowed is None:
            continue  # the rules name a host by DNS name: the oracle cannot judge
        if reaches and not allowed:
            problems.append(f"{name} reaches {address}:{port}, which its rules do not allow")
        elif allowed and not reaches:
            problems.append(f"{name} cannot reach {address}:{port}, which its rules allow")
    assert not problems, "\n".join(problems)


def test_dns_goes_only_through_the_netvm(bulkhead_pillar, bulkhead_plan, running_domains, guest,
                                        not_running, paused_domains):
    clients = _clients(bulkhead_pillar, bulkhead_plan, running_domains)
    problems = _unchecked(paused_domains, _clients(bulkhead_pillar, bulkhead_plan, paused_domains))
    upstream = {
        d.uplink.dns[0] for d in bulkhead_pillar.domains.values() if d.uplink and d.uplink.dns
    }
    if not upstream:
        not_applicable("no uplink in the pillar names a DNS server")
    if not clients and not problems:
        no_subject("no running client", not_running)
    got = reached(guest, {name: [("tcp", a, 53) for a in (netvm_address, *sorted(upstream))]
                          for name, (_own, netvm_address) in clients.items()})
    for name, (_own, netvm_address) in sorted(clients.items()):
        rules = bulkhead_pillar.domains[name].firewall
        via_netvm = got[(name, ("tcp", netvm_address, 53))]
        if via_netvm != bool(verdict(rules, netvm_address, "tcp", 53, dns=[netvm_address])):
            problems.append(f"{name}: DNS through its netvm {netvm_address} is "
                            f"{'open' if via_netvm else 'closed'}, its rules say otherwise")
        for server in sorted(upstream):
            direct = got[(name, ("tcp", server, 53))]
            if direct and not verdict(rules, server, "tcp", 53, dns=[netvm_address]):
                problems.append(
                    f"{name} reaches the DNS server {server} directly, not through its netvm"
                )
    assert not problems, "\n".join(problems)


def _spoofer(guest, clients, targets) -> tuple | None:
    """The first client (by name) and the first target it can ping with its own address: the
    control showing a spoofed ping would otherwise be answered. Every client pings every target
    at once (reach.py), so a silent target costs its timeout once, not once per client."""
    answered = reached(guest, {name: [("ping", t) for t in targets] for name in clients})
    for name in sorted(clients):
        target = next((t for t in targets if answered[(name, ("ping", t))]), None)
        if target is not None:
            return name, target
    return None


def test_spoofed_source_addresses_are_dropped(bulkhead_pillar, bulkhead_plan, running_domains,
                                              guest, not_running, paused_domains):
    clients = _clients(bulkhead_pillar, bulkhead_plan, running_domains)
    paused = _unchecked(paused_domains, _clients(bulkhead_pillar, bulkhead_plan, paused_domains))
    if not clients and not paused:
        no_subject("no running client", not_running)
    targets = sorted({d.uplink.address.ip for d in bulkhead_pillar.domains.values() if d.uplink}
                     | {netvm for _, netvm in clients.values()})
    found = _spoofer(guest, clients, targets)
    if found is not None:
        name, target = found
        g = guest(name)
        victim = next(
            (clients[o][0] for o in sorted(clients) if o != name), IP(int(clients[name][0]) + 1)
        )
        g.check_output("ip addr add %s/32 dev lo", str(victim))
        try:
            spoofed = _ping_from(g, target, victim)
        finally:
            g.run("ip addr del %s/32 dev lo", str(victim))
        assert not spoofed, f"{name} pretending to be {victim} got an answer from {target}"
        assert not paused, "\n".join(paused)
        return
    assert not paused, "\n".join(paused)
    skipped("no running client can ping anything to show a spoof would otherwise pass")


def test_netvms_enforce_their_compiled_ruleset(compiled_rulesets, running_domains, guest,
                                               not_running, paused_domains):
    rulesets = compiled_rulesets
    running = [n for n in running_domains if n in rulesets]
    problems = _unchecked(paused_domains, [n for n in paused_domains if n in rulesets])
    if not running and not problems:
        no_subject("no netvm is running", not_running)
    for name in running:
        out = guest(name).run(
            "sha256sum < /run/bulkhead/agent/firewall.nft && nft list table inet bulkhead "
            ">/dev/null"
        )
        enforced = out.stdout.split()[0] if out.rc == 0 and out.stdout.strip() else None
        if enforced != rulesets[name].sha256:
            problems.append(f"{name} enforces {enforced and enforced[:12]}, the pillar compiles to "
                            f"{rulesets[name].sha256[:12]} (apply bulkhead.firewall)")
    assert not problems, "\n".join(problems)
