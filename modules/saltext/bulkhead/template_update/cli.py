"""``bulkhead template update NAME``: update a template through the updates proxy (exit 0 when apt
succeeded, 1 when apt failed or refused the update, 2 when it could not run)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..cli_style import command_group, fail
from ..model.pillar_json import DEFAULT_PILLAR_JSON, PillarJsonOption
from ..untrusted.text import printable

template_app = command_group("Templates (updates without a network).")


@template_app.command("update")
def update_command(
    name: Annotated[str, typer.Argument(help="The template (a pillar domain of class template).")],
    proxy: Annotated[str, typer.Option(help="The domain with network whose qubes.UpdatesProxy "
                                            "carries apt's requests.")] = "sys-net",
    pillar: PillarJsonOption = DEFAULT_PILLAR_JSON,
    timeout: Annotated[int, typer.Option(min=60, max=86400, help="Seconds apt may take.")] = 3600,
) -> None:
    """Start NAME, run apt update and dist-upgrade through PROXY over the RPC broker, shut it down.
    A Release file or package that does not verify changes nothing (apt refuses it)."""
    from ..model import PillarError
    from ..model.pillar_json import read_pillar_json
    from ..virt import BulkheadVirtError
    from ..virt.connection import connect
    from .run import UpdateError, update_template

    try:
        model = read_pillar_json(pillar)
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
