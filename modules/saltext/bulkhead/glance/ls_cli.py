"""``bulkhead ls``: the workstation's domains as qvm-ls shows qubes, or their netvm tree."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ..cli_style import console
from ..verify.options import PillarOption, SaltConfigOption, UriOption
from .rows import PARTITION, has_partitions, netvm_tree, rows
from .source import JsonOption, live_of, pillar_of

# Each label's colour on a terminal (black and gray stay readable on a dark background).
LABEL_STYLE = {"red": "red", "orange": "dark_orange", "yellow": "yellow", "green": "green",
               "gray": "grey62", "blue": "blue", "purple": "magenta", "black": "bold"}
HEADERS = {"name": "NAME", "state": "STATE", "class": "CLASS", "label": "LABEL",
           "template": "TEMPLATE", "netvm": "NETVM", "ip": "IP", "memory_now_mib": "MEM MiB",
           "memory_min_mib": "MIN MiB", "memory_max_mib": "MAX MiB", PARTITION: "PARTITION"}


def _cell(value: Any) -> str:
    return "-" if value is None else escape(str(value))


def _table(listed: list[tuple[int, dict[str, Any]]]) -> Table:
    columns = [c for c in HEADERS if c != PARTITION or has_partitions()]
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(HEADERS[column], no_wrap=True,
                         justify="right" if column.startswith("memory") else "left")
    for depth, row in listed:
        cells = [_cell(row[c]) for c in columns]
        cells[0] = "  " * depth + cells[0] + ("" if row["declared"] else " (not in pillar)")
        table.add_row(*cells, style=LABEL_STYLE.get(row["label"] or "", ""))
    return table


def ls_command(
    tree: Annotated[bool, typer.Option("--tree", help="show the netvm chain: each netvm's "
                                                      "clients indented below it")] = False,
    as_json: JsonOption = False,
    pillar: PillarOption = None,
    uri: UriOption = None,
    salt_config: SaltConfigOption = None,
) -> None:
    """List this workstation's domains: state, class, label, template, netvm, IP and memory
    (now, min, max in MiB), the pillar's and libvirt's view joined (docs/cli.md#ls)."""
    model = pillar_of(pillar, salt_config)
    table = rows(model, live_of(uri or model.host.uri, model.workstation))
    if as_json:
        listed = [{**row, "depth": depth} for depth, row in netvm_tree(table)] if tree else table
        typer.echo(json.dumps({"workstation": model.workstation, "domains": listed}, indent=2))
        return
    listed = netvm_tree(table) if tree else [(0, row) for row in table]
    # Piped output is one unwrapped line per domain; a terminal gets the label colours.
    console().print(_table(listed))
