"""``bulkhead run DOMAIN COMMAND``: run a shell command as root in a running domain, through its
agent channel (the role of ``qvm-run``; works without any network in the domain).

The command's output is the guest's: on a terminal its escape sequences, C1 controls and bidi
characters are written as visible escapes (``\\x1b``), as ``qvm-run`` filters them; newlines and
tabs pass. ``--filter-escape-chars`` filters when writing to a pipe or file too,
``--no-filter-escape-chars`` never does.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO, TextIO

import typer

from ..agent import AgentClient, AgentError
from ..plan import names
from ..untrusted.text import printable


def write_output(stream: TextIO, data: bytes, filtering: bool | None) -> None:
    """``data`` to ``stream``, filtered when asked to, or by default when it is a terminal."""
    if filtering is None:
        filtering = stream.isatty()
    if filtering:
        data = printable(data, keep="\n\t", backslash=False).encode("utf-8")
    out: BinaryIO = stream.buffer
    out.write(data)
    out.flush()


def run_command(
    domain: str = typer.Argument(..., help="The domain (running, with the bulkhead agent)."),
    command: str = typer.Argument(..., help="Shell command, run with sh -c as root in the domain."),
    timeout: int = typer.Option(30, min=1, max=3600, help="Seconds before the command is killed."),
    filter_escape_chars: bool | None = typer.Option(
        None, "--filter-escape-chars/--no-filter-escape-chars", show_default=False,
        help="Write the guest's control characters and escape sequences as visible escapes "
             "(default: only when the output is a terminal)."),
    socket_path: Path | None = typer.Option(
        None, "--socket", help="The domain's agent socket (default: "
                               f"{names.AGENT_SOCKET_DIR}/DOMAIN.sock)."),
) -> None:
    """Run COMMAND in DOMAIN; prints its output and exits with its status."""
    socket = socket_path or names.agent_socket(domain)
    try:
        result = AgentClient(socket).run(command, timeout=timeout)
    except (AgentError, ValueError) as exc:
        typer.echo(f"bulkhead run {printable(domain)}: {exc}", err=True)
        raise typer.Exit(2) from exc
    write_output(sys.stdout, result.stdout, filter_escape_chars)
    write_output(sys.stderr, result.stderr, filter_escape_chars)
    if result.truncated:
        typer.echo("bulkhead run: output truncated at 16 KiB", err=True)
    raise typer.Exit(result.rc)
