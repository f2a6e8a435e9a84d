"""One firewall rule of a client domain (Qubes' firewall rule), compiled later into nftables.

Values here end up inside an nft ruleset, so each one is held to a shape that cannot carry nft or
shell syntax. Rules that combine keys (ports only with tcp/udp, ...) are checked in ``checks.py``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictInt, WithJsonSchema

from .fields import describe, fail, key

DSTHOST_RULE = (
    "must be an IPv4 address, an IPv4 network in CIDR form (10.0.0.0/8) or a DNS name "
    "(letters, digits, '-' and '.')"
)
_DNS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _dsthost(value: Any) -> str:
    if not isinstance(value, str):
        raise fail(f"{DSTHOST_RULE} (got {describe(value)})")
    if re.fullmatch(r"[0-9./]+", value):
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise fail(
                f"{value!r} is not a valid address or network ({exc}); {DSTHOST_RULE}"
            ) from None
        return str(net.network_address) if net.prefixlen == 32 and "/" not in value else str(net)
    labels = value.rstrip(".").split(".")
    if len(value) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        raise fail(f"{DSTHOST_RULE} (got {describe(value)})")
    return value


PORTS_RULE = "must be a port from 1 to 65535 or a range 'N-M' with N <= M"


def _dstports(value: Any) -> int | str:
    """Keep what the admin wrote (80 or "80" or "8000-8080") once known as a valid range."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise fail(f"{PORTS_RULE} (got {describe(value)})")
    match = re.fullmatch(r"([0-9]{1,5})(?:-([0-9]{1,5}))?", str(value))
    if not match:
        raise fail(f"{PORTS_RULE} (got {describe(value)})")
    low = int(match[1])
    high = int(match[2]) if match[2] else low
    if not (1 <= low <= high <= 65535):
        raise fail(f"{PORTS_RULE} (got {describe(value)})")
    return value


COMMENT_RULE = (
    "must be plain text of at most 128 characters: "
    "letters, digits, spaces and . _ , : ( ) / @ + = # % ! ? -"
)
def _comment(value: Any) -> str:
    if not (
        isinstance(value, str)
        and len(value) <= 128
        and re.fullmatch(r"[A-Za-z0-9 ._,:()/@+=#%!?-]*", value)
    ):
        raise fail(f"{COMMENT_RULE} (got {describe(value)})")
    return value


Comment = Annotated[str, BeforeValidator(_comment)]


class FirewallRule(BaseModel):
    """Rules are evaluated in order, first match wins; traffic no rule accepts is dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Literal["accept", "drop"] = key(
        doc="What to do with matching traffic.", rule="must be accept or drop"
    )
    dsthost: (
        Annotated[str, BeforeValidator(_dsthost), WithJsonSchema({"type": "string"})] | None
    ) = key(
        None, doc="Destination host or network; absent matches any destination.", rule=DSTHOST_RULE
    )
    proto: Literal["tcp", "udp", "icmp"] | None = key(
        None, doc="Protocol; absent matches any protocol.", rule="must be tcp, udp or icmp"
    )
    dstports: (
        Annotated[
            int | str,
            BeforeValidator(_dstports),
            WithJsonSchema(
                {
                    "anyOf": [
                        {"type": "integer"},
                        {"type": "string", "pattern": r"^[0-9]{1,5}(-[0-9]{1,5})?$"},
                    ]
                }
            ),
        ]
        | None
    ) = key(
        None, doc="Destination port or port range; only with proto tcp or udp.", rule=PORTS_RULE
    )
    icmptype: StrictInt | None = key(
        None,
        ge=0,
        le=255,
        doc="ICMP type to match; only with proto icmp.",
        rule="must be an integer from 0 to 255",
    )
    specialtarget: Literal["dns"] | None = key(
        None,
        doc="'dns' matches the DNS servers the domain is given, instead of a dsthost.",
        rule="must be dns",
    )
    expire: StrictInt | None = key(
        None,
        ge=0,
        le=253402300799,
        doc="Unix time after which the rule no longer applies; absent means never.",
        rule="must be a Unix timestamp (whole seconds since 1970-01-01 UTC)",
    )
    comment: Comment | None = key(
        None, doc="Free text for the admin; kept in the ruleset.", rule=COMMENT_RULE
    )

    @property
    def port_range(self) -> tuple[int, int] | None:
        """``dstports`` as (low, high), both inclusive; None when the rule has no ports."""
        if self.dstports is None:
            return None
        low, _, high = str(self.dstports).partition("-")
        return int(low), int(high or low)
