"""Requests (a call of SERVICE+ARG from SOURCE to TARGET) and their normal form for a system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .errors import RequestError
from .rules import ARGUMENT, SERVICE_NAME
from .system import ADMINVM, System

DEFAULT = "@default"
DISPVM = "@dispvm"
DISPVM_PREFIX = "@dispvm:"


@dataclass(frozen=True, slots=True)
class Request:
    service: str
    argument: str  # "+ARG"; "+" is the empty argument
    source: str
    target: str  # a domain name, "@default", "@dispvm", "@dispvm:X", "@adminvm" or "dom0"

    def __post_init__(self) -> None:
        if not SERVICE_NAME.fullmatch(self.service):
            raise RequestError(f"invalid service name {self.service!r}")
        if not ARGUMENT.fullmatch(self.argument):
            raise RequestError(f"invalid argument {self.argument!r} (must start with '+')")

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
    """A request in the engine's terms: the admin domain is ``@adminvm``, the target is one of a
    guest name, ``@adminvm``, ``@default``, ``@dispvm`` or ``@dispvm:X`` (X a disposable template)."""

    service: str
    argument: str
    source: str
    target: str


def normalize(request: Request, system: System) -> Call:
    """Raise RequestError (the caller denies) for a source or target that does not exist."""
    source = system.canonical(request.source)
    if source is None:
        raise RequestError(f"unknown source domain {request.source!r}")
    return Call(request.service, request.argument, source, _target(request.target, system))


def _target(target: str, system: System) -> str:
    if target in ("", DEFAULT):
        return DEFAULT
    if target == DISPVM:
        return DISPVM
    if target.startswith(DISPVM_PREFIX):
        if not system.is_dispvm_template(target[len(DISPVM_PREFIX):]):
            raise RequestError(f"{target!r}: not a template for disposables")
        return target
    canonical = system.canonical(target)
    if canonical is None:
        raise RequestError(f"unknown target domain {target!r}")
    return canonical


__all__ = ["ADMINVM", "Call", "Request", "normalize"]
