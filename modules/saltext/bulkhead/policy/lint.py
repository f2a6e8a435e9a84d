"""Warnings about policies that parse but are probably not what the admin meant.

- a rule that lets any domain call any service on any domain;
- an allow whose destination is (or includes) the admin domain;
- a rule no request can reach, because an earlier rule matches everything it matches;
- a rule that a call naming a domain that does not exist reaches: as in the reference, such a
  target means @default, so @default, @anyvm and * rules that redirect (allow target=) or ask
  open something to a call that named nothing real.

Shadowing is judged from the tokens alone (no system): ``*`` covers every domain, ``@anyvm``
every domain but the admin domain, other tokens only themselves. A rule shadowed through tags
that happen to be set on today's domains is not reported.
"""

from __future__ import annotations

from .errors import PolicyIssue
from .policy import Policy
from .rules import ANY, Rule, Verdict
from .tokens import Kind, Token

BROAD = (Kind.STAR, Kind.ANYVM)


def _covers_token(earlier: Token, later: Token) -> bool:
    if earlier == later or earlier.kind is Kind.STAR:
        return True
    return earlier.kind is Kind.ANYVM and later.kind not in (Kind.STAR, Kind.ADMINVM)


def covers(earlier: Rule, later: Rule) -> bool:
    """True if every request ``later`` matches is matched by ``earlier``."""
    if earlier.service != ANY:
        if earlier.service != later.service:
            return False
        if earlier.argument not in (ANY, later.argument):
            return False
    return _covers_token(earlier.source, later.source) and _covers_token(
        earlier.target, later.target
    )


UNKNOWN_TARGET = (
    "a call to a domain that does not exist is treated as @default and reaches this "
    "rule (reference behaviour)"
)


def _rule_warnings(rule: Rule) -> list[str]:
    found = []
    action = rule.action
    redirects = action.verdict is Verdict.ALLOW and action.target is not None
    if rule.target.kind in (Kind.DEFAULT, *BROAD) and (redirects or action.verdict is Verdict.ASK):
        found.append(UNKNOWN_TARGET)
    if action.verdict is not Verdict.ALLOW:
        return found
    if rule.service == ANY and rule.source.kind in BROAD and rule.target.kind in BROAD:
        found.append("allows every domain to call every service on every domain")
    destination = action.target if action.target is not None else rule.target
    if destination.kind in (Kind.ADMINVM, Kind.STAR):
        found.append("allows calls into the admin domain (@adminvm/dom0)")
    return found


def lint(policy: Policy) -> list[PolicyIssue]:
    findings: list[PolicyIssue] = []
    # Earlier rules, by service, with their positions; "*" rules may cover any later rule.
    earlier: dict[str, list[tuple[int, Rule]]] = {ANY: []}
    for position, rule in enumerate(policy.rules):
        for message in _rule_warnings(rule):
            findings.append(PolicyIssue(rule.file, rule.line, message))
        candidates = (
            earlier[ANY] if rule.service == ANY else earlier[ANY] + earlier.get(rule.service, [])
        )
        shadows = [(p, e) for p, e in candidates if covers(e, rule)]
        if shadows:
            first = min(shadows, key=lambda pair: pair[0])[1]
            findings.append(
                PolicyIssue(rule.file, rule.line, f"never used: {first.where} matches first")
            )
        earlier.setdefault(rule.service, []).append((position, rule))
    return findings
