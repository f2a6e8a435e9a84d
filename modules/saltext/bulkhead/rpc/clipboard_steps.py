"""The two steps of copying text between domains (the Qubes ClipboardPaste model), for the
``bulkhead clipboard`` commands and the broker's key bindings (clipboard_keys.py) alike.

``copy_from`` asks the domain's Wayland filter (its root-only control socket) for its current
selection as text, at most 64 KiB, and keeps it in the host's buffer. ``paste_into`` asks the
policy about ``qubes.ClipboardPaste`` from the buffer's source to the target: ``allow`` naming
the target pastes; ``ask`` pastes only if the prompt given (the broker's: the user through
``bulkhead ask``) picks the target, and without a prompt it is refused; ``deny``, no rule, a
policy that does not parse: refused. The buffer is emptied after a paste, kept after a refusal.
The text is never logged or printed: callers get byte counts.
"""

from __future__ import annotations

import socket
from pathlib import Path

from ..gui import clipboard_buffer as buffer
from ..gui.names import control_socket
from ..gui.wayland_filter import control_wire as wire
from ..policy.decision import Decision, deny
from ..policy.errors import PolicySyntaxError
from ..policy.policy import Policy, evaluate
from ..policy.request import Request
from ..policy.rules import Verdict
from ..policy.system import DOMAIN_NAME, System
from .prompt import Prompt

SERVICE = "qubes.ClipboardPaste"
REPLY_SECONDS = 15.0  # the filter gives the domain's client 5 s to write its selection


class ClipboardError(Exception):
    """A step refused or failed: the message says why (no text in it)."""


def ask_filter(domain: str, request: bytes, sessions: Path) -> bytes:
    """Send one control request to the domain's filter; the payload of its ``ok``."""
    if not DOMAIN_NAME.fullmatch(domain):  # it names a folder
        raise ClipboardError(f"{domain!r} is not a domain name")
    path = control_socket(domain, sessions)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(REPLY_SECONDS)
            conn.connect(str(path))
            conn.sendall(request)
            data = b""
            while (reply := wire.parse_reply(data)) is None:
                chunk = conn.recv(wire.MAX_TEXT + wire.MAX_HEADER)
                if not chunk:
                    raise wire.ControlError("the filter closed the connection")
                data += chunk
    except OSError as exc:
        raise ClipboardError(f"cannot reach {domain}'s GUI filter at {path}: "
                             f"{exc.strerror or exc}") from None
    except wire.ControlError as exc:
        raise ClipboardError(f"{domain}'s GUI filter answered out of protocol: {exc}") from None
    done, payload = reply
    if not done:
        raise ClipboardError(f"{domain}'s GUI filter refused: {payload.decode()}")
    return payload


def copy_from(domain: str, sessions: Path, buffer_file: Path) -> int:
    """``domain``'s selection into the host's buffer; its size in bytes."""
    text = ask_filter(domain, b"copy\n", sessions)
    buffer.store(buffer_file, domain, text)
    return len(text)


def decide(source: str, target: str, policy_dir: Path, system: System) -> Decision:
    """The policy's word on pasting from ``source`` into ``target`` (fails closed)."""
    try:
        policy = Policy.load(policy_dir)
    except PolicySyntaxError as exc:
        return deny(f"the policy does not parse ({len(exc.issues)} errors)")
    except OSError as exc:
        return deny(f"no policy at {policy_dir} ({exc.strerror}): default deny")
    return evaluate(policy, Request.from_call(SERVICE, source, target), system)


def allowed(decision: Decision, source: str, target: str, prompt: Prompt | None) -> str | None:
    """None if the paste may go on; else why not. ``ask`` goes to ``prompt`` with ``target`` as
    the only candidate (the user confirms this paste or refuses it)."""
    if decision.verdict is Verdict.ALLOW:
        return None if decision.target == target else decision.explain()
    if decision.verdict is not Verdict.ASK:
        return decision.explain()
    if target not in decision.targets:
        return f"the policy asks about {', '.join(decision.targets) or 'no domain'}, not {target}"
    if prompt is None:
        return "the policy says ask, and this command has no prompt (paste with the key " \
               "binding: the broker asks through `bulkhead ask`)"
    chosen = prompt.choose(source, SERVICE, (target,), target)
    return None if chosen == target else "the user refused (or did not answer in time)"


def paste_into(target: str, sessions: Path, buffer_file: Path, policy_dir: Path,
               system: System, prompt: Prompt | None = None) -> tuple[str, int]:
    """The host's buffer made ``target``'s selection if policy allows; (source, bytes)."""
    try:
        source, text = buffer.load(buffer_file)
    except buffer.BufferError as exc:
        raise ClipboardError(str(exc)) from None
    why = allowed(decide(source, target, policy_dir, system), source, target, prompt)
    if why is not None:
        raise ClipboardError(f"{SERVICE} from {source} to {target} refused by policy: {why}")
    ask_filter(target, wire.paste(text), sessions)
    buffer.clear(buffer_file)
    return source, len(text)
