"""``bulkhead boot``: start the autostart domains in netvm order (bulkhead-boot.service runs it)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import cli_style
from ..model.pillar_json import DEFAULT_PILLAR_JSON, PillarJsonOption


def boot_command(
    pillar: PillarJsonOption = DEFAULT_PILLAR_JSON,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print the order, start nothing")
    ] = False,
) -> None:
    """Start every autostart domain (and the netvms it needs), netvms first; exit 1 on a failure."""
    from ..model import PillarError
    from ..model.pillar_json import read_pillar_json
    from ..untrusted.text import printable
    from ..virt import BulkheadVirtError
    from .order import boot_order
    from .sequence import boot

    try:
        model = read_pillar_json(pillar)
    except PillarError as exc:  # before ValueError: it is one
        cli_style.error(f"{pillar} is not a valid pillar:\n" + "\n".join(exc.lines))
        raise typer.Exit(2) from exc
    except (OSError, ValueError) as exc:  # absent, not JSON
        cli_style.error(f"cannot read {pillar}: {exc}")
        raise typer.Exit(2) from exc
    if dry_run:
        typer.echo(json.dumps(boot_order(model)))
        return
    try:
        results = boot(model)
    except BulkheadVirtError as exc:  # libvirt unreachable
        cli_style.error(f"{exc}")
        raise typer.Exit(1) from exc
    for started in results:
        status = "ok" if started.ok else "FAILED"
        # a comment can carry a guest agent's words: escaped before it reaches a terminal or journal
        typer.echo(
            f"{status} {started.name}: {printable(started.comment, keep='', backslash=False)}"
        )
    if not results:
        typer.echo("no domain starts at boot")
    if not all(started.ok for started in results):
        raise typer.Exit(1)
