"""A workstation's RPC edges: who may call which service where, decided by the policy engine
itself (the same decisions the broker makes), not read off the rules' text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..policy import Policy, Request, System, Verdict
from ..policy.rules import ANY

ADMIN = "dom0"
# A service no rule names: stands for every service a "*" rule opens.
ANY_SERVICE = "bulkhead.AnyOtherService"


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    target: str  # a domain, dom0, or @dispvm[:TEMPLATE] as the caller writes it
    service: str  # SERVICE+ARG; "*" for services no rule names
    verdict: str  # allow or ask
    rule: str  # file:line of the deciding rule

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "target": self.target, "service": self.service,
                "verdict": self.verdict, "rule": self.rule}


def _calls(policy: Policy) -> list[tuple[str, str]]:
    """(service, +argument) pairs worth asking about: each one a rule names, and the empty
    argument of each named service; one stand-in for services only ``*`` rules reach."""
    calls = {(ANY_SERVICE, "+")}
    for rule in policy.rules:
        if rule.service == ANY:
            continue
        calls.add((rule.service, "+"))
        if rule.argument != ANY:
            calls.add((rule.service, rule.argument))
    return sorted(calls)


def _shown(service: str, argument: str) -> str:
    if service == ANY_SERVICE:
        return "*"
    return service if argument == "+" else service + argument


def rpc_edges(policy: Policy, system: System, sources: Iterable[str]) -> list[Edge]:
    """Every allow and ask from each source to each other domain, dom0 and @dispvm."""
    domains = sorted(n for n in system.guests)
    edges = set()
    for source in sources:
        targets = [t for t in domains if t != source] + ["@adminvm", "@dispvm"]
        for service, argument in _calls(policy):
            for target in targets:
                decision = policy.evaluate(Request(service, argument, source, target), system)
                if decision.verdict is Verdict.DENY:
                    continue
                shown = ADMIN if target == "@adminvm" else target
                if decision.verdict is Verdict.ALLOW and decision.target:
                    shown = decision.target
                where = decision.rule.where if decision.rule is not None else "?"
                edges.add(Edge(source, shown, _shown(service, argument),
                               decision.verdict.value, where))
    return sorted(edges)
