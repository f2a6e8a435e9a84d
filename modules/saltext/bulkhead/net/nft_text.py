"""The injection boundary: every value that reaches ruleset text is rendered here, from a type.

Addresses and networks are rendered from ``ipaddress`` objects, ports and numbers from ``int``,
names and comments only after they match an allow-list that excludes every character nft or a
shell gives meaning to (quotes, braces, semicolons, newlines, '$', '@', backslash...). A value that
fails raises ``FirewallCompileError``; nothing here tries to escape or repair input.
"""

from __future__ import annotations

import ipaddress
import re

from .errors import FirewallCompileError

IPv4 = ipaddress.IPv4Address
IPv4Net = ipaddress.IPv4Network

# Linux interface names are at most 15 bytes; this keeps them to what needs no quoting anywhere.
_IFACE = re.compile(r"[a-z][a-z0-9]{0,14}")
# The same shape as model.fields.NAME_PATTERN: domain names need no escaping anywhere.
_DOMAIN_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")
# The model's comment alphabet minus nothing nft treats specially inside a quoted string; '"' and
# '\' and newlines are absent, so a comment can never close its quotes.
_COMMENT = re.compile(r"[A-Za-z0-9 ._,:()/@+=#%!?-]{0,128}")
# A kernel time match is nanoseconds in 64 bits; nft wraps larger values silently (tested), so a
# later expiry is left to recompilation instead of being written wrong.
MAX_KERNEL_TIME = (2**63 - 1) // 10**9


def _int(value: object, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FirewallCompileError(f"{what} must be an integer from {low} to {high}, got {value!r}")
    return value


def address(value: object) -> IPv4:
    """An IPv4 address from an ``IPv4Address`` or its dotted text, nothing else."""
    if isinstance(value, IPv4):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", value):
        try:
            return IPv4(value)
        except ValueError:
            pass
    raise FirewallCompileError(f"not an IPv4 address: {value!r}")


def destination(value: str) -> IPv4 | IPv4Net | None:
    """``dsthost`` as an address or network, or None when it is a (valid) DNS name to resolve."""
    if not isinstance(value, str):
        raise FirewallCompileError(f"dsthost must be text, got {value!r}")
    if re.fullmatch(r"[0-9./]+", value):
        try:
            net = IPv4Net(value, strict=True)
        except ValueError:
            raise FirewallCompileError(
                f"dsthost is not a valid IPv4 address or network: {value!r}"
            ) from None
        return net.network_address if net.prefixlen == 32 else net
    labels = value.rstrip(".").split(".")
    label = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
    if len(value) > 253 or not all(label.fullmatch(part) for part in labels):
        raise FirewallCompileError(
            f"dsthost is neither an IPv4 address, a network nor a DNS name: {value!r}"
        )
    return None


def addr_text(value: IPv4 | IPv4Net) -> str:
    if isinstance(value, IPv4Net):
        return str(value.network_address) if value.prefixlen == 32 else str(value)
    if isinstance(value, IPv4):
        return str(value)
    raise FirewallCompileError(f"not an IPv4 address or network: {value!r}")


def addr_match(values: tuple[IPv4 | IPv4Net, ...]) -> str:
    """One address as itself, several as an anonymous set (nft refuses overlapping set elements,
    so networks that contain others are collapsed first)."""
    collapsed = list(ipaddress.collapse_addresses(IPv4Net(v) for v in values))
    if not collapsed:
        raise FirewallCompileError("an address match needs at least one address")
    texts = [addr_text(n) for n in collapsed]
    return texts[0] if len(texts) == 1 else "{ " + ", ".join(texts) + " }"


def ports(low: object, high: object) -> str:
    lo = _int(low, 1, 65535, "port")
    hi = _int(high, lo, 65535, "upper port")
    return str(lo) if lo == hi else f"{lo}-{hi}"


def icmp_type(value: object) -> str:
    return str(_int(value, 0, 255, "icmptype"))


def kernel_time(value: object) -> str | None:
    """Seconds since the epoch for ``meta time``, or None when the kernel cannot represent it."""
    seconds = _int(value, 0, 2**64, "expire")
    return str(seconds) if seconds <= MAX_KERNEL_TIME else None


def iface(value: object) -> str:
    if not isinstance(value, str) or not _IFACE.fullmatch(value):
        raise FirewallCompileError(
            f"interface names are lowercase letters and digits, at most 15: {value!r}"
        )
    return f'"{value}"'


def domain_name(value: object) -> str:
    if not isinstance(value, str) or not _DOMAIN_NAME.fullmatch(value):
        raise FirewallCompileError(f"not a valid domain name: {value!r}")
    return value


def comment(value: object) -> str:
    if not isinstance(value, str) or not _COMMENT.fullmatch(value):
        raise FirewallCompileError(f"comment has characters outside the allowed set: {value!r}")
    return f'"{value}"'


def chain_name(client: IPv4) -> str:
    """``client-10-137-0-5``: derived from the address alone, so it needs no escaping."""
    return "client-" + str(address(client)).replace(".", "-")
