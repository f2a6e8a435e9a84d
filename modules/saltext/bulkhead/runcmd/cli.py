"""``bulkhead run DOMAIN [--] COMMAND [ARG...]``: run a command in a domain through its agent
channel (the role of ``qvm-run``; works without any network in the domain).

Exit status: the command's own; 124 when it ran past ``--timeout`` (killed); 125 when bulkhead
failed (libvirt, the agent channel, starting the domain); 126 when the domain is unknown or not
running; 2 for a usage error. Several words after DOMAIN are one command line, each word quoted
for ``sh``; a single word is run as a shell command line as it is (``run work 'ls | wc -l'``).

Input: a pipe or file on stdin (at most 64 KiB) is the command's stdin; ``--no-pass-io`` gives
it none. On a terminal the guest's escape sequences, C1 controls and bidi characters are
written as visible escapes (``\\x1b``), as ``qvm-run`` filters them; newlines and tabs pass.
"""

from __future__ import annotations

import io
import os
import shlex
import stat
import sys
from pathlib import Path
from typing import Annotated, BinaryIO, TextIO

import typer

from ..agent import MAX_STDIN, AgentClient, AgentError, AgentTimeout
from ..model.pillar_json import DEFAULT_PILLAR_JSON, PillarJsonOption
from ..plan import names
from ..untrusted.text import printable
from .exits import FAILED, TIMEOUT, RunRefused
from .gui import GuiOption, gui_command
from .target import ensure_running, wait_for_agent
from .users import parse_user

BOOT_WAIT_S = 300  # a TCG guest may take minutes to boot; its agent answers once it serves
CONTEXT = {"allow_interspersed_args": False}  # `run work ip -4 addr`: -4 belongs to the command


def write_output(stream: TextIO, data: bytes, filtering: bool | None) -> None:
    """``data`` to ``stream``, filtered when asked to, or by default when it is a terminal."""
    if filtering is None:
        filtering = stream.isatty()
    if filtering:
        data = printable(data, keep="\n\t", backslash=False).encode("utf-8")
    out: BinaryIO = stream.buffer
    out.write(data)
    out.flush()


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"bulkhead: error: {message}", err=True)
    return typer.Exit(code)


def _piped() -> bool:
    """Is stdin a pipe or a file (``echo hello | bulkhead run work cat``), not a terminal or an
    inherited socket or device?"""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):  # closed, or not a real file
        return not sys.stdin.isatty()
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def _input(pass_io: bool | None) -> bytes | None:
    if pass_io is False or (pass_io is None and not _piped()):
        return None
    data = sys.stdin.buffer.read(MAX_STDIN + 1)
    if len(data) > MAX_STDIN:
        raise _fail(f"input over {MAX_STDIN // 1024} KiB: bulkhead run passes at most that",
                    FAILED)
    return data


def run_command(
    domain: Annotated[str, typer.Argument(metavar="DOMAIN", help="The domain to run in.")],
    command: Annotated[
        list[str],
        typer.Argument(
            metavar="[--] COMMAND [ARG...]", help="The command; one word is a shell command line."
        ),
    ],
    timeout: Annotated[
        int, typer.Option(min=1, max=3600, help="Seconds before the command is killed (exit 124).")
    ] = 30,
    user: Annotated[
        str,
        typer.Option(
            "--user",
            "-u",
            metavar="USER",
            help="root, user (uid 1000) or UID[:GID]; the image has no other names.",
        ),
    ] = "root",
    autostart: Annotated[
        bool,
        typer.Option(
            "--autostart", help="Start the domain first if it is halted (as an apply would)."
        ),
    ] = False,
    pass_io: Annotated[
        bool | None,
        typer.Option(
            "--pass-io/--no-pass-io",
            show_default=False,
            help="Give the command this stdin (default: when it is a pipe or a file; like ssh -n, "
            "--no-pass-io gives none).",
        ),
    ] = None,
    filter_escape_chars: Annotated[
        bool | None,
        typer.Option(
            "--filter-escape-chars/--no-filter-escape-chars",
            show_default=False,
            help="Write the guest's control characters and escape sequences as visible escapes "
            "(default: only when the output is a terminal).",
        ),
    ] = None,
    uri: Annotated[
        str | None,
        typer.Option(
            "--connect", metavar="URI", help="libvirt URI (default: the host's pillar's)."
        ),
    ] = None,
    pillar: PillarJsonOption = DEFAULT_PILLAR_JSON,  # for the URI and --autostart
    socket_path: Annotated[
        Path | None,
        typer.Option(
            "--socket",
            metavar="PATH",
            help=f"The agent socket to use (default: {names.AGENT_SOCKET_DIR}/DOMAIN.sock); "
            "without --connect, libvirt is not asked about DOMAIN.",
        ),
    ] = None,
    gui: GuiOption = False,
) -> None:
    """Run COMMAND in DOMAIN; prints its output and exits with its status."""
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise _fail("no command given (bulkhead run DOMAIN [--] COMMAND [ARG...])", 2)
    try:
        uid_gid = parse_user(user)
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    if gui:
        command = gui_command(command)
    line = command[0] if len(command) == 1 else shlex.join(command)
    socket = str(socket_path or names.agent_socket(domain))
    # --socket alone names the channel to use (a test's, a debugging session's): no libvirt asked
    checked = socket_path is None or uri is not None or autostart
    try:
        if checked and ensure_running(domain, uri, pillar, autostart):
            wait_for_agent(domain, socket, BOOT_WAIT_S)
    except RunRefused as exc:
        raise _fail(str(exc), exc.code) from None
    stdin = _input(pass_io)
    try:
        result = AgentClient(socket).run(line, timeout=timeout, stdin=stdin,
                                         uid=uid_gid and uid_gid[0], gid=uid_gid and uid_gid[1])
    except AgentTimeout as exc:
        raise _fail(f"{printable(domain)}: the agent did not answer: {exc}", FAILED) from None
    except (AgentError, ValueError) as exc:
        raise _fail(f"{printable(domain)}: {exc}", FAILED) from None
    write_output(sys.stdout, result.stdout, filter_escape_chars)
    write_output(sys.stderr, result.stderr, filter_escape_chars)
    if result.truncated:
        typer.echo("bulkhead: output truncated at 16 KiB", err=True)
    if result.expired:
        raise _fail(f"timeout: the command ran over {timeout} s in {printable(domain)} and was "
                    "killed", TIMEOUT)
    raise typer.Exit(result.rc)
