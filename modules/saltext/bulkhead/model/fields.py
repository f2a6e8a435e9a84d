"""Constrained value types shared by the pillar models, each with the rule an admin reads on error.

Every type is strict: YAML values that would otherwise coerce silently (``netvm: no`` is a boolean,
``vcpus: "2"`` is text, ``1e3`` is text, ``128.0`` is a float) are errors. A ``Rule`` attached to a
type or field is the sentence that error messages and the generated docs show.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class Rule:
    """What a value must look like, phrased for an admin ("must be ...")."""

    text: str


def key(default: Any = ..., *, doc: str, rule: str | None = None, **kwargs: Any) -> Any:
    """A model field whose description (schema, docs) says what it means and what is allowed.

    Fields holding a model leave ``rule`` out: their rule is the model's own keys (``rule_of``).
    """
    if rule is None:
        return Field(default, description=doc, **kwargs)
    return Field(
        default, description=f"{doc} Rule: {rule}.", json_schema_extra={"rule": rule}, **kwargs
    )


def fail(message: str) -> PydanticCustomError:
    # The message goes through the context so that braces in echoed input cannot break formatting.
    return PydanticCustomError("bulkhead", "{reason}", {"reason": message})


# Names end up in libvirt XML, file paths, bridge and nft chain names and shell command lines, so
# they are limited to characters that need no escaping anywhere.
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"
NAME_RULE = (
    "domain names are lowercase letters, digits and '-', start with a letter, at most 31 characters"
)
# 'none' means "no netvm"; 'dom0' and 'default' are how Qubes names the host and the default value.
RESERVED_NAMES = frozenset({"none", "dom0", "default"})


_NAME = re.compile(NAME_PATTERN)


def is_domain_name(value: Any) -> bool:
    """Whether ``value`` is a valid ``DomainName``, asked without pydantic (every name of a
    pillar, at every validation): only for a fast path, the errors come from ``DomainName``."""
    return type(value) is str and _NAME.fullmatch(value) is not None and (
        value not in RESERVED_NAMES)


def _not_reserved(name: str) -> str:
    if name in RESERVED_NAMES:
        reserved = ", ".join(sorted(RESERVED_NAMES))
        raise fail(f"'{name}' is reserved ({reserved}); choose another name")
    return name


DomainName = Annotated[
    str,
    StringConstraints(strict=True, pattern=NAME_PATTERN),
    AfterValidator(_not_reserved),
    Rule(NAME_RULE),
]

TAG_RULE = (
    "must be a list of tags: lowercase letters, digits, '_' and '-', starting with a letter, "
    "at most 31 characters"
)
TagName = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9_-]{0,30}$")]

PATH_RULE = "must be an absolute path of letters, digits and . _ / + -, without '..' components"


def _no_parent_components(path: str) -> str:
    if ".." in path.split("/"):
        raise fail(f"{path!r} contains a '..' component; {PATH_RULE}")
    return path


AbsPath = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^/[A-Za-z0-9._/+-]*$", max_length=4096),
    AfterValidator(_no_parent_components),
]


def _text_only(what: str) -> Any:
    """Refuse anything but text before a lax validator (ipaddress) turns an int into an address."""

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise fail(f"must be {what} written as text (got {describe(value)})")
        return value

    return BeforeValidator(check)


IPV4_RULE = "must be an IPv4 address such as 10.137.0.10"
IPv4Text = Annotated[
    ipaddress.IPv4Address,
    _text_only("an IPv4 address"),
    WithJsonSchema({"type": "string", "format": "ipv4"}),
]

IPV4_INTERFACE_RULE = "must be an IPv4 address with its prefix length, such as 192.168.122.2/24"


def _ipv4_interface(value: str) -> ipaddress.IPv4Interface:
    try:
        iface = ipaddress.IPv4Interface(value)
    except ValueError as exc:
        raise fail(
            f"{value!r} is not an address with a prefix ({exc}); {IPV4_INTERFACE_RULE}"
        ) from None
    if (
        "/" not in value
        or iface.ip in (iface.network.network_address, iface.network.broadcast_address)
        and iface.network.prefixlen < 31
    ):
        raise fail(f"{value!r}: {IPV4_INTERFACE_RULE}, not the network or broadcast address")
    return iface


IPv4InterfaceText = Annotated[
    ipaddress.IPv4Interface,
    BeforeValidator(_ipv4_interface),
    _text_only("an IPv4 address with prefix"),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9.]+/[0-9]{1,2}$"}),
]

PRIVATE_NETWORKS = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
POOL_RULE = (
    "must be a private IPv4 network (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) "
    "with a prefix from /8 to /28, such as 10.137.0.0/16"
)


def _address_pool(value: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise fail(f"{value!r} is not a network address ({exc}); {POOL_RULE}") from None
    if not 8 <= net.prefixlen <= 28:
        raise fail(f"prefix /{net.prefixlen} is out of range; {POOL_RULE}")
    if not any(net.subnet_of(private) for private in PRIVATE_NETWORKS):
        raise fail(f"{net} is not a private network; {POOL_RULE}")
    return net


AddressPool = Annotated[
    ipaddress.IPv4Network,
    BeforeValidator(_address_pool),
    _text_only("an IPv4 network"),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9.]+/[0-9]{1,2}$"}),
]

NETVM_RULE = (
    "must be the name of a domain with provides_network: true, or 'none' (no network interface)"
)


def _netvm(value: Any) -> str | None:
    if value is None or value == "none":
        return None
    if isinstance(value, bool):
        raise fail(
            f"got the YAML boolean {str(value).lower()} (unquoted yes/no/on/off are booleans); "
            "write netvm: none for no network, or a domain name"
        )
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise fail(f"{NETVM_RULE} (got {describe(value)})")
    return value


NetVM = Annotated[
    str | None,
    BeforeValidator(_netvm),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": NAME_PATTERN},
                {"const": "none"},
                {"type": "null"},
            ]
        }
    ),
]


def describe(value: Any) -> str:
    """How a YAML value reads back to the admin, so type errors say what was actually written."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the YAML boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, float):
        return f"the decimal number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a value of type {type(value).__name__}"
