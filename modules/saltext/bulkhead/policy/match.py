"""Whether one rule matches one call: the reference semantics, written as plain predicates.

``first_match_linear`` applies them to every rule in order. It is the specification the compiled
index (index.py) must agree with, and the baseline the benchmark compares against.
"""

from __future__ import annotations

from collections.abc import Iterable

from .request import DEFAULT, DISPVM, DISPVM_PREFIX, Call
from .rules import ANY, Rule
from .system import ADMINVM, System
from .tokens import Kind, Token


def service_matches(rule: Rule, call: Call) -> bool:
    if rule.service == ANY:
        return True
    return rule.service == call.service and rule.argument in (ANY, call.argument)


def source_matches(token: Token, call: Call, system: System) -> bool:
    kind, source = token.kind, call.source
    if kind is Kind.STAR:
        return True
    if source == ADMINVM:
        return _admin_matches(token, system)
    if kind is Kind.ANYVM:
        return True
    if kind in (Kind.DISPVM_TEMPLATE, Kind.DISPVM_TAG):
        return _template_matches(token, system.disposable_template(source), system)
    return _guest_matches(token, source, system)


def target_matches(token: Token, call: Call, system: System) -> bool:
    kind, target = token.kind, call.target
    if kind is Kind.STAR:
        return True
    if target == ADMINVM:
        return _admin_matches(token, system)
    if kind is Kind.ANYVM:
        return True
    if kind is Kind.DEFAULT:
        return target == DEFAULT
    if kind is Kind.DISPVM:
        return target == DISPVM
    if kind in (Kind.DISPVM_TEMPLATE, Kind.DISPVM_TAG):
        if target == DISPVM:
            return _template_matches(token, system.dispvm_template_of(call.source), system)
        if target.startswith(DISPVM_PREFIX):
            return _template_matches(token, target[len(DISPVM_PREFIX):], system)
        return False
    return _guest_matches(token, target, system)


def _admin_matches(token: Token, system: System) -> bool:
    # Only @adminvm (or the admin domain's own name) reaches the admin domain; never @anyvm,
    # @tag: or @type:.
    return token.kind is Kind.ADMINVM or (token.kind is Kind.NAME and token.value == system.admin_name)


def _guest_matches(token: Token, name: str, system: System) -> bool:
    """Name, tag and type tokens against an existing guest (False for @default and @dispvm*)."""
    info = system.guests.get(name)
    if info is None:
        return False
    if token.kind is Kind.NAME:
        return token.value == name
    if token.kind is Kind.TAG:
        return token.value in info.tags
    if token.kind is Kind.TYPE:
        return token.value == info.type
    return False


def _template_matches(token: Token, template: str | None, system: System) -> bool:
    if template is None:
        return False
    if token.kind is Kind.DISPVM_TEMPLATE:
        return token.value == template
    info = system.guests.get(template)
    return info is not None and token.value in info.tags


def rule_matches(rule: Rule, call: Call, system: System) -> bool:
    return (
        service_matches(rule, call)
        and source_matches(rule.source, call, system)
        and target_matches(rule.target, call, system)
    )


def first_match_linear(rules: Iterable[Rule], call: Call, system: System) -> Rule | None:
    for rule in rules:
        if rule_matches(rule, call, system):
            return rule
    return None
