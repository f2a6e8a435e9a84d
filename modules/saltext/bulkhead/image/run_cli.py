"""``bulkhead run DOMAIN COMMAND``: run a shell command as root in a running domain, through its
agent channel (the role of ``qvm-run``; works without any network in the domain)."""

from __future__ import annotations

import sys

import typer

from ..plan import names
from .agent_client import AgentClient, AgentError


def run_command(
    domain: str = typer.Argument(..., help="The domain (running, with the bulkhead agent)."),
    command: str = typer.Argument(..., help="Shell command, run with sh -c as root in the domain."),
    timeout: int = typer.Option(30, min=1, max=3600, help="Seconds before the command is killed."),
) -> None:
    """Run COMMAND in DOMAIN; prints its output and exits with its status."""
    try:
        result = AgentClient(names.agent_socket(domain)).run(command, timeout=timeout)
    except (AgentError, ValueError) as exc:
        typer.echo(f"bulkhead run {domain}: {exc}", err=True)
        raise typer.Exit(2) from exc
    sys.stdout.buffer.write(result.stdout)
    sys.stderr.buffer.write(result.stderr)
    if result.truncated:
        typer.echo("bulkhead run: output truncated at 16 KiB", err=True)
    raise typer.Exit(result.rc)
