"""What the matching rule means for one call: allow (to one resolved target), ask (the user picks
among candidate targets), or deny. Anything that cannot be resolved is denied."""

from __future__ import annotations

from typing import Any, NamedTuple

from .request import DEFAULT, DISPVM, DISPVM_PREFIX, Call
from .rules import Rule, Verdict
from .system import ADMINVM, System
from .tokens import Kind, Token


class Decision(NamedTuple):
    """Immutable (a tuple: cheap to build, which matters at hundreds of thousands per second)."""

    verdict: Verdict
    target: str | None = None  # allow: a guest name, "@adminvm" or "@dispvm:TEMPLATE"
    targets: tuple[str, ...] = ()  # ask: sorted candidates
    default_target: str | None = None  # ask: pre-selected candidate, if any
    user: str | None = None
    notify: bool = False
    autostart: bool = True
    rule: Rule | None = None  # the deciding rule; None for the default deny
    reason: str = ""  # why a deny happened without (or despite) a rule

    def to_json(self) -> dict[str, Any]:
        if self.verdict is Verdict.ALLOW:
            return {"decision": "allow", "target": self.target}
        if self.verdict is Verdict.ASK:
            return {"decision": "ask", "targets": list(self.targets), "default_target": self.default_target}
        return {"decision": "deny"}

    def explain(self) -> str:
        if self.rule is not None:
            line = f"{self.rule.where}: {self.rule.text}"
            return f"{line} ({self.reason})" if self.reason else line
        return self.reason or "no rule matched: default deny"


def deny(reason: str, rule: Rule | None = None) -> Decision:
    return Decision(Verdict.DENY, rule=rule, reason=reason, notify=True)


NO_MATCH = deny("no rule matched: default deny")


def _dispvm_of(template: str | None, system: System) -> str | None:
    if template is None or not system.is_dispvm_template(template):
        return None
    return DISPVM_PREFIX + template


def concrete(target: Token | str, call: Call, system: System) -> str | None:
    """Where a redirect token or the call's own target actually leads, or None if nowhere."""
    if isinstance(target, Token):
        if target.kind is Kind.ADMINVM:
            return ADMINVM
        if target.kind is Kind.DISPVM:
            return _dispvm_of(system.dispvm_template_of(call.source), system)
        if target.kind is Kind.DISPVM_TEMPLATE:
            return _dispvm_of(target.value, system)
        return system.canonical(target.value)
    if target == DEFAULT:
        return None
    if target == DISPVM:
        return _dispvm_of(system.dispvm_template_of(call.source), system)
    return target  # normalize() already checked it exists


def _running(target: str, system: System) -> bool:
    if target == ADMINVM:
        return True
    if target.startswith(DISPVM_PREFIX):
        return False  # a disposable is always a new domain to start
    return system.guests[target].running


def expand(token: Token, call: Call, system: System) -> tuple[str, ...]:
    """Every concrete target a target token stands for (the ask dialog's choices)."""
    if token.kind in (Kind.DISPVM, Kind.NAME, Kind.ADMINVM, Kind.DISPVM_TEMPLATE):
        one = concrete(token, call, system)
        return (one,) if one is not None else ()
    memo_key = ("expand", token)
    cached = system.memo.get(memo_key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    guests, templates = system.guests, system.dispvm_templates
    if token.kind is Kind.STAR:
        found = [*guests, *(DISPVM_PREFIX + t for t in templates), ADMINVM]
    elif token.kind is Kind.ANYVM:
        found = [*guests, *(DISPVM_PREFIX + t for t in templates)]
    elif token.kind is Kind.DISPVM_TAG:
        found = [DISPVM_PREFIX + t for t in templates if token.value in guests[t].tags]
    elif token.kind is Kind.TAG:
        found = [n for n, d in guests.items() if token.value in d.tags]
    elif token.kind is Kind.TYPE:
        found = [n for n, d in guests.items() if d.type == token.value]
    else:  # @default names no domain
        found = []
    result = tuple(sorted(found))
    system.memo[memo_key] = result
    return result


def resolve(rule: Rule | None, call: Call, system: System) -> Decision:
    if rule is None:
        return NO_MATCH
    action = rule.action
    if action.verdict is Verdict.DENY:
        return Decision(Verdict.DENY, rule=rule, notify=action.notify)
    common = {"user": action.user, "notify": action.notify, "autostart": action.autostart, "rule": rule}
    if action.verdict is Verdict.ALLOW:
        target = concrete(action.target if action.target else call.target, call, system)
        if target is None:
            wanted = action.target if action.target else call.target
            return deny(f"target {wanted} does not resolve to a domain", rule)
        if not action.autostart and not _running(target, system):
            return deny(f"{target} is not running and the rule says autostart=no", rule)
        return Decision(Verdict.ALLOW, target=target, **common)  # type: ignore[arg-type]
    return _ask(rule, call, system, common)


def _ask(rule: Rule, call: Call, system: System, common: dict[str, Any]) -> Decision:
    action = rule.action
    if action.target is not None:
        one = concrete(action.target, call, system)
        candidates = {one} if one is not None else set()
    else:
        candidates = set(expand(rule.target, call, system))
        candidates.discard(call.source)
        if action.default_target is not None:
            extra = concrete(action.default_target, call, system)
            if extra is not None:
                candidates.add(extra)
    if not action.autostart:
        candidates = {t for t in candidates if _running(t, system)}
    if not candidates:
        return deny("no domain to ask about", rule)
    preferred = [action.default_target, call.target]
    default = None
    for choice in preferred:
        resolved = concrete(choice, call, system) if choice is not None else None
        if resolved in candidates:
            default = resolved
            break
    return Decision(Verdict.ASK, targets=tuple(sorted(candidates)), default_target=default, **common)
