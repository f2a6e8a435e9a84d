"""The targets an ``ask`` offers when its rule has no ``target=``: every destination some allow
or ask rule for the same service and source would reach, minus those a deny rule names. Rules
are read last to first, so an earlier rule overrides a later one, as in the reference.

Where the reference fails (an ``@dispvm:X`` whose X does not exist), ``None`` is returned and
the call is denied.
"""

from __future__ import annotations

from collections.abc import Iterable

from .request import DISPVM, DISPVM_PREFIX
from .rules import Rule, Verdict
from .system import ADMINVM, System
from .tokens import ADMIN_LITERAL, Kind, Token

FAILS = "fails"  # memo value for an expansion the reference cannot make


def _domain(name: str, system: System) -> str:
    return ADMINVM if name == system.admin_name else name


def _expand(token: Token, system: System) -> tuple[str, ...] | None:
    domains, kind = system.domains, token.kind
    if kind in (Kind.ADMINVM, Kind.DISPVM):
        return (str(token),)
    if kind is Kind.DEFAULT:
        return ()
    templates = [DISPVM_PREFIX + t for t in system.dispvm_templates]
    if kind is Kind.STAR:
        return (*(_domain(n, system) for n in domains), *templates, DISPVM)
    if kind is Kind.ANYVM:
        return (*(n for n, d in domains.items() if d.type != "AdminVM"), *templates, DISPVM)
    if kind is Kind.NAME:
        info = system.info(token.value)
        return (_domain(info.name, system),) if info is not None else ()
    if kind is Kind.TAG:
        return tuple(_domain(n, system) for n, d in domains.items() if token.value in d.tags)
    if kind is Kind.TYPE:
        return tuple(_domain(n, system) for n, d in domains.items() if d.type == token.value)
    if kind is Kind.DISPVM_TAG:
        return tuple(
            DISPVM_PREFIX + n for n in system.dispvm_templates if token.value in domains[n].tags
        )
    info = system.info(token.value)  # Kind.DISPVM_TEMPLATE
    if info is None:
        return None
    return (DISPVM_PREFIX + info.name,) if info.template_for_dispvms else ()


def expand(token: Token, system: System) -> tuple[str, ...] | None:
    """Every destination a target token stands for (memoized per system)."""
    key = ("expand", token)
    cached = system.memo.get(key)
    if cached is None:
        cached = _expand(token, system)
        system.memo[key] = FAILS if cached is None else cached
    return None if cached == FAILS else cached  # type: ignore[return-value]


def collect(rules: Iterable[Rule], source: str, system: System) -> set[str] | None:
    """The candidates from the rules whose service and source match (given in policy order)."""
    found: set[str] = set()
    for rule in reversed(list(rules)):
        action = rule.action
        token = action.target if action.target is not None else rule.target
        names = expand(token, system)
        if names is None:
            return None
        if action.verdict is Verdict.DENY:
            found.difference_update(names)
        else:
            found.update(names)
    if DISPVM in found:
        found.discard(DISPVM)
        template = system.default_dispvm_of(source)
        if template is not None:
            found.add(DISPVM_PREFIX + template)
    if ADMINVM in found:
        found.discard(ADMINVM)
        found.add(ADMIN_LITERAL)
    found.discard(source)
    # Domains marked internal are never offered.
    return {t for t in found if not (t in system.domains and system.domains[t].internal)}
