"""The ``bulkhead`` command: one typer app, each area contributes its own sub-command group."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Annotated

import typer

from .boot.cli import boot_command
from .cli_style import command_group
from .exclusive.cli import DEFAULT_RECORD, RECORD_ENV, exclusive_command, recover_first
from .glance.firewall_cli import firewall_command
from .glance.ls_cli import ls_command
from .glance.show_cli import show_command
from .image.cli import image_app
from .image.logs_cli import logs_command
from .memd.cli import memory_app
from .model.cli import pillar_app
from .rpc.ask_cli import ask_app
from .rpc.cli import rpc_app
from .rpc.clipboard_cli import clipboard_app
from .rpc.policy_cli import policy_app
from .runcmd.cli import CONTEXT as RUN_CONTEXT
from .runcmd.cli import run_command
from .template_update.cli import template_app
from .verify.cli import verify_command
from .verify.tcb_cli import tcb_command

app = command_group("bulkhead: isolated workstations on libvirt.")

# Each area registers its group here (one line each, kept alphabetical).
app.add_typer(ask_app, name="ask")
app.add_typer(clipboard_app, name="clipboard")
app.add_typer(image_app, name="image")
app.add_typer(template_app, name="template")
app.add_typer(memory_app, name="memory")
app.add_typer(pillar_app, name="pillar")
app.add_typer(policy_app, name="policy")
app.add_typer(rpc_app, name="rpc")
app.command("boot")(boot_command)
app.command("exclusive")(exclusive_command)
app.command("firewall")(firewall_command)
app.command("logs")(logs_command)
app.command("ls")(ls_command)
app.command("run", context_settings=RUN_CONTEXT)(run_command)
app.command("show")(show_command)
app.command("tcb")(tcb_command)
app.command("verify")(verify_command)


def _print_version(value: bool) -> None:
    if value:
        try:
            found = metadata.version("saltext-bulkhead")
        except metadata.PackageNotFoundError:
            found = "(not installed)"
        typer.echo(f"bulkhead {found}")
        raise typer.Exit(0)


@app.callback()
def recover_exclusive_mode(
    exclusive_record: Annotated[Path, typer.Option(
        envvar=RECORD_ENV, help="The exclusive-mode record to recover first, if a killed "
                                "`bulkhead exclusive` left it")] = DEFAULT_RECORD,
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="print bulkhead's version and exit")] = False,
) -> None:
    """Before any command: resume the domains a killed `bulkhead exclusive` left paused."""
    recover_first(exclusive_record)


def main() -> None:
    app()
