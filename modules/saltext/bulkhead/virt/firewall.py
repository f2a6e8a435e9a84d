"""Deliver each netvm its compiled ruleset: into its firewall volume, and live through its agent.

Every netvm, running or not, gets the ruleset in its firewall volume, which its init loads at boot
(net/boot_ruleset.py): a netvm restarted outside Salt forwards under the last ruleset applied, not
unfiltered and not waiting for the next apply. A running netvm reports the sha256 of the ruleset
it enforces; where that differs, the ruleset is loaded live in one ``nft -f`` transaction and
``changes`` shows the rule diff per client against what bulkhead last delivered
(firewall_record.py). Rulesets cover the pillar plus the disposables the RPC broker created and
still runs (``dispvm_registry.py``), so a Salt run never cuts a call's disposable off.

Each netvm converges on its own. The volumes are written first (libvirt, on the host, one after
the other); then every running netvm is asked at once, each within ``AgentBounds``
(firewall_agent.py). A netvm that cannot be reached, or refuses, fails its own part and no other:
the state is False naming it and why, and ``changes`` holds only what happened. Its clients stay
under the ruleset it had until it answers or restarts into the one its volume now holds; the host
does not cut them off (docs/firewall.md, "A netvm that does not answer", says why).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libvirt

from ..agent import AgentClient
from ..apply_lock import mutating
from ..model import Pillar
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
from ..plan.metadata import find_ours
from ..plan.ownership import foreign, owner_of
from ..reconcile import Outcome
from .connection import Connection
from .context import current_plan
from .dispvm_registry import DispvmRegistry, with_live_disposables
from .errors import BulkheadVirtError
from .firewall_agent import AgentBounds, deliver, each_netvm, enforced, reason
from .firewall_record import read_record, write_record
from .firewall_volume import FirewallVolumes
from .inventory import defined_xml, lookup
from .power import settled_power

Agents = Callable[[str], AgentClient]
SALT_BOUNDS = AgentBounds()  # a netvm the same run started may still be booting
HOST_ERRORS = (libvirt.libvirtError, BulkheadVirtError, BootRulesetError, OSError)


def _agent(name: str) -> AgentClient:
    return AgentClient(names.agent_socket(name))


@dataclass
class _Part:
    """One netvm's part of a run: what happened to it (in test mode: would), or why it failed."""

    netvm: str
    ruleset: Ruleset
    clients: dict[str, Any]
    record: Path
    test: bool
    changes: dict[str, Any] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failure: str | None = None
    reported: tuple[str | None] | None = (
        None  # (hash,) once the running netvm said what it enforces
    )

    def act(self, what: str, run: Callable[[], object], changes: dict[str, Any]) -> None:
        """Run one step (not in test mode); its ``changes`` count only once it succeeded."""
        if not self.test:
            run()
        self.done.append(what)
        self.changes.update(changes)

    def rule_changes(self, enforced_sha: str | None) -> dict[str, Any]:
        new_rules = {c: list(rules) for c, (_address, rules) in self.clients.items()}
        recorded_sha, old_rules = read_record(self.record)
        closed = {c.name: c.closed_reason for c in self.ruleset.clients if c.closed_reason}
        return dict(ruleset_changes(enforced_sha, old_rules if recorded_sha == enforced_sha else {},
                                    self.ruleset.sha256, new_rules, closed))


@mutating
def firewalls_applied(
    conn: Connection, pillar: Pillar, *, test: bool, now: int | None = None,
    resolve: Resolver = system_resolver, agents: Agents = _agent,
    record_dir: Path | None = None, check: Callable[[str], None] = check_ruleset,
    bounds: AgentBounds = SALT_BOUNDS, volumes: FirewallVolumes | None = None,
    dispvms: DispvmRegistry | None = None, netvms: Collection[str] | None = None,
) -> Outcome:
    """``netvms``: only these (the broker's disposable factory: the disposable's own netvm).
    ``record_dir`` and ``dispvms`` default to this workstation's (``formula.paths``)."""
    record_dir = Path(pillar.formula.paths.firewall_records) if record_dir is None else record_dir
    # The broker's own disposables alive now keep their chains: rulesets match the broker's.
    pillar = with_live_disposables(conn, pillar, dispvms)
    # Allocations only: whether libvirt offers the domain type is the domain states' question.
    plan = current_plan(conn, pillar, check_type=False)
    allocations = {n: d.allocation for n, d in plan.domains.items()}
    rulesets = pillar_rulesets(pillar, allocations, int(time.time()) if now is None else now,
                               resolve, check=check)
    volumes = volumes or FirewallVolumes(conn, pillar.host.pool)
    parts = {n: _Part(n, rs, netvm_clients(pillar, allocations, n), record_dir / f"{n}.json", test)
             for n, rs in sorted(rulesets.items()) if netvms is None or n in netvms}
    for part in parts.values():  # another workstation's netvm: not a ruleset of ours goes in
        part.failure = _foreign_netvm(conn, part.netvm, pillar.workstation)
    running = []
    for part in parts.values():  # libvirt: here, one netvm after the other (host only, fast)
        if part.failure is not None:
            continue
        try:
            if _boot_part(conn, volumes, part):
                running.append(part.netvm)
        except HOST_ERRORS as exc:
            part.failure = f"{part.netvm}: {reason(exc)}; nothing delivered to it"
    asked = each_netvm(lambda n: _live_part(parts[n], agents(n), bounds), running)
    for netvm, exc in asked.items():
        if isinstance(exc, Exception):
            parts[netvm].failure = _unreachable(parts[netvm], exc)
    for part in parts.values():
        if part.failure is None and part.done:
            try:
                part.act(f"record the ruleset of {part.netvm}", functools.partial(
                    write_record, part.record, part.ruleset,
                    {c: list(rules) for c, (_a, rules) in part.clients.items()}), {})
            except OSError as exc:
                part.failure = f"{part.netvm}: cannot record its ruleset: {exc}"
    return _outcome(list(parts.values()), test)


def _foreign_netvm(conn: Connection, netvm: str, workstation: str) -> str | None:
    xml = defined_xml(conn, netvm)
    return None if xml is None else foreign("netvm", netvm, owner_of(find_ours(xml)), workstation)


def _boot_part(conn: Connection, volumes: FirewallVolumes, part: _Part) -> bool:
    """Bring the netvm's firewall volume to the ruleset; True when it runs (its agent is next)."""
    netvm, ruleset = part.netvm, part.ruleset
    dom = lookup(conn.lookupByName, netvm)
    if dom is None:
        part.notes.append(f"{netvm} is not defined yet (it gets its ruleset once it is).")
        return False
    if not volumes.exists(netvm) and not part.test:
        raise BulkheadVirtError(f"no firewall volume {names.firewall_volume(netvm)}: "
                                "apply its domain first")
    boot_ruleset.encode(ruleset.text)  # refuses, before anything is done, what cannot fit
    boot_sha = volumes.boot_sha(netvm)
    power = settled_power(dom)
    if boot_sha != ruleset.sha256:
        part.act(f"write the boot ruleset of {netvm}",
                 functools.partial(volumes.write, netvm, ruleset.text),
                 {"boot_ruleset": {"old": boot_sha, "new": ruleset.sha256}})
        if not power.answers and not power.held:  # off: what it enforces next is its volume's
            part.changes.update(part.rule_changes(boot_sha))
            part.notes.append(f"{netvm} is not running: it loads this ruleset when it boots.")
    if power.held:  # active but frozen: resumed, it goes on enforcing what it had; not asked
        part.failure = _unreachable(part, BulkheadVirtError(
            f"{power.why}: its agent cannot answer until it runs again"))
    return power.answers


def _live_part(part: _Part, agent: AgentClient, bounds: AgentBounds) -> None:
    """In the netvm's own thread: ask what it enforces and deliver where that differs."""
    part.reported = (enforced(agent, bounds),)
    if part.reported[0] == part.ruleset.sha256:
        return
    addresses = sorted((str(a) for a, _ in part.clients.values()),
                       key=lambda a: tuple(map(int, a.split("."))))
    part.act(f"deliver the ruleset of {part.netvm}",
             functools.partial(deliver, agent, part.ruleset, addresses, bounds),
             part.rule_changes(part.reported[0]))


def _unreachable(part: _Part, exc: Exception) -> str:
    before = "it did not say which" if part.reported is None else (part.reported[0] or "none")[:12]
    volume = ("would get" if part.test else "got") if part.done else "already held"
    return (f"{part.netvm}: {reason(exc)}. Its clients stay under the ruleset it enforced before "
            f"({before}): a tighter new one is not in force there until it answers a new apply "
            f"or restarts; its firewall volume {volume} the new one, loaded at boot")


def _outcome(parts: list[_Part], test: bool) -> Outcome:
    changes = {"netvms": {p.netvm: p.changes for p in parts if p.changes}}
    done = [what for p in parts for what in p.done]
    notes = [note for p in parts for note in p.notes]
    failed = [p.failure for p in parts if p.failure]
    changes = changes if changes["netvms"] else {}
    if failed:
        return Outcome(False, changes, f"{len(failed)} of {len(parts)} netvm firewalls failed: "
                       + " | ".join(failed) + (". Would be done: " if test else ". Done: ")
                       + ("; ".join(done) or "nothing") + ".")
    if not done:
        return Outcome(
            True, changes, " ".join(["The netvm firewalls is in the desired state.", *notes])
        )
    if test:
        return Outcome(None, changes, f"The netvm firewalls would change: {'; '.join(done)}.")
    return Outcome(
        True, changes, " ".join([f"The netvm firewalls updated: {'; '.join(done)}.", *notes])
    )
