"""The domain tokens of the qrexec v5 grammar (source, target, redirect and request positions).

Accepted exactly as the reference accepts them: a word that starts with neither ``@`` nor ``*``
is a domain name (``uuid:UUID`` included: it names the domain with that uuid); ``dom0`` is the
admin domain's alias and becomes ``@adminvm``; a prefixed token (``@tag:``, ``@type:``,
``@dispvm:``, ``@dispvm:@tag:``) needs a value that does not start with ``@``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

ADMIN_LITERAL = "dom0"
UUID_PREFIX = "uuid:"


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


# Which kinds each position accepts (the reference's Source, Target, Redirect, IntendedTarget).
SOURCE_KINDS = frozenset(
    {
        Kind.STAR,
        Kind.ANYVM,
        Kind.ADMINVM,
        Kind.DISPVM_TEMPLATE,
        Kind.DISPVM_TAG,
        Kind.TAG,
        Kind.TYPE,
        Kind.NAME,
    }
)
TARGET_KINDS = frozenset(Kind)
REDIRECT_KINDS = frozenset({Kind.ADMINVM, Kind.DISPVM, Kind.DISPVM_TEMPLATE, Kind.NAME})
INTENDED_KINDS = frozenset(
    {Kind.ADMINVM, Kind.DEFAULT, Kind.DISPVM, Kind.DISPVM_TEMPLATE, Kind.NAME}
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: str = ""

    def __str__(self) -> str:
        return self.kind.value + self.value


_EXACT = {
    kind.value: kind for kind in (Kind.STAR, Kind.ANYVM, Kind.ADMINVM, Kind.DEFAULT, Kind.DISPVM)
}
# Longest prefix first: "@dispvm:@tag:" before "@dispvm:".
_PREFIXES = (Kind.DISPVM_TAG, Kind.DISPVM_TEMPLATE, Kind.TAG, Kind.TYPE)


def _parse_any(text: str) -> Token:
    """Parse a token without regard to position; raise ValueError saying what is wrong."""
    if not text:
        raise ValueError("empty domain token")
    if text == ADMIN_LITERAL:
        return Token(Kind.ADMINVM)
    if text in _EXACT:
        return Token(_EXACT[text])
    if not text.startswith("@"):
        return Token(Kind.NAME, text)
    for kind in _PREFIXES:
        if text.startswith(kind.value):
            value = text[len(kind.value) :]
            if not value:
                raise ValueError(f"empty value in {text!r}")
            if not value.startswith("@"):
                return Token(kind, value)
    raise ValueError(f"unknown token {text!r}")


def parse_token(text: str, allowed: frozenset[Kind], position: str) -> Token:
    token = _parse_any(text)
    if token.kind not in allowed:
        raise ValueError(f"{text!r} is not allowed as {position}")
    return token
