"""What a domain's firewall rules say about one connection, judged from the pillar alone.

The isolation suite compares this verdict with what a guest actually observes. It is written
independently of the nftables compiler on purpose: a compiler bug then shows as a mismatch
instead of being checked against itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from ..model import FirewallRule

DNS_PORT = 53
ECHO_REQUEST = 8


def _host_matches(rule: FirewallRule, address: ipaddress.IPv4Address) -> bool | None:
    if rule.dsthost is None:
        return True
    try:
        return address in ipaddress.IPv4Network(rule.dsthost, strict=False)
    except ValueError:
        return None  # a DNS name: the host resolves it at compile time, the oracle cannot


def _port_matches(rule: FirewallRule, port: int | None) -> bool:
    ports = rule.port_range
    return ports is None or (port is not None and ports[0] <= port <= ports[1])


def verdict(
    rules: Sequence[FirewallRule],
    address: ipaddress.IPv4Address,
    proto: str,
    port: int | None,
    *,
    dns: Iterable[ipaddress.IPv4Address] = (),
    now: int = 0,
) -> bool | None:
    """True if the first matching live rule accepts ``proto`` to ``address``:``port``, False if
    it drops (or nothing matches), None if the answer hangs on a name the oracle cannot resolve.
    An ICMP probe is an echo request (ping)."""
    dns_servers = set(dns)
    for rule in rules:
        if rule.expire is not None and rule.expire <= now:
            continue
        if rule.proto is not None and rule.proto != proto:
            continue
        if rule.specialtarget == "dns":
            if not (address in dns_servers and port == DNS_PORT and proto in ("tcp", "udp")):
                continue
        else:
            host = _host_matches(rule, address)
            if host is None:
                return None
            if not host or not _port_matches(rule, port):
                continue
        if rule.icmptype is not None and rule.icmptype != ECHO_REQUEST:
            continue  # the suite's only ICMP probe is ping
        return rule.action == "accept"
    return False
