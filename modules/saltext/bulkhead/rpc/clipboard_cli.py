"""``bulkhead clipboard copy FROM`` / ``paste TO``: copy text between domains' clipboards, as an
explicit user action checked by RPC policy (the Qubes ClipboardPaste model).

``copy`` asks FROM's Wayland filter (its root-only control socket) for FROM's current selection
as text/plain;charset=utf-8, at most 64 KiB, and keeps it in the host's buffer. ``paste`` asks the
policy whether ``qubes.ClipboardPaste`` from the buffer's source to TO is allowed (deny by
default; ``ask`` is refused: this command has no prompt), then makes the text TO's selection
through TO's filter and empties the buffer. The text is never printed or logged.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from ..cli_style import command_group
from ..gui import clipboard_buffer as buffer
from ..gui.names import SESSION_DIR, control_socket
from ..gui.wayland_filter import control_wire as wire
from ..model.pillar_json import DEFAULT_PILLAR_JSON, PillarJsonOption
from ..policy.decision import Decision, deny
from ..policy.errors import PolicySyntaxError, SystemInfoError
from ..policy.policy import DEFAULT_POLICY_DIR, Policy, evaluate
from ..policy.request import Request
from ..policy.rules import Verdict
from ..policy.system import DOMAIN_NAME, System
from ..untrusted.text import printable
from .host_system import host_system

SERVICE = "qubes.ClipboardPaste"
REPLY_SECONDS = 15.0  # the filter gives the domain's client 5 s to write its selection

clipboard_app = command_group("Copy text between domains, checked by policy "
                              "(qubes.ClipboardPaste).")
SessionDir = Annotated[Path, typer.Option("--session-dir",
                                          help="The GUI domains' session folders.")]
BufferFile = Annotated[Path, typer.Option("--buffer", help="The host's clipboard buffer file.")]


def ask_filter(domain: str, request: bytes, sessions: Path) -> bytes:
    """Send one control request to the domain's filter; the payload of its ``ok``."""
    if not DOMAIN_NAME.fullmatch(domain):  # it names a folder
        fail(f"{domain!r} is not a domain name")
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
        fail(f"cannot reach {domain}'s GUI filter at {path}: {exc.strerror or exc}")
    except wire.ControlError as exc:
        fail(f"{domain}'s GUI filter answered out of protocol: {exc}")
    done, payload = reply
    if not done:
        fail(f"{domain}'s GUI filter refused: {payload.decode()}")
    return payload


def fail(message: str) -> None:
    typer.echo(f"bulkhead: {printable(message)}", err=True)
    raise typer.Exit(1)


@clipboard_app.command()
def copy(domain: Annotated[str, typer.Argument(help="The domain to copy from.")],
         session_dir: SessionDir = SESSION_DIR,
         buffer_file: BufferFile = buffer.DEFAULT_BUFFER) -> None:
    """Fetch DOMAIN's current selection (text) into the host's clipboard buffer."""
    text = ask_filter(domain, b"copy\n", session_dir)
    buffer.store(buffer_file, domain, text)
    typer.echo(f"copied {len(text)} bytes from {printable(domain)} (not shown); "
               "`bulkhead clipboard paste TARGET` to paste them")


def decide(source: str, target: str, policy_dir: Path, system: System) -> Decision:
    """The policy's word on pasting from ``source`` into ``target`` (fails closed)."""
    try:
        policy = Policy.load(policy_dir)
    except PolicySyntaxError as exc:
        return deny(f"the policy does not parse ({len(exc.issues)} errors)")
    except OSError as exc:
        return deny(f"no policy at {policy_dir} ({exc.strerror}): default deny")
    return evaluate(policy, Request.from_call(SERVICE, source, target), system)


@clipboard_app.command()
def paste(domain: Annotated[str, typer.Argument(help="The domain to paste into.")],
          policy_dir: Annotated[Path, typer.Option("--policy-dir")] = Path(DEFAULT_POLICY_DIR),
          system_file: Annotated[Path | None, typer.Option(
              "--system", metavar="FILE", help="SYSTEM.json (default: this host's).")] = None,
          pillar: PillarJsonOption = DEFAULT_PILLAR_JSON,
          session_dir: SessionDir = SESSION_DIR,
          buffer_file: BufferFile = buffer.DEFAULT_BUFFER) -> None:
    """Paste the host's clipboard buffer into DOMAIN if policy allows; then empty the buffer."""
    try:
        source, text = buffer.load(buffer_file)
        system = host_system(pillar) if system_file is None else System.from_file(system_file)
    except (buffer.BufferError, SystemInfoError) as exc:
        fail(str(exc))
    decision = decide(source, domain, policy_dir, system)
    if decision.verdict is not Verdict.ALLOW or decision.target != domain:
        why = "asks (this command has no prompt)" if decision.verdict is Verdict.ASK else (
            decision.explain())
        fail(f"{SERVICE} from {source} to {domain} refused by policy: {why}")
    ask_filter(domain, wire.paste(text), session_dir)
    buffer.clear(buffer_file)
    typer.echo(f"pasted {len(text)} bytes from {printable(source)} into {printable(domain)}; "
               "the host's buffer is empty")
