"""Deliver each running netvm its compiled ruleset through the guest agent, live.

The netvm reports the sha256 of the ruleset it enforces; when that equals the compiled one there is
nothing to do. Otherwise ``changes`` shows the rule diff per client against what bulkhead last
delivered (a record per netvm on the host, trusted over anything the guest says), and the ruleset
is loaded in one ``nft -f`` transaction. Every netvm, running or not, also gets the ruleset in its
firewall volume, which its init loads at boot (net/boot_ruleset.py): a netvm restarted outside
Salt forwards under the last ruleset applied, not unfiltered and not waiting for the next apply.
Rulesets cover the pillar plus the disposables the RPC broker created and still runs
(``dispvm_registry.py``), so a Salt run never cuts a call's disposable off.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..image.agent_client import AgentClient, AgentError
from ..model import FirewallRule, Pillar
from ..net import (
    BootRulesetError,
    Resolver,
    Ruleset,
    boot_ruleset,
    check_ruleset,
    netvm_clients,
    pillar_rulesets,
    ruleset_changes,
    system_resolver,
)
from ..plan import names
from .context import current_plan
from .dispvm_registry import DispvmRegistry, with_live_disposables
from .errors import BulkheadVirtError
from .firewall_volume import FirewallVolumes
from .inventory import lookup
from .outcome import Outcome, Work

RECORD_DIR = Path("/var/lib/bulkhead/firewall")
AGENT_WAIT_S = 180.0  # a netvm started earlier in the same run may still be booting (TCG: slow)
Agents = Callable[[str], AgentClient]


def _agent(name: str) -> AgentClient:
    return AgentClient(names.agent_socket(name))


def _running(conn: Any, name: str) -> bool:
    dom = lookup(conn.lookupByName, name)
    return dom is not None and dom.isActive() == 1


def _enforced(agent: AgentClient, wait: float) -> str | None:
    """The hash the netvm's agent reports, waiting up to ``wait`` seconds for it to come up."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return agent.firewall_status(timeout=5)
        except AgentError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(1)


def _read_record(path: Path) -> tuple[str | None, dict[str, list[FirewallRule]]]:
    try:
        data = json.loads(path.read_text())
        rules = {c: [FirewallRule.model_validate(r) for r in rs] for c, rs in data["rules"].items()}
        return data["sha256"], rules
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, {}  # no usable record: the diff shows every rule as new


def _write_record(path: Path, ruleset: Ruleset, rules: Mapping[str, list[FirewallRule]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = {"sha256": ruleset.sha256,
            "rules": {c: [r.model_dump(mode="json", exclude_none=True) for r in rs] for c, rs in rules.items()}}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, sort_keys=True, indent=1) + "\n")
    os.replace(tmp, path)


def firewalls_applied(
    conn: Any, pillar: Pillar, *, test: bool, now: int | None = None,
    resolve: Resolver = system_resolver, agents: Agents = _agent,
    record_dir: Path = RECORD_DIR, check: Callable[[str], None] = check_ruleset,
    agent_wait: float = AGENT_WAIT_S, volumes: FirewallVolumes | None = None,
    dispvms: DispvmRegistry | None = None,
) -> Outcome:
    # The broker's own disposables alive now keep their chains: rulesets match the broker's.
    pillar = with_live_disposables(conn, pillar, dispvms)
    plan = current_plan(conn, pillar)
    allocations = {n: d.allocation for n, d in plan.domains.items()}
    rulesets = pillar_rulesets(pillar, allocations, int(time.time()) if now is None else now,
                               resolve, check=check)
    volumes = volumes or FirewallVolumes(conn, pillar.host.pool)
    work = Work()
    failures: list[str] = []
    for netvm, ruleset in sorted(rulesets.items()):
        try:
            _netvm_work(conn, pillar, allocations, netvm, ruleset, work, agents=agents,
                        volumes=volumes, record=record_dir / f"{netvm}.json", agent_wait=agent_wait,
                        test=test)
        except (AgentError, BulkheadVirtError, BootRulesetError) as exc:
            failures.append(f"{netvm}: {exc}")
    if failures:
        return Outcome(False, {}, "Nothing delivered. " + "; ".join(failures))
    return work.finish(test, "The netvm firewalls")


def _netvm_work(conn: Any, pillar: Pillar, allocations: Mapping[str, Any], netvm: str,
                ruleset: Ruleset, work: Work, *, agents: Agents, volumes: FirewallVolumes,
                record: Path, agent_wait: float, test: bool) -> None:
    """Steps bringing one netvm's firewall volume (what it loads at boot) and, when it runs, its
    live ruleset to ``ruleset``; the rule diff is against what it enforces now (live, or from
    its volume at the next boot)."""
    if lookup(conn.lookupByName, netvm) is None:
        work.notes.append(f"{netvm} is not defined yet (it gets its ruleset once it is).")
        return
    if not volumes.exists(netvm) and not test:
        raise BulkheadVirtError(f"no firewall volume {names.firewall_volume(netvm)}: apply its domain first")
    boot_ruleset.encode(ruleset.text)  # refuses, before anything is done, what cannot fit
    boot_sha = volumes.boot_sha(netvm)
    running = _running(conn, netvm)
    agent = agents(netvm) if running else None
    enforced = _enforced(agent, agent_wait) if agent is not None else boot_sha
    if boot_sha == ruleset.sha256 and enforced == ruleset.sha256:
        return
    clients = netvm_clients(pillar, allocations, netvm)
    new_rules = {c: list(rules) for c, (_address, rules) in clients.items()}
    recorded_sha, old_rules = _read_record(record)
    closed = {c.name: c.closed_reason for c in ruleset.clients if c.closed_reason}
    changes = dict(ruleset_changes(enforced, old_rules if recorded_sha == enforced else {},
                                   ruleset.sha256, new_rules, closed))
    if boot_sha != ruleset.sha256:
        changes["boot_ruleset"] = {"old": boot_sha, "new": ruleset.sha256}
        work.step(f"write the boot ruleset of {netvm}", lambda: volumes.write(netvm, ruleset.text))
    if not running:
        work.notes.append(f"{netvm} is not running: it loads this ruleset when it boots.")
    work.section("netvms")[netvm] = changes
    addresses = sorted((str(a) for a, _ in clients.values()), key=lambda a: tuple(map(int, a.split("."))))
    if agent is not None and enforced != ruleset.sha256:
        work.step(f"deliver the ruleset of {netvm}",
                  lambda: _deliver(agent, ruleset, addresses, netvm))
    work.step(f"record the ruleset of {netvm}", lambda: _write_record(record, ruleset, new_rules))


def _deliver(agent: AgentClient, ruleset: Ruleset, clients: list[str], netvm: str) -> None:
    try:
        reported = agent.load_firewall(ruleset.text, clients)
    except AgentError as exc:  # the netvm keeps the ruleset it had (nft -f is one transaction)
        raise BulkheadVirtError(f"{netvm}: {exc}") from exc
    if reported != ruleset.sha256:
        raise BulkheadVirtError(f"{netvm} reports ruleset {reported[:12]} after delivery of {ruleset.sha256[:12]}")
