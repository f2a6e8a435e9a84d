"""The one style of every ``bulkhead`` command: ``-h`` beside ``--help``, and one error format
(``bulkhead: error: ...`` on stderr). Every typer app and command uses ``CONTEXT``; every
command reports an error it knows through ``fail``."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

CONTEXT = {"help_option_names": ["-h", "--help"]}
USAGE_ERROR = 2  # as click's own usage errors: the command could not do what was asked


def error(message: str) -> None:
    """Print ``bulkhead: error: MESSAGE`` on stderr."""
    typer.echo(f"bulkhead: error: {message}", err=True)


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """Print the error and end the command with ``code``."""
    error(message)
    raise typer.Exit(code)


def console() -> Console:
    """A rich console for a command's output: colour on a terminal; piped, one unwrapped line
    per row (rich would otherwise wrap at 80 columns)."""
    out = Console(highlight=False, soft_wrap=True)
    return out if out.is_terminal else Console(highlight=False, soft_wrap=True, width=100_000)
