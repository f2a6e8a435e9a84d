"""Compile and ``nft -c`` together, so that one client nft refuses cannot cost the others.

If the whole ruleset is refused, each client is tried alone; those whose own chain is refused are
closed (only ``drop``) and the rest is compiled again. A ruleset still refused after that is an
error: nothing is delivered and the netvm keeps enforcing what it had.

``check`` defaults to ``nft -c``; a site can pass a stricter one (``nft -c`` plus its own policy)
that raises ``RulesetCheckError`` the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .check import check_ruleset
from .compile import (
    DEFAULT_INTERFACES,
    ClientRules,
    NetvmInterfaces,
    Ruleset,
    compile_netvm_ruleset,
)
from .destinations import Resolver
from .errors import RulesetCheckError


def compile_checked(
    netvm_name: str,
    clients: Mapping[str, ClientRules],
    now: int,
    resolve: Resolver,
    *,
    dns: Sequence[object],
    interfaces: NetvmInterfaces = DEFAULT_INTERFACES,
    upstream_dns: object | None = None,
    check: Callable[[str], None] = check_ruleset,
) -> Ruleset:
    def build(subset: Mapping[str, ClientRules], closed: Mapping[str, str]) -> Ruleset:
        return compile_netvm_ruleset(
            netvm_name, subset, now, resolve, dns=dns, interfaces=interfaces, closed=closed,
            upstream_dns=upstream_dns,
        )

    ruleset = build(clients, {})
    try:
        check(ruleset.text)
        return ruleset
    except RulesetCheckError:
        pass
    closed: dict[str, str] = {}
    for name in sorted(clients):
        try:
            check(build({name: clients[name]}, {}).text)
        except RulesetCheckError as exc:
            closed[name] = f"nft refused this client's rules: {exc.output.strip()[:300]}"
    ruleset = build(clients, closed)
    check(ruleset.text)  # still refused: not a client's fault, deliver nothing
    return ruleset
