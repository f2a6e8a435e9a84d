"""The JSON payloads of the control frames, parsed strictly.

A payload is one JSON object with exactly the keys its kind defines, every value of the expected
type and shape; anything else is a ``MessageError`` and the request it carried is denied. Names
follow the policy engine's rules (services, ``+ARG`` arguments, domain names), so nothing the
broker logs or passes on can smuggle spaces, newlines or path separators.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..untrusted.json_value import loads as load_json
from .frames import MAX_CONTROL, Kind, encode

SERVICE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
ARGUMENT = re.compile(r"\+[A-Za-z0-9_.+-]{0,64}")
DOMAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,30}")
# What a caller may name as target: a domain, the admin domain, the default, a disposable.
TARGET = re.compile(r"|@default|@adminvm|@dispvm|@dispvm:[A-Za-z][A-Za-z0-9_.-]{0,30}|"
                    r"[A-Za-z][A-Za-z0-9_.-]{0,30}")
PROTOCOL_VERSION = 1
CALL_FIELDS = (("service", SERVICE), ("argument", ARGUMENT), ("target", TARGET))
EXEC_FIELDS = (("service", SERVICE), ("argument", ARGUMENT), ("source", DOMAIN))


class MessageError(ValueError):
    """A control payload that is not exactly what its kind defines."""


def _object(payload: bytes, keys: tuple[str, ...]) -> dict[str, Any]:
    try:
        value = load_json(payload, max_bytes=MAX_CONTROL)  # bounded depth: never RecursionError
    except ValueError as exc:
        raise MessageError(f"payload is not UTF-8 JSON: {exc}") from None
    if not isinstance(value, dict) or set(value) != set(keys):
        raise MessageError(f"expected an object with exactly the keys {', '.join(keys)}")
    return value


def _text(value: Any, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise MessageError(f"invalid {what} {value!r}"[:200])
    return value


def _fields(payload: bytes, spec: tuple[tuple[str, re.Pattern[str]], ...]) -> list[str]:
    """The values of exactly the keys in ``spec``, in its order, each matching its pattern."""
    raw = _object(payload, tuple(key for key, _ in spec))
    return [_text(raw[key], pattern, key) for key, pattern in spec]


def _dump(kind: Kind, value: dict[str, Any]) -> bytes:
    return encode(kind, json.dumps(value, separators=(",", ":"), sort_keys=True).encode())


@dataclass(frozen=True, slots=True)
class CallRequest:
    """What a caller asks for. It names no source: the broker knows which channel it came from."""

    service: str
    argument: str
    target: str

    @classmethod
    def parse(cls, payload: bytes) -> CallRequest:
        return cls(*_fields(payload, CALL_FIELDS))

    @classmethod
    def from_call(cls, call: str, target: str) -> CallRequest:
        """``SERVICE+ARG`` as the command line takes it; no '+' means the empty argument."""
        service, _, argument = call.partition("+")
        request = cls(service, "+" + argument, target)
        request.encode()  # validates
        return request

    def encode(self) -> bytes:
        for (key, pattern), value in zip(
            CALL_FIELDS, (self.service, self.argument, self.target), strict=True
        ):
            _text(value, pattern, key)
        return _dump(
            Kind.CALL, {"service": self.service, "argument": self.argument, "target": self.target}
        )

    @property
    def call(self) -> str:
        return self.service + self.argument


@dataclass(frozen=True, slots=True)
class ExecRequest:
    """The broker tells a target to run a service for a source it vouches for."""

    service: str
    argument: str
    source: str

    @classmethod
    def parse(cls, payload: bytes) -> ExecRequest:
        return cls(*_fields(payload, EXEC_FIELDS))

    def encode(self) -> bytes:
        return _dump(
            Kind.EXEC, {"service": self.service, "argument": self.argument, "source": self.source}
        )


def encode_result(target: str | None) -> bytes:
    """RESULT: allowed towards ``target``, or denied (None)."""
    if target is None:
        return _dump(Kind.RESULT, {"decision": "deny"})
    return _dump(Kind.RESULT, {"decision": "allow", "target": target})


def parse_result(payload: bytes) -> str | None:
    """The target an allowed call goes to; None when it was denied."""
    try:
        raw = _object(payload, ("decision",))
    except MessageError:
        raw = _object(payload, ("decision", "target"))
        if raw["decision"] != "allow":
            raise MessageError("a result with a target must be an allow") from None
        return _text(raw["target"], DOMAIN, "target")
    if raw["decision"] != "deny":
        raise MessageError("a result without a target must be a deny")
    return None


def encode_exit(rc: int) -> bytes:
    return _dump(Kind.EXIT, {"rc": rc})


def parse_exit(payload: bytes) -> int:
    rc = _object(payload, ("rc",))["rc"]
    if type(rc) is not int or not 0 <= rc <= 255:
        raise MessageError(f"exit status must be 0..255, got {rc!r}"[:200])
    return rc


def encode_hello() -> bytes:
    return _dump(Kind.HELLO, {"version": PROTOCOL_VERSION})


def parse_hello(payload: bytes) -> int:
    version = _object(payload, ("version",))["version"]
    if version != PROTOCOL_VERSION or type(version) is not int:
        raise MessageError(f"unsupported protocol version {version!r}"[:200])
    return version
