"""The clipboard control protocol between ``bulkhead clipboard`` (root) and a domain's filter.

Requests: ``copy\\n`` (fetch the domain's selection as text) and ``paste N\\n`` followed by N
bytes (make them the domain's selection). Replies: ``ok N\\n`` followed by N bytes (the text for
a copy, nothing for a paste) or ``error REASON\\n``. N is decimal without a leading zero, at
most ``MAX_TEXT``; the text is UTF-8 (the only type fetched is text/plain;charset=utf-8); a
reason is printable ASCII. Anything else is a ``ControlError``: the side reading it gives up.
"""

from __future__ import annotations

import re

MAX_TEXT = 64 << 10  # Qubes bounds its clipboard buffer the same way
MAX_HEADER = 128
_SIZED = re.compile(rb"(paste|ok) (0|[1-9][0-9]{0,5})\n")
_ERROR = re.compile(rb"error ([ -~]{1,120})\n")


class ControlError(ValueError):
    """A control message that breaks the protocol."""


def paste(text: bytes) -> bytes:
    return b"paste %d\n" % len(text) + text


def ok(payload: bytes = b"") -> bytes:
    return b"ok %d\n" % len(payload) + payload


def error(reason: str) -> bytes:
    clean = "".join(c if " " <= c <= "~" else "?" for c in reason)[:120] or "?"
    return b"error " + clean.encode() + b"\n"


def _text(data: bytes, size: int) -> bytes:
    if size > MAX_TEXT:
        raise ControlError(f"text of {size} bytes, over the bound of {MAX_TEXT}")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise ControlError("text is not UTF-8") from None
    return data


def _sized(data: bytes, verb: bytes) -> bytes | None:
    """The payload of ``VERB N\\n`` + N bytes, None while incomplete."""
    line_end = data.find(b"\n")
    if line_end < 0:
        if len(data) > MAX_HEADER:
            raise ControlError("header line too long")
        return None
    match = _SIZED.fullmatch(data[:line_end + 1])
    if match is None or match[1] != verb:
        raise ControlError("malformed header line")
    size = int(match[2])
    _text(b"", size)
    payload = data[line_end + 1:]
    if len(payload) > size:
        raise ControlError("bytes after the message")
    return _text(payload, size) if len(payload) == size else None


def parse_request(data: bytes) -> tuple[str, bytes] | None:
    """``("copy", b"")`` or ``("paste", text)``; None while ``data`` is an incomplete request."""
    if data == b"copy\n":
        return "copy", b""
    if b"copy\n".startswith(data):
        return None
    text = _sized(data, b"paste")
    return None if text is None else ("paste", text)


def parse_reply(data: bytes) -> tuple[bool, bytes] | None:
    """``(True, payload)`` or ``(False, reason)``; None while ``data`` is incomplete."""
    if data.startswith(b"error"):
        if b"\n" not in data:
            if len(data) > MAX_HEADER:
                raise ControlError("error line too long")
            return None
        match = _ERROR.fullmatch(data)
        if match is None:
            raise ControlError("malformed error line")
        return False, match[1]
    if b"ok".startswith(data) or b"error".startswith(data):
        return None
    payload = _sized(data, b"ok")
    return None if payload is None else (True, payload)
