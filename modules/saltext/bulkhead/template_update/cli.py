"""``bulkhead template update NAME``: update a template through the updates proxy (exit 0 when apt
succeeded, 1 when apt failed or refused the update, 2 when it could not run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..cli_style import command_group, fail
from ..untrusted.text import printable

template_app = command_group("Templates (updates without a network).")
DEFAULT_PILLAR = Path("/etc/bulkhead/broker-pillar.json")


@template_app.command("update")
def update_command(
    name: Annotated[str, typer.Argument(help="The template (a pillar domain of class template).")],
    proxy: Annotated[str, typer.Option(help="The domain with network whose qubes.UpdatesProxy "
                                            "carries apt's requests.")] = "sys-net",
    pillar: Annotated[Path, typer.Option(
        "--pillar-json", metavar="FILE",
        help="JSON of the bulkhead pillar key, as the formula writes it for the host daemons")
    ] = DEFAULT_PILLAR,
    timeout: Annotated[int, typer.Option(min=60, max=86400, help="Seconds apt may take.")] = 3600,
) -> None:
    """Start NAME, run apt update and dist-upgrade through PROXY over the RPC broker, shut it down.
    A Release file or package that does not verify changes nothing (apt refuses it)."""
    from ..model import PillarError, load_pillar
    from ..virt import BulkheadVirtError
    from ..virt.connection import connect
    from .run import UpdateError, update_template

    try:
        model = load_pillar(json.loads(pillar.read_text(encoding="utf-8")))
    except (PillarError, OSError, ValueError) as exc:
        fail(f"cannot read the pillar {pillar}: {exc}")
    try:
        with connect(model.host.uri) as conn:
            report = update_template(conn, model, name, proxy, timeout, say=typer.echo)
    except (UpdateError, BulkheadVirtError) as exc:
        fail(f"template update {printable(name)}: {exc}")
    for line in report.changed:
        typer.echo(line)
    if not report.ok:
        fail(f"apt failed (exit {report.apt_rc}); the template is unchanged where apt refused:\n"
             + "\n".join(report.apt_tail), code=1)
    typer.echo(f"{name}: updated, {len(report.changed)} package lines changed")
