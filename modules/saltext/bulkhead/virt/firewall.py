"""Deliver each running netvm its compiled ruleset through the guest agent, live.

The netvm reports the sha256 of the ruleset it enforces; when that equals the compiled one there is
nothing to do. Otherwise ``changes`` shows the rule diff per client against what bulkhead last
delivered (a record per netvm on the host, trusted over anything the guest says), and the ruleset
is loaded in one ``nft -f`` transaction. A netvm that is not running is left alone: it boots
behind a firewall that forwards nothing and gets its ruleset on the next apply.
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
    Resolver,
    Ruleset,
    check_ruleset,
    netvm_clients,
    pillar_rulesets,
    ruleset_changes,
    system_resolver,
)
from ..plan import names
from .context import current_plan
from .errors import BulkheadVirtError
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
    agent_wait: float = AGENT_WAIT_S,
) -> Outcome:
    plan = current_plan(conn, pillar)
    allocations = {n: d.allocation for n, d in plan.domains.items()}
    rulesets = pillar_rulesets(pillar, allocations, int(time.time()) if now is None else now,
                               resolve, check=check)
    work = Work()
    failures: list[str] = []
    for netvm, ruleset in sorted(rulesets.items()):
        if not _running(conn, netvm):
            work.notes.append(f"{netvm} is not running (it forwards nothing until it gets its ruleset).")
            continue
        agent = agents(netvm)
        try:
            enforced = _enforced(agent, agent_wait)
        except AgentError as exc:
            failures.append(f"{netvm}: cannot ask its agent: {exc}")
            continue
        clients = netvm_clients(pillar, allocations, netvm)
        new_rules = {c: list(rules) for c, (_address, rules) in clients.items()}
        record = record_dir / f"{netvm}.json"
        recorded_sha, old_rules = _read_record(record)
        closed = {c.name: c.closed_reason for c in ruleset.clients if c.closed_reason}
        changes = ruleset_changes(enforced, old_rules if recorded_sha == enforced else {},
                                  ruleset.sha256, new_rules, closed)
        if not changes:
            continue
        work.section("netvms")[netvm] = changes
        addresses = sorted((str(a) for a, _ in clients.values()), key=lambda a: tuple(map(int, a.split("."))))
        work.step(f"deliver the ruleset of {netvm}",
                  lambda a=agent, r=ruleset, c=addresses, n=netvm, p=record, k=new_rules: _deliver(a, r, c, n, p, k))
    if failures:
        return Outcome(False, {}, "Nothing delivered. " + "; ".join(failures))
    return work.finish(test, "The netvm firewalls")


def _deliver(agent: AgentClient, ruleset: Ruleset, clients: list[str], netvm: str, record: Path,
             rules: Mapping[str, list[FirewallRule]]) -> None:
    try:
        reported = agent.load_firewall(ruleset.text, clients)
    except AgentError as exc:  # the netvm keeps the ruleset it had (nft -f is one transaction)
        raise BulkheadVirtError(f"{netvm}: {exc}") from exc
    if reported != ruleset.sha256:
        raise BulkheadVirtError(f"{netvm} reports ruleset {reported[:12]} after delivery of {ruleset.sha256[:12]}")
    _write_record(record, ruleset, rules)
