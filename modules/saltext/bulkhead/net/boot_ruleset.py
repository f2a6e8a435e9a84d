"""The layout of a netvm's firewall volume: the ruleset it loads at boot, before the host is asked.

A netvm restarted outside Salt (``virsh start``, autostart at host boot) must not wait for the
next apply to forward again, and must never forward unfiltered. So the firewall state also writes
the ruleset it delivers live into a small read-only volume the guest's init reads at boot:

    block 0 (512 bytes): "bulkhead-firewall 1 LENGTH SHA256\\n", zero-padded
    then LENGTH bytes of ruleset text, then zeros up to the volume's end

The guest loads the text only if its sha256 matches the header; anything else (a blank volume, a
write interrupted half-way, garbage) leaves it on its boot firewall, which forwards nothing. Expiry
needs no rewrite: the compiler turns ``expire`` into an in-kernel ``meta time`` match.
"""

from __future__ import annotations

import hashlib
import re

HEADER_BYTES = 512
VOLUME_BYTES = 1024 * 1024
MAX_RULESET_BYTES = VOLUME_BYTES - HEADER_BYTES
_HEADER = re.compile(rb"bulkhead-firewall 1 (0|[1-9][0-9]{0,6}) ([0-9a-f]{64})\n\x00*")


class BootRulesetError(ValueError):
    """The ruleset does not fit in a firewall volume."""


def encode(text: str) -> bytes:
    """The whole volume's content for ``text`` (header, text, zeros to ``VOLUME_BYTES``)."""
    body = text.encode()
    if len(body) > MAX_RULESET_BYTES:
        raise BootRulesetError(f"ruleset of {len(body)} bytes does not fit a firewall volume "
                               f"({MAX_RULESET_BYTES} bytes)")
    header = f"bulkhead-firewall 1 {len(body)} {hashlib.sha256(body).hexdigest()}\n".encode()
    return header.ljust(HEADER_BYTES, b"\x00") + body.ljust(MAX_RULESET_BYTES, b"\x00")


def decode(content: bytes) -> str | None:
    """The sha256 of the ruleset ``content`` holds, or None unless it is whole and intact."""
    match = _HEADER.fullmatch(content[:HEADER_BYTES])
    if match is None:
        return None
    length, sha = int(match.group(1)), match.group(2).decode()
    body = content[HEADER_BYTES:HEADER_BYTES + length]
    if length > MAX_RULESET_BYTES or len(body) != length or hashlib.sha256(body).hexdigest() != sha:
        return None
    return sha
