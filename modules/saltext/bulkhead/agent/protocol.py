"""The guest agent's wire format, host side: what a request may hold and what an answer must be.

One JSON object per line each way. The guest is untrusted: an answer line is bounded in size and
nesting (``untrusted.json_value``), anything but a JSON object is noise, and fields the host
relies on (base64 output, a sha256) are checked here before anyone uses them.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from ..untrusted.json_value import JSONLimitError, JSONValueError
from ..untrusted.json_value import loads as load_json

MAX_LINE = 64 * 1024
MAX_REQUEST = 131_072  # the guest refuses longer request lines
MAX_VALUE = 120_000
MAX_STDIN = 64 * 1024  # input for a command travels in its one request line, base64-encoded
_KEY = re.compile(r"[a-z_]{1,32}")
MAX_ID = 10**15 - 1  # the guest parser accepts at most 15 digits


class AgentError(Exception):
    """The agent could not be asked, or did not answer usefully."""


class AgentTimeout(AgentError):
    """No valid answer to our request arrived before the deadline."""


class AgentProtocolError(AgentError):
    """The guest sent something that breaks the protocol (e.g. an over-long line)."""


class AgentRequestFailed(AgentError):
    """The agent answered ``ok: false``; ``response`` holds its answer."""

    def __init__(self, message: str, response: dict[str, Any]):
        super().__init__(message)
        self.response = response


def check_request(op: str, args: dict[str, Any]) -> None:
    """Refuse requests the guest parser would reject, with a clear error on the host instead."""
    if not _KEY.fullmatch(op):
        raise ValueError(f"agent op {op!r}: use 1-32 lowercase letters or '_'")
    for key, value in args.items():
        if not _KEY.fullmatch(key) or key in ("id", "op"):
            raise ValueError(f"agent argument name {key!r} is not allowed")
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError(f"agent argument {key}: only integers and strings are supported")
        if isinstance(value, str) and (len(value) > MAX_VALUE or any(
                c in '"\\' or ord(c) < 0x20 or ord(c) > 0x7E for c in value)):
            raise ValueError(f"agent argument {key}: printable ASCII without quotes or "
                             f"backslashes, at most {MAX_VALUE} characters")
        if isinstance(value, int) and abs(value) > MAX_ID:
            raise ValueError(f"agent argument {key}: integer out of range")


@dataclass(frozen=True)
class RunResult:
    """What a command run in the guest left: exit status and (capped) output."""

    rc: int
    stdout: bytes
    stderr: bytes
    truncated: bool
    expired: bool = False  # killed at its time limit (rc 137), not by a signal of its own

    @property
    def ok(self) -> bool:
        return self.rc == 0


def b64_field(answer: dict[str, Any], key: str) -> bytes:
    value = answer.get(key)
    if not isinstance(value, str):
        raise AgentProtocolError(f"answer field {key!r} is not a string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise AgentProtocolError(f"answer field {key!r} is not base64") from exc


def sha256_field(answer: dict[str, Any]) -> str:
    value = answer.get("sha256")
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise AgentProtocolError("answer without a valid sha256")
    return value


def parse_answer(raw: bytes) -> dict[str, Any] | None:
    """The answer on one line; None for noise. JSONLimitError for a line over the bounds."""
    try:
        value = load_json(raw.strip(), max_bytes=MAX_LINE)
    except JSONLimitError:
        raise
    except JSONValueError:
        return None
    return value if isinstance(value, dict) else None
