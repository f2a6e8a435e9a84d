"""The domain tokens of the qrexec v5 grammar (source, target and redirect positions).

A token is parsed once into a ``Token`` (kind + value). The literal ``dom0`` is the admin domain's
historical name and becomes ``@adminvm``, so that no rule can reach the admin domain by a name
that looks like an ordinary domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

DOMAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,30}")
TAG_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
DOMAIN_TYPES = frozenset({"AppVM", "TemplateVM", "DispVM", "StandaloneVM", "AdminVM"})
ADMIN_LITERAL = "dom0"


class Kind(Enum):
    STAR = "*"
    ANYVM = "@anyvm"
    ADMINVM = "@adminvm"
    DEFAULT = "@default"
    DISPVM = "@dispvm"
    DISPVM_TEMPLATE = "@dispvm:"
    DISPVM_TAG = "@dispvm:@tag:"
    TAG = "@tag:"
    TYPE = "@type:"
    NAME = ""


# Which kinds each position accepts. A redirect (target=, default_target=) must name exactly one
# destination; a pattern such as @anyvm or @tag:T there would be ambiguous.
SOURCE_KINDS = frozenset(
    {Kind.STAR, Kind.ANYVM, Kind.ADMINVM, Kind.DISPVM_TEMPLATE, Kind.DISPVM_TAG, Kind.TAG, Kind.TYPE,
     Kind.NAME}
)
TARGET_KINDS = frozenset(Kind)
REDIRECT_KINDS = frozenset({Kind.ADMINVM, Kind.DISPVM, Kind.DISPVM_TEMPLATE, Kind.NAME})


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: str = ""

    def __str__(self) -> str:
        return self.kind.value + self.value


# Longest prefix first: "@dispvm:@tag:" before "@dispvm:".
_PREFIXED = (
    (Kind.DISPVM_TAG, TAG_NAME, "tag"),
    (Kind.DISPVM_TEMPLATE, re.compile(r"(?!dom0\Z)" + DOMAIN_NAME.pattern), "disposable template name"),
    (Kind.TAG, TAG_NAME, "tag"),
)


def _parse_any(text: str) -> Token:
    """Parse a token without regard to position; raise ValueError saying what is wrong."""
    for kind in (Kind.STAR, Kind.ANYVM, Kind.ADMINVM, Kind.DEFAULT, Kind.DISPVM):
        if text == kind.value:
            return Token(kind)
    if text == ADMIN_LITERAL:
        return Token(Kind.ADMINVM)
    for kind, pattern, what in _PREFIXED:
        if text.startswith(kind.value):
            value = text[len(kind.value):]
            if pattern.fullmatch(value):
                return Token(kind, value)
            raise ValueError(f"invalid {what} in {text!r}")
    if text.startswith(Kind.TYPE.value):
        type_ = text[len(Kind.TYPE.value):]
        if type_ == "AdminVM":
            # The admin domain is reachable only through rules that say @adminvm.
            raise ValueError("@type:AdminVM would match nothing: write @adminvm")
        guest_types = sorted(DOMAIN_TYPES - {"AdminVM"})
        if type_ in guest_types:
            return Token(Kind.TYPE, type_)
        raise ValueError(f"unknown domain type in {text!r} (one of {', '.join(guest_types)})")
    if text.startswith("@"):
        raise ValueError(f"unknown token {text!r}")
    if DOMAIN_NAME.fullmatch(text):
        return Token(Kind.NAME, text)
    raise ValueError(f"invalid domain name {text!r}")


def parse_token(text: str, allowed: frozenset[Kind], position: str) -> Token:
    token = _parse_any(text)
    if token.kind not in allowed:
        raise ValueError(f"{text!r} is not allowed as {position}")
    return token
