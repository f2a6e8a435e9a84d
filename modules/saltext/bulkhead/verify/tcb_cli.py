"""``bulkhead tcb``: what this workstation trusts, as text, JSON or an SVG picture.

Here beside ``bulkhead verify`` (not in tcb/) because it reads the pillar the way verify does, and
verify's suite uses tcb: tcb stays free of verify, so the two packages have no cycle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .. import cli_style
from ..model import PillarError
from ..policy import PolicySyntaxError
from ..tcb import collect, dot_graph, svg_of, text_report
from ..tcb.render import GraphvizMissing
from ..virt import connect
from . import pillar_source
from .options import PillarOption, SaltConfigOption, UriOption
from .pillar_source import PillarUnavailable


def tcb_command(
    pillar: PillarOption = None,
    uri: UriOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the report as JSON (docs/tcb.md)")
    ] = False,
    svg: Annotated[
        Path | None,
        typer.Option(
            "--svg",
            dir_okay=False,
            help="also draw the workstation into this SVG file (graphviz)",
        ),
    ] = None,
    dot: Annotated[bool, typer.Option("--dot", help="print the graphviz source instead")] = False,
    salt_config: SaltConfigOption = None,
) -> None:
    """Report the trusted computing base: host components, each domain's devices, network
    position and RPC edges, and every deviation from the recommended state with why it matters.
    Exit 1 when a deviation is not accepted by bulkhead:tcb:accept, 2 on an error."""
    try:
        model = pillar_source.load(pillar, None, salt_config)
        with connect(uri or model.host.uri) as conn:
            report = collect(conn, model)
    except (PillarError, PillarUnavailable, PolicySyntaxError) as exc:
        cli_style.error(f"{exc}")
        raise typer.Exit(2) from None
    graph = dot_graph(report)
    if svg is not None:
        try:
            svg.write_text(svg_of(graph), encoding="utf-8")
        except GraphvizMissing as exc:
            cli_style.error(f"{exc}")
            raise typer.Exit(2) from None
    if dot:
        typer.echo(graph, nl=False)
    elif as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        typer.echo(text_report(report), nl=False)
    raise typer.Exit(1 if report.unaccepted else 0)
