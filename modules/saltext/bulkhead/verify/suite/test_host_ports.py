"""Ports on bulkhead bridges: clients isolated and filtered, netvms not isolated, no one else."""

from __future__ import annotations

from saltext.bulkhead.verify.attachments import UNPLANNED, attachments
from saltext.bulkhead.verify.observe import binding_ports, domain_nics, filter_binding


def _running(libvirt_domains, plan):
    return {
        n: d.live_xml
        for n, d in libvirt_domains.items()
        if d.active and d.ours and n in plan.domains
    }


def test_client_ports_isolated_netvm_ports_not(bulkhead_plan, libvirt_domains, host_bridge_ports):
    problems = []
    for att in attachments(bulkhead_plan, _running(libvirt_domains, bulkhead_plan)):
        where = f"{att.domain} NIC on {att.network} (port {att.port})"
        if att.role == UNPLANNED:
            problems.append(f"{where}: not in the plan")
            continue
        if att.role == "external":
            continue  # a network bulkhead does not own: its ports are not ours to judge
        port = host_bridge_ports.get(att.port or "")
        if port is None:
            problems.append(f"{where}: not a port of any bridge")
        elif port.master != att.bridge:
            problems.append(f"{where}: on bridge {port.master}, the plan says {att.bridge}")
        elif att.role == "uplink" and not port.isolated:
            problems.append(
                f"{where}: client port is not isolated (clients could reach each other)"
            )
        elif att.role == "serving" and port.isolated:
            problems.append(
                f"{where}: the netvm's own port is isolated (its clients cannot reach it)"
            )
    assert not problems, "\n".join(problems)


def test_client_ports_have_clean_traffic_binding(host, libvirt_uri, bulkhead_plan, bulkhead_pillar,
                                                 libvirt_domains):
    bound = binding_ports(host.check_output("virsh -c %s nwfilter-binding-list", libvirt_uri))
    problems = []
    for att in attachments(bulkhead_plan, _running(libvirt_domains, bulkhead_plan)):
        if att.role not in ("uplink", "external"):
            continue
        where = f"{att.domain} port {att.port} on {att.network}"
        if att.port not in bound:
            problems.append(f"{where}: no nwfilter binding (no anti-spoofing)")
            continue
        binding = filter_binding(
            host.check_output("virsh -c %s nwfilter-binding-dumpxml %s", libvirt_uri, att.port)
        )
        if binding.filter != "clean-traffic":
            problems.append(f"{where}: filter {binding.filter!r}, expected 'clean-traffic'")
        wanted = att.address
        if att.role == "external":
            wanted = bulkhead_pillar.domains[att.domain].uplink.address.ip
        if binding.parameter("IP") != [str(wanted)]:
            problems.append(f"{where}: filter IP {binding.parameter('IP')}, expected [{wanted}]")
    assert not problems, "\n".join(problems)


def test_no_unmanaged_domain_on_bulkhead_networks(bulkhead_plan, bulkhead_bridges, libvirt_domains,
                                                  host_bridge_ports):
    networks = set(bulkhead_plan.networks)
    problems = []
    for name, dom in sorted(libvirt_domains.items()):
        if dom.ours:
            continue
        for nic in domain_nics(dom.inactive_xml) + (
            domain_nics(dom.live_xml) if dom.active else []
        ):
            if nic.network in networks or nic.bridge in bulkhead_bridges:
                problems.append(f"domain {name} (no bulkhead metadata) has an interface on "
                                f"{nic.network or nic.bridge}")
    # Anything else plugged into a bulkhead bridge (a container's veth, a hand-added tap) is as bad.
    # (Another bulkhead workstation's domains may run on its own bh- bridges on the same host.)
    bulkhead_taps = {nic.target for d in libvirt_domains.values() if d.active and d.ours
                     for nic in domain_nics(d.live_xml)}
    for port in sorted(host_bridge_ports.values(), key=lambda p: p.name):
        if port.master in bulkhead_bridges and port.name not in bulkhead_taps:
            problems.append(f"port {port.name} on {port.master} belongs to no bulkhead domain")
    assert not problems, "\n".join(sorted(set(problems)))
