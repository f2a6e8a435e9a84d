"""The ``bulkhead`` command: one typer app, each area contributes its own sub-command group."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .boot.cli import boot_command
from .exclusive.cli import DEFAULT_RECORD, RECORD_ENV, exclusive_command, recover_first
from .image.cli import image_app
from .image.logs_cli import logs_command
from .image.run_cli import run_command
from .memd.cli import memory_app
from .model.cli import pillar_app
from .policy.cli import policy_app
from .rpc.cli import rpc_app
from .template_update.cli import template_app
from .verify.cli import verify_command
from .verify.tcb_cli import tcb_command

app = typer.Typer(no_args_is_help=True, add_completion=False, help="bulkhead: isolated workstations on libvirt.")

# Each area registers its group here (one line each, kept alphabetical).
app.add_typer(image_app, name="image")
app.add_typer(template_app, name="template")
app.add_typer(memory_app, name="memory")
app.add_typer(pillar_app, name="pillar")
app.add_typer(policy_app, name="policy")
app.add_typer(rpc_app, name="rpc")
app.command("boot")(boot_command)
app.command("exclusive")(exclusive_command)
app.command("logs")(logs_command)
app.command("run")(run_command)
app.command("tcb")(tcb_command)
app.command("verify")(verify_command)


@app.callback()
def recover_exclusive_mode(
    exclusive_record: Annotated[Path, typer.Option(
        envvar=RECORD_ENV, help="The exclusive-mode record to recover first, if a killed "
                                "`bulkhead exclusive` left it")] = DEFAULT_RECORD,
) -> None:
    """Before any command: resume the domains a killed `bulkhead exclusive` left paused."""
    recover_first(exclusive_record)


def main() -> None:
    app()
