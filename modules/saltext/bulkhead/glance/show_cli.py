"""``bulkhead show DOMAIN``: every property of one domain and where it came from (qvm-prefs)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..cli_style import console
from ..verify.options import PillarOption, SaltConfigOption, UriOption
from .properties import PILLAR, domain_properties
from .source import JsonOption, live_of, pillar_with


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return "; ".join(map(str, value)) or "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def show_command(
    domain: Annotated[str, typer.Argument(metavar="DOMAIN", help="the domain's name")],
    as_json: JsonOption = False,
    pillar: PillarOption = None,
    uri: UriOption = None,
    salt_config: SaltConfigOption = None,
) -> None:
    """Show every property of DOMAIN with its source: pillar (written there), default, or
    libvirt (state, address, memory now in MiB) (docs/cli.md#show)."""
    model = pillar_with(domain, pillar, salt_config)
    live = live_of(uri or model.host.uri, model.workstation).get(domain)
    props = domain_properties(model.domains[domain], live)
    if as_json:
        typer.echo(json.dumps({"domain": domain, "properties": [
            {"name": p.name, "value": p.value, "source": p.source} for p in props]}, indent=2))
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for header in ("PROPERTY", "VALUE", "SOURCE"):
        table.add_column(header, no_wrap=header != "VALUE")
    for prop in props:
        table.add_row(escape(prop.name), escape(_text(prop.value)), prop.source,
                      style="bold" if prop.source == PILLAR else "")
    console().print(table)
