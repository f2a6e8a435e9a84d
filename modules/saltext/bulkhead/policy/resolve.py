"""What the matching rule means for one call, as the reference evaluates it: allow to one
resolved target, ask among candidates, or deny. Whatever cannot be resolved is denied."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .candidates import collect
from .decision import ADMIN_OUTPUT, NO_MATCH, Decision, deny
from .request import DEFAULT, DISPVM, DISPVM_PREFIX, Call
from .rules import Action, Rule, Verdict
from .system import ADMINVM, System
from .tokens import Kind, Token

Sources = Callable[[Call, System], Iterable[Rule]]


def _running_ok(target: str, system: System) -> bool | None:
    """May ``target`` be used with autostart=no? None where the reference fails (no such domain)."""
    if target == ADMINVM:
        return True
    if target.startswith(DISPVM):
        return False  # a disposable is always a new domain to start
    name = system.admin_name if target in (ADMIN_OUTPUT, ADMINVM) else system.name_of(target)
    info = system.domains.get(name)
    return None if info is None else info.running


def _allow_target(action: Action, call: Call, system: System) -> str | None:
    """The allowed destination as the reference reports it, or None for "no target"."""
    token = action.target
    if token is None:
        kind, text = (
            {ADMINVM: Kind.ADMINVM, DISPVM: Kind.DISPVM}.get(call.target, Kind.NAME),
            call.written,
        )
        if call.target == DEFAULT:
            return None
    else:
        kind, text = token.kind, str(token)
        if kind is Kind.NAME:
            info = system.info(token.value)
            if info is None:
                return None  # an unknown name verifies to @default
            kind = Kind.ADMINVM if info.name == system.admin_name else kind
        elif kind is Kind.DISPVM_TEMPLATE and not system.is_dispvm_template(token.value):
            raise LookupError(f"{text} is not a template for disposables")
    if kind is Kind.DISPVM:
        template = system.default_dispvm_of(call.source)
        if template is None:
            raise LookupError(f"{call.source} has no default disposable template for @dispvm")
        return DISPVM_PREFIX + template
    return ADMIN_OUTPUT if kind is Kind.ADMINVM else text


def _allow(rule: Rule, call: Call, system: System) -> Decision:
    action = rule.action
    try:
        target = _allow_target(action, call, system)
    except LookupError as exc:
        return deny(str(exc), rule)
    if target is None:
        return deny("allow, but neither the call nor the rule names a target", rule)
    if not action.autostart and not _running_ok(target, system):
        return deny(f"{target} is not running and the rule says autostart=no", rule, action.notify)
    return Decision(
        Verdict.ALLOW,
        target=target,
        user=action.user,
        notify=action.notify,
        autostart=action.autostart,
        rule=rule,
    )


def _default_target(token: Token | None, call: Call, system: System) -> str | None:
    if token is None:
        return None
    if token.kind is Kind.DISPVM:
        template = system.default_dispvm_of(call.source)
        return DISPVM_PREFIX + template if template is not None else None
    return ADMIN_OUTPUT if token.kind is Kind.ADMINVM else str(token)


def _ask(rule: Rule, call: Call, system: System, sources: Sources) -> Decision:
    action = rule.action
    if action.target is not None:
        found: set[str] | None = {str(action.target)}
    else:
        found = collect(sources(call, system), call.source, system)
    if found is None:
        return deny("a rule for this call names an @dispvm:X whose X does not exist", rule)
    if not action.autostart:
        checks = {t: _running_ok(t, system) for t in found}
        if None in checks.values():
            return deny("a candidate is not a domain (autostart=no cannot be checked)", rule)
        found = {t for t, ok in checks.items() if ok}
    if not found:
        return deny("no domain to ask about", rule)
    default = _default_target(action.default_target, call, system)
    if default is not None and default not in found:
        return deny(f"default_target {default} is not among the candidates", rule)
    return Decision(
        Verdict.ASK,
        targets=tuple(sorted(found)),
        default_target=default,
        user=action.user,
        notify=action.notify,
        autostart=action.autostart,
        rule=rule,
    )


def resolve(rule: Rule | None, call: Call, system: System, sources: Sources) -> Decision:
    if rule is None:
        return NO_MATCH
    verdict = rule.action.verdict
    if verdict is Verdict.DENY:
        return Decision(Verdict.DENY, rule=rule, notify=rule.action.notify)
    if verdict is Verdict.ALLOW:
        return _allow(rule, call, system)
    return _ask(rule, call, system, sources)
