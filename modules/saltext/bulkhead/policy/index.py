"""The compiled form of a policy: first-match lookup without scanning the rules.

Every source and target token has one key, its text (``@tag:x``, ``work``, ``uuid:U``, ``*``).
For a call, ``source_keys`` and ``target_keys`` list the keys of every token that would match it:
exactly the tokens for which match.py's predicates hold. The index maps (service, argument) ->
source key -> target key -> the position of the first rule with those columns. A call's first
matching rule is then the smallest position among a few dozen dictionary hits, independent of
how many rules the policy has. The same views also list, per source key, every rule's position:
the rules an ask's candidates are collected from.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .request import DEFAULT, DISPVM, DISPVM_PREFIX, Call
from .rules import ANY, Rule
from .system import ADMINVM, DomainInfo, System
from .tokens import UUID_PREFIX, Kind

Key = str
STAR: Key = Kind.STAR.value
ANYVM: Key = Kind.ANYVM.value


def _domain_keys(name: str, info: DomainInfo) -> list[Key]:
    keys = [STAR, ANYVM, name, Kind.TYPE.value + info.type]
    if info.uuid is not None:
        keys.append(UUID_PREFIX + info.uuid)
    return keys + [Kind.TAG.value + t for t in info.tags]


def _template_keys(template: str | None, system: System) -> list[Key]:
    if template is None:
        return []
    keys = [DISPVM_PREFIX + template]
    info = system.domains.get(template)
    if info is not None:
        if info.uuid is not None:
            keys.append(DISPVM_PREFIX + UUID_PREFIX + info.uuid)
        if info.template_for_dispvms:
            keys += [Kind.DISPVM_TAG.value + t for t in info.tags]
    return keys


def _unknown_source_keys(source: str) -> list[Key]:
    if source == ADMINVM:
        return [STAR, ADMINVM]
    keys = [STAR, ANYVM]
    value = source[len(DISPVM_PREFIX) :]
    if not source.startswith("@") or (
        source.startswith(DISPVM_PREFIX) and value[:1] not in ("", "@")
    ):
        keys.append(source)  # a name token, or an @dispvm:X token compared as text
    return keys


def source_keys(source: str, system: System) -> tuple[Key, ...]:
    memo_key = ("source-keys", source)
    cached = system.memo.get(memo_key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    info = system.domains.get(source)
    result = tuple(_domain_keys(source, info) if info is not None else _unknown_source_keys(source))
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
        # Name tokens that stand for the admin domain (its name, its uuid) match it as @adminvm.
        admin = system.domains.get(system.admin_name)
        keys = [STAR, ADMINVM, system.admin_name]
        if admin is not None and admin.uuid is not None:
            keys.append(UUID_PREFIX + admin.uuid)
    elif target == DEFAULT:
        keys = [STAR, ANYVM, DEFAULT]
    elif target == DISPVM:
        keys = [STAR, ANYVM, DISPVM, *_template_keys(system.default_dispvm_of(call.source), system)]
    elif target.startswith(DISPVM_PREFIX):
        keys = [STAR, ANYVM, *_template_keys(target[len(DISPVM_PREFIX) :], system)]
    else:
        keys = _domain_keys(target, system.domains[target])
    result = frozenset(keys)
    system.memo[memo_key] = result
    return result


Buckets = dict[Key, dict[Key, int]]  # source key -> target key -> first position
Lists = dict[Key, list[int]]  # source key -> every position


def _merge(*buckets: Buckets | None) -> Buckets:
    merged: Buckets = {}
    for bucket in buckets:
        for skey, by_target in (bucket or {}).items():
            into = merged.setdefault(skey, {})
            for tkey, position in by_target.items():
                if position < into.get(tkey, position + 1):
                    into[tkey] = position
    return merged


def _join(*lists: Lists | None) -> Lists:
    joined: Lists = {}
    for part in lists:
        for skey, positions in (part or {}).items():
            joined.setdefault(skey, []).extend(positions)
    return joined


class RuleIndex:
    def __init__(self, rules: Sequence[Rule]):
        self._rules = tuple(rules)
        exact: dict[tuple[str, str], Buckets] = {}
        every: dict[tuple[str, str], Lists] = {}
        for position, rule in enumerate(self._rules):
            column = (rule.service, rule.argument)
            by_target = exact.setdefault(column, {}).setdefault(str(rule.source), {})
            by_target.setdefault(str(rule.target), position)  # later duplicates never win
            every.setdefault(column, {}).setdefault(str(rule.source), []).append(position)
        # One merged view per way a call can be matched, built once: the rules for
        # (service, argument), for (service, any argument) and for any service together.
        self._any = self._view(exact, every, [(ANY, ANY)])
        self._by_service = {
            s: self._view(exact, every, [(s, ANY), (ANY, ANY)]) for s, _ in exact if s != ANY
        }
        self._by_call = {
            (s, a): self._view(exact, every, [(s, a), (s, ANY), (ANY, ANY)])
            for s, a in exact
            if a != ANY
        }

    @staticmethod
    def _view(exact: dict, every: dict, columns: list[tuple[str, str]]) -> tuple[Buckets, Lists]:
        return _merge(*(exact.get(c) for c in columns)), _join(*(every.get(c) for c in columns))

    def _view_for(self, call: Call) -> tuple[Buckets, Lists]:
        view = self._by_call.get((call.service, call.argument))
        if view is None:
            view = self._by_service.get(call.service, self._any)
        return view

    def first_match(self, call: Call, system: System) -> Rule | None:
        first, _ = self._view_for(call)
        if not first:
            return None
        tkeys = target_keys(call, system)
        best = len(self._rules)
        for skey in source_keys(call.source, system):
            by_target = first.get(skey)
            if by_target is None:
                continue
            # Few target keys are used with any one source key: walk those, test membership.
            for tkey, position in by_target.items():
                if position < best and tkey in tkeys:
                    best = position
        return self._rules[best] if best < len(self._rules) else None

    def sources(self, call: Call, system: System) -> Iterator[Rule]:
        """Every rule whose service and source match the call, in order."""
        _, lists = self._view_for(call)
        positions: set[int] = set()
        for skey in source_keys(call.source, system):
            positions.update(lists.get(skey, ()))
        return (self._rules[p] for p in sorted(positions))
