"""Whether one rule matches one call: the reference semantics, written as plain predicates.

``first_match_linear`` applies them to every rule in order. It is the specification the compiled
index (index.py) must agree with, and the baseline the benchmark compares against.

As in the reference, the admin domain as a *target* is reached only by ``@adminvm`` (``dom0``)
and ``*``; as a *source* it is an ordinary domain: ``@anyvm``, ``@tag:`` and ``@type:AdminVM``
match it when the call names it, and ``@adminvm`` only matches a source written ``@adminvm``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .request import DISPVM, DISPVM_PREFIX, Call
from .rules import ANY, Rule
from .system import ADMINVM, DomainInfo, System
from .tokens import Kind, Token


def service_matches(rule: Rule, call: Call) -> bool:
    if rule.service == ANY:
        return True
    return rule.service == call.service and rule.argument in (ANY, call.argument)


def source_matches(token: Token, call: Call, system: System) -> bool:
    kind, source = token.kind, call.source
    if kind is Kind.STAR:
        return True
    if kind is Kind.ANYVM:
        return source != ADMINVM
    if kind is Kind.ADMINVM:
        return source == ADMINVM
    if kind is Kind.NAME:
        return system.name_of(token.value) == source
    if kind is Kind.DISPVM_TEMPLATE:
        return str(token) == source  # a call's source is a domain, so in practice never
    if kind is Kind.DISPVM_TAG:
        return False
    return _tag_or_type(token, system.domains.get(source))


def _tag_or_type(token: Token, info: DomainInfo | None) -> bool:
    if info is None:
        return False
    if token.kind is Kind.TAG:
        return token.value in info.tags
    return token.kind is Kind.TYPE and token.value == info.type


def dispvm_template(call: Call, system: System) -> str | None:
    """The template a ``@dispvm`` or ``@dispvm:X`` target stands for (None for other targets)."""
    if call.target == DISPVM:
        return system.default_dispvm_of(call.source)
    if call.target.startswith(DISPVM_PREFIX):
        return call.target[len(DISPVM_PREFIX) :]
    return None


def target_matches(token: Token, call: Call, system: System) -> bool:
    kind, target = token.kind, call.target
    if kind is Kind.STAR:
        return True
    if kind is Kind.ANYVM:
        return target != ADMINVM
    if kind in (Kind.ADMINVM, Kind.DEFAULT, Kind.DISPVM):
        return target == kind.value
    if kind is Kind.NAME:
        return system.target_name(token.value) == target
    if kind is Kind.DISPVM_TEMPLATE:
        template = dispvm_template(call, system)
        return template is not None and system.name_of(token.value) == template
    if kind is Kind.DISPVM_TAG:
        template = dispvm_template(call, system)
        info = system.domains.get(template) if template is not None else None
        return info is not None and info.template_for_dispvms and token.value in info.tags
    if target.startswith("@"):
        return False
    return _tag_or_type(token, system.domains.get(target))


def source_and_service_match(rule: Rule, call: Call, system: System) -> bool:
    return service_matches(rule, call) and source_matches(rule.source, call, system)


def rule_matches(rule: Rule, call: Call, system: System) -> bool:
    return source_and_service_match(rule, call, system) and target_matches(
        rule.target, call, system
    )


def first_match_linear(rules: Iterable[Rule], call: Call, system: System) -> Rule | None:
    for rule in rules:
        if rule_matches(rule, call, system):
            return rule
    return None


def sources_linear(rules: Iterable[Rule], call: Call, system: System) -> Iterator[Rule]:
    """Every rule whose service and source match the call, in order (the ask candidates' input)."""
    return (rule for rule in rules if source_and_service_match(rule, call, system))
