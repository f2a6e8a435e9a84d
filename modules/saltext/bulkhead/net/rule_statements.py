"""One ``FirewallRule`` as one nft statement, after re-checking every field against the allow-list.

The model already validated these rules; they are checked again here because this is the last
step before text, and a rule built without validation (``model_construct``) must not slip through.
"""

from __future__ import annotations

from ..model import FirewallRule
from . import nft_text
from .errors import FirewallCompileError
from .nft_text import IPv4, IPv4Net

ACTIONS = ("accept", "drop")
PROTOS = (None, "tcp", "udp", "icmp")
DNS_PORT = 53


class UnsupportedRule(Exception):
    """A rule the model accepts but that has no meaning here; its client fails closed."""


def port_range(dstports: object) -> tuple[int, int]:
    if isinstance(dstports, bool):
        raise FirewallCompileError(f"dstports must be N or N-M, got {dstports!r}")
    if isinstance(dstports, int):
        return dstports, dstports
    low, sep, high = str(dstports).partition("-")
    if not (low.isdigit() and low.isascii() and (not sep or (high.isdigit() and high.isascii()))):
        raise FirewallCompileError(f"dstports must be N or N-M, got {dstports!r}")
    return int(low), int(high if sep else low)


def check_shape(rule: FirewallRule) -> None:
    """Refuse field values and combinations that must not reach a ruleset."""
    if rule.action not in ACTIONS:
        raise FirewallCompileError(f"action must be accept or drop, got {rule.action!r}")
    if rule.proto not in PROTOS:
        raise FirewallCompileError(f"proto must be tcp, udp or icmp, got {rule.proto!r}")
    if rule.specialtarget not in (None, "dns"):
        raise FirewallCompileError(f"specialtarget must be dns, got {rule.specialtarget!r}")
    if rule.dstports is not None and rule.proto not in ("tcp", "udp"):
        raise FirewallCompileError("dstports only with proto tcp or udp")
    if rule.icmptype is not None and rule.proto != "icmp":
        raise FirewallCompileError("icmptype only with proto icmp")
    if rule.specialtarget is not None and rule.dsthost is not None:
        raise FirewallCompileError("dsthost and specialtarget exclude each other")
    if rule.dsthost is not None:
        nft_text.destination(rule.dsthost)
    if rule.dstports is not None:
        nft_text.ports(*port_range(rule.dstports))
    if rule.icmptype is not None:
        nft_text.icmp_type(rule.icmptype)
    if rule.expire is not None:
        nft_text.kernel_time(rule.expire)
    if rule.comment:
        nft_text.comment(rule.comment)


def _protocol(rule: FirewallRule) -> list[str]:
    if rule.specialtarget == "dns":
        if rule.proto == "icmp" or rule.dstports is not None:
            raise UnsupportedRule(
                "specialtarget dns means TCP/UDP port 53; it takes no dstports and no proto icmp"
            )
        if rule.proto is None:
            return ["meta l4proto { tcp, udp }", f"th dport {DNS_PORT}"]
        return [f"{rule.proto} dport {DNS_PORT}"]
    if rule.proto in ("tcp", "udp"):
        if rule.dstports is None:
            return [f"meta l4proto {rule.proto}"]
        return [f"{rule.proto} dport {nft_text.ports(*port_range(rule.dstports))}"]
    if rule.proto == "icmp":
        if rule.icmptype is None:
            return ["meta l4proto icmp"]
        return [f"icmp type {nft_text.icmp_type(rule.icmptype)}"]
    return []


def rule_statement(
    rule: FirewallRule, destinations: tuple[IPv4 | IPv4Net, ...], dns: tuple[IPv4, ...]
) -> str | None:
    """The statement for ``rule``; None when it can match nothing (DNS target without DNS servers).

    ``destinations`` are the resolved ``dsthost`` (empty: any destination).
    """
    check_shape(rule)
    parts: list[str] = []
    if rule.specialtarget == "dns":
        if not dns:
            _protocol(rule)  # still refuse a meaningless rule even when it would be left out
            return None
        # The address the client asked, before the netvm forwarded the query upstream (DNAT):
        # a query sent straight to the upstream server is not DNS "through the netvm".
        parts.append(f"ct original ip daddr {nft_text.addr_match(dns)}")
    elif destinations:
        parts.append(f"ip daddr {nft_text.addr_match(destinations)}")
    parts += _protocol(rule)
    if rule.expire is not None:
        # The kernel stops matching at expiry even if nobody recompiles in time.
        until = nft_text.kernel_time(rule.expire)
        if until is not None:
            parts.append(f"meta time < {until}")
    parts.append(rule.action)
    if rule.comment:
        parts.append(f"comment {nft_text.comment(rule.comment)}")
    return " ".join(parts)
