"""Compile the firewall rules of a netvm's clients into one nftables ruleset for that netvm.

The text replaces ``table inet bulkhead`` in one ``nft -f`` transaction (create-if-absent, delete,
define), so a live reload never leaves the netvm with half a ruleset and touches no other table.

What the netvm enforces (docs/firewall.md explains why):
- forward: every packet from the client-facing interface meets its client's chain, found by
  source address (``ip saddr vmap``); a source that is no client is dropped (anti-spoofing);
  clients never reach each other through the netvm; from the uplink only replies pass.
- input: clients may reach only DNS on the netvm, and only if their own rules allow it.
- prerouting: with an upstream DNS server, clients' queries to the netvm are forwarded there
  (DNAT), and then meet their chain in forward like any other traffic.
- postrouting: client traffic leaving by the uplink is masqueraded.
A client chain holds the client's unexpired rules in order and ends in ``drop``; a client whose
rules cannot be applied (a name that does not resolve...) gets a chain that is only ``drop``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..model import FirewallRule
from . import nft_text
from .destinations import Resolver, UnresolvedName, resolve_dsthost
from .errors import FirewallCompileError
from .nft_text import IPv4
from .rule_statements import UnsupportedRule, check_shape, rule_statement

TABLE = "inet bulkhead"


@dataclass(frozen=True)
class NetvmInterfaces:
    """Kernel names of the netvm's NICs: ``serving`` faces the clients, ``uplink`` its own netvm."""

    serving: str = "eth1"
    uplink: str | None = "eth0"

    @classmethod
    def by_nic_order(cls, has_uplink: bool) -> NetvmInterfaces:
        """The names the kernel gives when the uplink NIC comes first (as the plan orders them)."""
        return cls("eth1", "eth0") if has_uplink else cls("eth0", None)


DEFAULT_INTERFACES = NetvmInterfaces()  # frozen, so one shared default is safe


@dataclass(frozen=True)
class ClientSummary:
    name: str
    address: IPv4
    chain: str
    closed_reason: str | None  # None: the rules are applied; else why the client gets only drop
    rules_applied: int
    rules_expired: int
    next_expiry: int | None  # earliest expire of an applied rule: recompile then

    @property
    def applied(self) -> bool:
        return self.closed_reason is None


@dataclass(frozen=True)
class Ruleset:
    netvm: str
    text: str
    sha256: str
    clients: tuple[ClientSummary, ...]

    @property
    def next_expiry(self) -> int | None:
        times = [c.next_expiry for c in self.clients if c.next_expiry is not None]
        return min(times) if times else None


ClientRules = tuple[object, Iterable[FirewallRule]]  # (IPv4 address, ordered rules)


def _client_chain(
    name: str,
    address: IPv4,
    rules: Sequence[FirewallRule],
    now: int,
    resolve: Resolver,
    dns: tuple[IPv4, ...],
    closed: str | None,
) -> tuple[list[str], ClientSummary]:
    chain = nft_text.chain_name(address)
    live = [r for r in rules if r.expire is None or r.expire > now]
    statements: list[str] = []
    reason = closed
    try:
        for rule in live if closed is None else ():
            destinations = (
                resolve_dsthost(rule.dsthost, resolve) if rule.dsthost is not None else ()
            )
            statement = rule_statement(rule, destinations, dns)
            if statement is not None:
                statements.append(statement)
    except (UnresolvedName, UnsupportedRule) as exc:
        statements, reason = [], str(exc)
    label = f"client {name}" if reason is None else f"client {name} fails closed"
    statements.append(f"drop comment {nft_text.comment(label)}")
    expiries = [r.expire for r in live if r.expire is not None]
    summary = ClientSummary(
        name=name,
        address=address,
        chain=chain,
        closed_reason=reason,
        rules_applied=0 if reason else len(live),
        rules_expired=len(rules) - len(live),
        next_expiry=min(expiries) if expiries and reason is None else None,
    )
    return [f"\tchain {chain} {{"] + [f"\t\t{s}" for s in statements] + ["\t}"], summary


def _validated_clients(
    clients: Mapping[str, ClientRules],
) -> list[tuple[IPv4, str, list[FirewallRule]]]:
    seen: dict[IPv4, str] = {}
    result = []
    for name, (address, rules) in clients.items():
        nft_text.domain_name(name)
        ip = nft_text.address(address)
        if ip in seen:
            raise FirewallCompileError(f"clients {seen[ip]!r} and {name!r} share the address {ip}")
        seen[ip] = name
        rule_list = list(rules)
        for rule in rule_list:
            check_shape(rule)  # bad shape anywhere refuses the whole ruleset, expired or not
        result.append((ip, name, rule_list))
    return sorted(result, key=lambda item: item[0])


def _vmap(chains: Sequence[tuple[IPv4, str]]) -> str:
    return "ip saddr vmap { " + ", ".join(f"{ip} : jump {chain}" for ip, chain in chains) + " }"


def compile_netvm_ruleset(
    netvm_name: str,
    clients: Mapping[str, ClientRules],
    now: int,
    resolve: Resolver,
    *,
    dns: Sequence[object],
    interfaces: NetvmInterfaces = DEFAULT_INTERFACES,
    closed: Mapping[str, str] | None = None,
    upstream_dns: object | None = None,
) -> Ruleset:
    """The ruleset of ``netvm_name`` for ``clients`` (name -> (IPv4 address, ordered rules)).

    ``dns`` are the DNS server addresses the clients are given (the ``specialtarget: dns`` target);
    ``now`` decides which rules have expired. ``upstream_dns``: where the netvm forwards its
    clients' DNS queries (its own netvm, or the uplink's DNS server); None: nowhere. Raises
    ``FirewallCompileError`` for input outside the
    allow-list; per-client problems close that client instead. ``closed`` names clients to close
    regardless of their rules (client -> reason), e.g. those whose chain nft refused.
    """
    nft_text.domain_name(netvm_name)
    serving = nft_text.iface(interfaces.serving)
    uplink = nft_text.iface(interfaces.uplink) if interfaces.uplink is not None else None
    dns_addresses = tuple(sorted({nft_text.address(a) for a in dns}))
    if isinstance(now, bool) or not isinstance(now, int):
        raise FirewallCompileError(f"now must be whole seconds since the epoch, got {now!r}")

    body: list[str] = []
    summaries: list[ClientSummary] = []
    for ip, name, rules in _validated_clients(clients):
        reason = (closed or {}).get(name)
        lines, summary = _client_chain(name, ip, rules, now, resolve, dns_addresses, reason)
        body += lines
        summaries.append(summary)
    jumps = [(s.address, s.chain) for s in summaries]

    forward = ["ct state invalid drop", f"iifname {serving} oifname {serving} drop"]
    if jumps:
        forward.append(f"iifname {serving} {_vmap(jumps)}")
    forward += [f"iifname {serving} drop", "ct state established,related accept"]
    body += _base_chain(
        "forward", "type filter hook forward priority filter; policy drop;", forward
    )

    inbound = ['iifname "lo" accept', "ct state invalid drop"]
    if jumps and dns_addresses:
        dns_match = (
            f"ip daddr {nft_text.addr_match(dns_addresses)} meta l4proto {{ tcp, udp }} th dport 53"
        )
        inbound.append(f"iifname {serving} {dns_match} {_vmap(jumps)}")
    inbound += [f"iifname {serving} drop", "ct state established,related accept"]
    body += _base_chain("input", "type filter hook input priority filter; policy drop;", inbound)

    if uplink is not None and jumps and dns_addresses and upstream_dns is not None:
        upstream = nft_text.address(upstream_dns)
        body += _base_chain(
            "prerouting",
            "type nat hook prerouting priority dstnat; policy accept;",
            [
                f"iifname {serving} ip daddr {nft_text.addr_match(dns_addresses)} meta l4proto "
                f"{{ tcp, udp }} "
                f"th dport 53 dnat ip to {upstream}"
            ],
        )

    if uplink is not None and jumps:
        sources = nft_text.addr_match(tuple(ip for ip, _ in jumps))
        body += _base_chain(
            "postrouting",
            "type nat hook postrouting priority srcnat; policy accept;",
            [f"oifname {uplink} ip saddr {sources} masquerade"],
        )

    text = "\n".join(
        [
            f"# bulkhead firewall of netvm {netvm_name}; generated, replaced as a whole",
            f"table {TABLE}",
            f"delete table {TABLE}",
            f"table {TABLE} {{",
            *body,
            "}",
            "",
        ]
    )
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()
    return Ruleset(netvm=netvm_name, text=text, sha256=digest, clients=tuple(summaries))


def _base_chain(name: str, hook: str, statements: list[str]) -> list[str]:
    return [f"\tchain {name} {{", f"\t\t{hook}", *(f"\t\t{s}" for s in statements), "\t}"]
