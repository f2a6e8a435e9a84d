"""Every bulkhead domain is defined as planned, the running ones answer, no-network ones have no
NIC,
and every netvm would boot into its rules."""

from __future__ import annotations

import json

from saltext.bulkhead.agent import AgentClient, AgentError
from saltext.bulkhead.plan import names
from saltext.bulkhead.verify.drift import drift
from saltext.bulkhead.verify.observe import domain_nics
from saltext.bulkhead.virt.firewall_volume import FirewallVolumes


def test_persistent_definitions_match_the_plan(bulkhead_plan, libvirt_domains):
    problems = []
    for name, dplan in sorted(bulkhead_plan.domains.items()):
        dom = libvirt_domains.get(name)
        if dom is None:
            problems.append(f"{name}: not defined in libvirt")
        elif not dom.ours:
            problems.append(f"{name}: defined without bulkhead metadata (not bulkhead's domain)")
        else:
            problems += [f"{name}: {line}" for line in drift(dom.inactive_xml, dplan.xml)]
    assert not problems, "persistent definitions differ from the plan:\n" + "\n".join(problems)


def _ping(host, name: str, timeout: float) -> dict:
    if host.backend.NAME == "local":
        return AgentClient(names.agent_socket(name)).request("ping", timeout=timeout)
    # On another machine the socket is only reachable there: the same client, run by bulkhead there.
    out = host.run("bulkhead image ping --timeout %s --socket %s %s", str(timeout),
                   names.agent_socket(name), name)
    if out.rc != 0:
        raise AgentError(out.stderr.strip() or f"bulkhead image ping exited {out.rc}")
    return json.loads(out.stdout)


def test_running_domains_answer_agent_ping(host, bulkhead_pillar, libvirt_domains, paused_domains,
                                           request):
    timeout = request.config.getoption("--bulkhead-agent-timeout")
    must_run = {
        n
        for n, d in bulkhead_pillar.domains.items()
        if d.running and bulkhead_pillar.formula.manage_power
    }
    active = {n for n in bulkhead_pillar.domains
              if n in libvirt_domains and libvirt_domains[n].active}
    problems = [f"{name}: should be running but is not" for name in sorted(must_run - active)]
    problems += list(paused_domains.values())  # a frozen guest cannot answer: not asked
    for name in sorted(active - set(paused_domains)):
        try:
            answer = _ping(host, name, timeout)
        except AgentError as exc:
            problems.append(f"{name}: no agent answer ({exc})")
            continue
        if answer.get("name") != name:
            problems.append(f"{name}: the agent on its channel says it is {answer.get('name')!r}")
    assert not problems, "\n".join(problems)


def test_netvm_none_domains_have_no_uplink_interface(bulkhead_pillar, libvirt_domains):
    problems = []
    for name, domain in sorted(bulkhead_pillar.domains.items()):
        dom = libvirt_domains.get(name)
        if domain.has_network or dom is None:
            continue
        # A netvm itself may have netvm: none; its only NIC is then the one serving its own network.
        own = {names.network_name(name)} if domain.provides_network else set()
        if domain.uplink is not None:
            own.add(domain.uplink.network)
        for label, xml in (
            ("definition", dom.inactive_xml),
            ("running", dom.live_xml if dom.active else None),
        ):
            if xml is None:
                continue
            extra = [n.network or n.bridge or "?" for n in domain_nics(xml) if n.network not in own]
            if extra:
                problems.append(
                    f"{name} has netvm: none but its {label} XML has an interface on "
                    f"{', '.join(extra)}"
                )
    assert not problems, "\n".join(problems)


def test_netvms_boot_into_their_compiled_ruleset(bulkhead_pillar, compiled_rulesets, libvirt_conn):
    """Each netvm's firewall volume holds the ruleset the pillar compiles to: what it loads when it
    restarts without Salt (running or not; a blank or torn volume means it would forward
    nothing)."""
    volumes = FirewallVolumes(libvirt_conn, bulkhead_pillar.host.pool)
    problems = []
    for name, ruleset in sorted(compiled_rulesets.items()):
        if not volumes.exists(name):
            problems.append(f"{name}: no firewall volume {names.firewall_volume(name)}")
            continue
        held = volumes.boot_sha(name)
        if held != ruleset.sha256:
            problems.append(
                f"{name}: its firewall volume holds {held and held[:12]}, the pillar compiles "
                f"to {ruleset.sha256[:12]} (apply bulkhead.firewall)"
            )
    assert not problems, "\n".join(problems)
