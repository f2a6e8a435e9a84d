"""Where a rule's traffic may go: ``dsthost`` as addresses, names resolved on the host at compile.

The netvm never resolves names for the firewall (it would trust whatever DNS it is given); the host
resolves each name once per compilation, and a name that does not resolve to an IPv4 address makes
the whole client fail closed rather than silently dropping or widening that one rule.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

from . import nft_text
from .nft_text import IPv4, IPv4Net

# A resolver returns the IPv4 addresses of a name (as text or IPv4Address); it may raise OSError.
Resolver = Callable[[str], Iterable[object]]


class UnresolvedName(Exception):
    """A dsthost name with no usable IPv4 address; the client it belongs to fails closed."""


def system_resolver(name: str) -> list[str]:
    """The host's own resolver (getaddrinfo), IPv4 only."""
    infos = socket.getaddrinfo(name, None, family=socket.AF_INET, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def resolve_dsthost(dsthost: str, resolve: Resolver) -> tuple[IPv4 | IPv4Net, ...]:
    """The addresses a rule's ``dsthost`` stands for, sorted and without duplicates."""
    fixed = nft_text.destination(dsthost)
    if fixed is not None:
        return (fixed,)
    try:
        answers = list(resolve(dsthost))
    except (OSError, UnicodeError) as exc:
        raise UnresolvedName(f"dsthost {dsthost!r} did not resolve: {exc}") from None
    # Whatever the resolver hands back goes through the same address allow-list as pillar values.
    try:
        found = sorted({nft_text.address(a) for a in answers})
    except ValueError as exc:
        raise UnresolvedName(
            f"dsthost {dsthost!r} resolved to something that is not IPv4: {exc}"
        ) from None
    if not found:
        raise UnresolvedName(f"dsthost {dsthost!r} has no IPv4 address")
    return tuple(found)
