"""Rule changes as an admin reads them: one line per rule, ``+`` added, ``-`` removed.

Order matters (first match wins), so the diff is a sequence diff: moving a rule shows as its
removal at the old place and its addition at the new one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import FirewallRule


def describe_rule(rule: FirewallRule) -> str:
    """A rule as one line.

    ``accept tcp 10.0.0.1:80``, ``drop udp *:53``, ``accept dns``, ``drop icmp 10.0.0.0/8 type 8``.
    """
    if rule.specialtarget == "dns":
        target = "dns" if rule.proto is None else f"{rule.proto} dns"
        words = [rule.action, target]
    else:
        host = rule.dsthost or "*"
        if rule.dstports is not None:
            host = f"{host}:{rule.dstports}"
        words = [rule.action, rule.proto or "any", host]
    if rule.icmptype is not None:
        words.append(f"type {rule.icmptype}")
    if rule.expire is not None:
        words.append(f"until {rule.expire}")
    if rule.comment:
        words.append(f"# {rule.comment}")
    return " ".join(words)


def diff_rules(old_rules: Iterable[FirewallRule], new_rules: Iterable[FirewallRule]) -> list[str]:
    """``+``/``-`` lines turning ``old_rules`` into ``new_rules``; empty when they are equal."""
    old = [describe_rule(r) for r in old_rules]
    new = [describe_rule(r) for r in new_rules]
    lines: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        lines += [f"- {line}" for line in old[i1:i2]]
        lines += [f"+ {line}" for line in new[j1:j2]]
    return lines


def diff_clients(
    old: Mapping[str, Iterable[FirewallRule]], new: Mapping[str, Iterable[FirewallRule]]
) -> dict[str, list[str]]:
    """Per client, the rule diff; clients without changes are left out.

    A client that appears or disappears shows all its rules added or removed, and a client with no
    rules at all still shows (as an empty list) when it appears or disappears, because being a
    client changes what it may do (from nothing to "drop everything" is still a change of owner).
    """
    changes: dict[str, list[str]] = {}
    for name in sorted(set(old) | set(new)):
        lines = diff_rules(old.get(name, ()), new.get(name, ()))
        if lines or (name in old) != (name in new):
            changes[name] = lines
    return changes


def ruleset_changes(
    old_sha256: str | None,
    old_rules: Mapping[str, Iterable[FirewallRule]],
    new_sha256: str,
    new_rules: Mapping[str, Iterable[FirewallRule]],
    closed: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``changes`` of a firewall state: empty when the netvm already enforces ``new_sha256``.

    ``old_sha256`` is the hash the netvm reports (None: it enforces nothing of ours yet). The hash
    can change without a rule diff (an expired rule left out, a name resolving elsewhere), so the
    hash pair is always part of a non-empty answer; ``closed`` lists clients that fail closed.
    """
    if old_sha256 == new_sha256:
        return {}
    changes: dict[str, Any] = {"ruleset": {"old": old_sha256, "new": new_sha256}}
    rules = diff_clients(old_rules, new_rules)
    if rules:
        changes["rules"] = rules
    if closed:
        changes["closed"] = dict(sorted(closed.items()))
    return changes
