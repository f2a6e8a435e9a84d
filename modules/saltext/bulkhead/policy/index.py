"""The compiled form of a policy: first-match lookup without scanning the rules.

Every source and target token has one key (its kind and value). For a call, ``source_keys`` and
``target_keys`` list the keys of every token that would match it — exactly the tokens for which
match.py's predicates hold. The index maps (service, argument) -> source key -> target key -> the
position of the first rule with those columns. A call's first matching rule is then the smallest
position among a few dozen dictionary hits (three service buckets x source keys x target keys),
independent of how many rules the policy has.
"""

from __future__ import annotations

from collections.abc import Sequence

from .request import DISPVM, DISPVM_PREFIX, Call
from .rules import ANY, Rule
from .system import ADMINVM, System
from .tokens import Kind

Key = tuple[Kind, str]
STAR: Key = (Kind.STAR, "")


def _template_keys(template: str | None, system: System) -> list[Key]:
    if template is None:
        return []
    info = system.guests.get(template)
    tags = info.tags if info is not None else ()
    return [(Kind.DISPVM_TEMPLATE, template), *((Kind.DISPVM_TAG, t) for t in tags)]


def source_keys(source: str, system: System) -> tuple[Key, ...]:
    memo_key = ("source-keys", source)
    cached = system.memo.get(memo_key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    if source == ADMINVM:
        keys = [STAR, (Kind.ADMINVM, ""), (Kind.NAME, system.admin_name)]
    else:
        info = system.guests[source]
        keys = [STAR, (Kind.ANYVM, ""), (Kind.NAME, source), (Kind.TYPE, info.type)]
        keys += [(Kind.TAG, t) for t in info.tags]
        keys += _template_keys(system.disposable_template(source), system)
    result = tuple(keys)
    system.memo[memo_key] = result
    return result


def target_keys(call: Call, system: System) -> tuple[Key, ...]:
    target = call.target
    # Only @dispvm depends on the source (through its default_dispvm).
    memo_key = ("target-keys", target, call.source if target == DISPVM else None)
    cached = system.memo.get(memo_key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    if target == ADMINVM:
        keys = [STAR, (Kind.ADMINVM, ""), (Kind.NAME, system.admin_name)]
    elif target.startswith("@"):
        keys = [STAR, (Kind.ANYVM, "")]
        if target == DISPVM:
            keys.append((Kind.DISPVM, ""))
            keys += _template_keys(system.dispvm_template_of(call.source), system)
        elif target.startswith(DISPVM_PREFIX):
            keys += _template_keys(target[len(DISPVM_PREFIX):], system)
        else:
            keys.append((Kind.DEFAULT, ""))
    else:
        info = system.guests[target]
        keys = [STAR, (Kind.ANYVM, ""), (Kind.NAME, target), (Kind.TYPE, info.type)]
        keys += [(Kind.TAG, t) for t in info.tags]
    result = tuple(keys)
    system.memo[memo_key] = result
    return result


class RuleIndex:
    def __init__(self, rules: Sequence[Rule]):
        self._rules = tuple(rules)
        self._buckets: dict[tuple[str, str], dict[Key, dict[Key, int]]] = {}
        for position, rule in enumerate(self._rules):
            by_source = self._buckets.setdefault((rule.service, rule.argument), {})
            by_target = by_source.setdefault(rule.source.key, {})
            by_target.setdefault(rule.target.key, position)  # later duplicates never win

    def first_match(self, call: Call, system: System) -> Rule | None:
        buckets = [
            b
            for b in (
                self._buckets.get((call.service, call.argument)),
                self._buckets.get((call.service, ANY)),
                self._buckets.get((ANY, ANY)),
            )
            if b
        ]
        if not buckets:
            return None
        skeys = source_keys(call.source, system)
        tkeys = target_keys(call, system)
        best = len(self._rules)
        for bucket in buckets:
            for skey in skeys:
                by_target = bucket.get(skey)
                if by_target is None:
                    continue
                for tkey in tkeys:
                    position = by_target.get(tkey)
                    if position is not None and position < best:
                        best = position
        return self._rules[best] if best < len(self._rules) else None
