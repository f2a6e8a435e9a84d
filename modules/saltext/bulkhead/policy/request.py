"""Requests (a call of SERVICE+ARG from SOURCE to TARGET) and their normal form for a system.

As in the reference, a source or target that names no domain is not an error: an unknown
target means ``@default``, an unknown source still matches ``@anyvm`` and ``*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .errors import RequestError
from .rules import RPCNAME_CHARS
from .system import ADMINVM, System
from .tokens import INTENDED_KINDS, Kind, parse_token

DEFAULT = "@default"
DISPVM = "@dispvm"
DISPVM_PREFIX = "@dispvm:"


@dataclass(frozen=True, slots=True)
class Request:
    service: str
    argument: str  # "+ARG"; "+" is the empty argument
    source: str
    target: (
        str  # a domain name or uuid:UUID, "@default", "@dispvm", "@dispvm:X", "@adminvm", "dom0"
    )

    def __post_init__(self) -> None:
        if not self.service or not set(self.service) <= RPCNAME_CHARS - {"+"}:
            raise RequestError(f"invalid service name {self.service!r}")
        if not self.argument.startswith("+"):
            raise RequestError(f"invalid argument {self.argument!r} (must start with '+')")
        refused = dict.fromkeys(c for c in self.argument[1:] if c not in RPCNAME_CHARS)
        if refused:  # qrexec's names: letters, digits and . _ - + only; say which ones broke it
            shown = " ".join(repr(c) for c in refused)
            raise RequestError(f"invalid argument {self.argument!r}: {shown} not allowed "
                               "(letters, digits, '.', '_', '-', '+' only)")

    @classmethod
    def from_call(cls, call: str, source: str, target: str) -> Request:
        """``SERVICE+ARG`` as qrexec writes it; no '+' means the empty argument."""
        service, _, argument = call.partition("+")
        return cls(service, "+" + argument, source, target)

    @classmethod
    def from_json(cls, data: Any) -> Request:
        keys = ("service", "argument", "source", "target")
        if not isinstance(data, dict) or set(data) != set(keys):
            raise RequestError(f"a request is an object with exactly the keys {', '.join(keys)}")
        if not all(isinstance(data[k], str) for k in keys):
            raise RequestError("request values must be strings")
        return cls(*(data[k] for k in keys))


class Call(NamedTuple):
    """A request in the engine's terms. ``source``: the domain's name (``uuid:`` resolved), or the
    text as given when it names no domain. ``target``: a domain name, ``@adminvm``, ``@default``,
    ``@dispvm`` or ``@dispvm:NAME``. ``written``: the target as the caller wrote it, which is what
    an allow without redirect reports (as the reference does)."""

    service: str
    argument: str
    source: str
    target: str
    written: str


def normalize(request: Request, system: System) -> Call:
    """Raise RequestError (the caller denies) for a target the reference refuses."""
    memo_key = ("request-target", request.target)
    found = system.memo.get(memo_key)
    if found is None:
        try:
            found = _target(request.target, system)
        except RequestError as exc:
            found = exc
        system.memo[memo_key] = found
    if isinstance(found, RequestError):
        raise found
    target, written = found  # type: ignore[misc]
    return Call(request.service, request.argument, system.name_of(request.source), target, written)


def _target(text: str, system: System) -> tuple[str, str]:
    if text == "":
        return DEFAULT, DEFAULT
    try:
        token = parse_token(text, INTENDED_KINDS, "a request's target")
    except ValueError as exc:
        raise RequestError(f"invalid target: {exc}") from None
    if token.kind is Kind.NAME:
        info = system.info(text)
        if info is None:
            return DEFAULT, DEFAULT  # the reference's choice: an unknown name means @default
        if info.name == system.admin_name:
            return ADMINVM, ADMINVM
        return info.name, text
    if token.kind is Kind.DISPVM_TEMPLATE:
        info = system.info(token.value)
        if info is None or not info.template_for_dispvms:
            raise RequestError(f"{text!r}: not a template for disposables")
        return DISPVM_PREFIX + info.name, text
    return str(token), str(token)


__all__ = ["ADMINVM", "Call", "Request", "normalize"]
