"""``bulkhead exclusive DOMAIN -- COMMAND``, and the recovery every ``bulkhead`` command runs first.

COMMAND is one shell command (``-- 'gpg --gen-key; sync'``) or words joined as the shell would
quote them (``-- gpg --gen-key``); it runs as root with ``sh -c`` in DOMAIN, as ``bulkhead run``
does, and its output is written the same way (escapes filtered on a terminal).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from .. import cli_style
from ..model.pillar import FormulaPaths
from ..model.pillar_json import DEFAULT_PILLAR_JSON, PillarJsonOption
from ..untrusted.text import printable

RECORD_ENV = "BULKHEAD_EXCLUSIVE_RECORD"
DEFAULT_RECORD = Path(FormulaPaths().exclusive)


def recover_first(record: Path) -> None:
    """Undo the pauses of a killed exclusive run, if its record is there; a problem is a warning
    (the command the user asked for still runs)."""
    if not record.exists():  # the usual case costs no import of libvirt
        return
    from ..virt import BulkheadVirtError
    from . import RecordError, recover

    try:
        results = recover(record)
    except (RecordError, OSError, TimeoutError, BulkheadVirtError) as exc:
        # the record stays for the next command (libvirt unreachable, the lock taken...)
        typer.echo(f"warning: exclusive-mode record {record} not recovered: {exc}", err=True)
        return
    for done in results or ():
        typer.echo(f"bulkhead exclusive: an interrupted run's pause of {done.name}: {done.done}",
                   err=True)


def _shell_text(command: list[str]) -> str:
    return command[0] if len(command) == 1 else shlex.join(command)


def exclusive_command(
    domain: Annotated[str, typer.Argument(help="The domain to run COMMAND in (running).")],
    command: Annotated[list[str], typer.Argument(help="After --: the shell command.")],
    timeout: Annotated[int, typer.Option(min=1, max=3600,
                                         help="Seconds before the command is killed.")] = 30,
    pillar: PillarJsonOption = DEFAULT_PILLAR_JSON,
    filter_escape_chars: Annotated[bool | None, typer.Option(
        "--filter-escape-chars/--no-filter-escape-chars", show_default=False,
        help="Escape the guest's control characters (default: on a terminal).")] = None,
) -> None:
    """Pause every other running domain of the workstation, run COMMAND in DOMAIN, resume exactly
    the domains it paused; exits with COMMAND's status (2 when it could not run)."""
    from ..model import PillarError
    from ..model.pillar_json import read_pillar_json
    from ..runcmd.cli import write_output
    from ..virt import BulkheadVirtError
    from . import ExclusiveError, run_exclusive, where_of

    try:
        model = read_pillar_json(pillar)
    except PillarError as exc:
        cli_style.error(f"{pillar} is not a valid pillar:\n" + "\n".join(exc.lines))
        raise typer.Exit(2) from exc
    except (OSError, ValueError) as exc:
        cli_style.error(f"cannot read {pillar}: {exc}")
        raise typer.Exit(2) from exc
    try:
        done = run_exclusive(where_of(model), domain, _shell_text(command), timeout)
    except (ExclusiveError, OSError, TimeoutError, BulkheadVirtError) as exc:
        typer.echo(f"bulkhead exclusive {printable(domain)}: {exc}", err=True)
        raise typer.Exit(2) from exc
    for name, why in done.already_paused.items():
        typer.echo(f"bulkhead exclusive: {name} was already {why}: left as it is", err=True)
    if done.foreign:
        typer.echo("bulkhead exclusive: kept running (not this workstation's): "
                   + " ".join(done.foreign), err=True)
    for resumed in done.resumed:
        typer.echo(f"bulkhead exclusive: {resumed.name} {resumed.done}", err=True)
    if done.result is None:
        typer.echo(f"bulkhead exclusive {printable(domain)}: {done.error}", err=True)
        raise typer.Exit(2)
    write_output(sys.stdout, done.result.stdout, filter_escape_chars)
    write_output(sys.stderr, done.result.stderr, filter_escape_chars)
    raise typer.Exit(done.result.rc)
