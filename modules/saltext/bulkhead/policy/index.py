"""The compiled form of a policy: first-match lookup without scanning the rules.

Every source and target token has one key, its text (``@tag:x``, ``work``, ``*``; names cannot
start with ``@`` or ``*``, so keys never collide; strings cache their hash). For a call, ``source_keys`` and
``target_keys`` list the keys of every token that would match it — exactly the tokens for which
match.py's predicates hold. The index maps (service, argument) -> source key -> target key -> the
position of the first rule with those columns. A call's first matching rule is then the smallest
position among a few dozen dictionary hits (three service buckets x source keys, each holding the
handful of target keys used with that source), independent of how many rules the policy has.
"""

from __future__ import annotations

from collections.abc import Sequence

from .request import DISPVM, DISPVM_PREFIX, Call
from .rules import ANY, Rule
from .system import ADMINVM, System
from .tokens import Kind

Key = str
STAR: Key = Kind.STAR.value
ANYVM: Key = Kind.ANYVM.value
ADMIN: Key = Kind.ADMINVM.value


def _key(kind: Kind, value: str = "") -> Key:
    return kind.value + value


def _template_keys(template: str | None, system: System) -> list[Key]:
    if template is None:
        return []
    info = system.guests.get(template)
    tags = info.tags if info is not None else ()
    return [_key(Kind.DISPVM_TEMPLATE, template), *(_key(Kind.DISPVM_TAG, t) for t in tags)]


def source_keys(source: str, system: System) -> tuple[Key, ...]:
    memo_key = ("source-keys", source)
    cached = system.memo.get(memo_key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    if source == ADMINVM:
        keys = [STAR, ADMIN, system.admin_name]
    else:
        info = system.guests[source]
        keys = [STAR, ANYVM, source, _key(Kind.TYPE, info.type)]
        keys += [_key(Kind.TAG, t) for t in info.tags]
        keys += _template_keys(system.disposable_template(source), system)
    result = tuple(keys)
    system.memo[memo_key] = result
    return result


def target_keys(call: Call, system: System) -> frozenset[Key]:
    target = call.target
    # Only @dispvm depends on the source (through its default_dispvm).
    memo_key = ("target-keys", target, call.source if target == DISPVM else None)
    cached = system.memo.get(memo_key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    if target == ADMINVM:
        keys = [STAR, ADMIN, system.admin_name]
    elif target.startswith("@"):
        keys = [STAR, ANYVM]
        if target == DISPVM:
            keys.append(_key(Kind.DISPVM))
            keys += _template_keys(system.dispvm_template_of(call.source), system)
        elif target.startswith(DISPVM_PREFIX):
            keys += _template_keys(target[len(DISPVM_PREFIX):], system)
        else:
            keys.append(_key(Kind.DEFAULT))
    else:
        info = system.guests[target]
        keys = [STAR, ANYVM, target, _key(Kind.TYPE, info.type)]
        keys += [_key(Kind.TAG, t) for t in info.tags]
    result = frozenset(keys)
    system.memo[memo_key] = result
    return result


Buckets = dict[Key, dict[Key, int]]  # source key -> target key -> first position


def _merge(*buckets: Buckets | None) -> Buckets:
    merged: Buckets = {}
    for bucket in buckets:
        for skey, by_target in (bucket or {}).items():
            into = merged.setdefault(skey, {})
            for tkey, position in by_target.items():
                if position < into.get(tkey, position + 1):
                    into[tkey] = position
    return merged


class RuleIndex:
    def __init__(self, rules: Sequence[Rule]):
        self._rules = tuple(rules)
        exact: dict[tuple[str, str], Buckets] = {}
        for position, rule in enumerate(self._rules):
            by_source = exact.setdefault((rule.service, rule.argument), {})
            by_target = by_source.setdefault(str(rule.source), {})
            by_target.setdefault(str(rule.target), position)  # later duplicates never win
        # One merged view per way a call can be matched, built once: the rules for
        # (service, argument), for (service, any argument) and for any service together.
        wildcard = exact.get((ANY, ANY))
        self._any: Buckets = _merge(wildcard)
        self._by_service: dict[str, Buckets] = {
            service: _merge(exact.get((service, ANY)), wildcard)
            for service, _ in exact if service != ANY
        }
        self._by_call: dict[tuple[str, str], Buckets] = {
            (service, argument): _merge(exact[(service, argument)], exact.get((service, ANY)), wildcard)
            for service, argument in exact if argument != ANY
        }

    def first_match(self, call: Call, system: System) -> Rule | None:
        view = self._by_call.get((call.service, call.argument))
        if view is None:
            view = self._by_service.get(call.service, self._any)
        if not view:
            return None
        tkeys = target_keys(call, system)
        best = len(self._rules)
        for skey in source_keys(call.source, system):
            by_target = view.get(skey)
            if by_target is None:
                continue
            # Few target keys are used with any one source key: walk those, test membership.
            for tkey, position in by_target.items():
                if position < best and tkey in tkeys:
                    best = position
        return self._rules[best] if best < len(self._rules) else None
