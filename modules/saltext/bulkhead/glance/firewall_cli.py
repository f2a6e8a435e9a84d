"""``bulkhead firewall DOMAIN``: its rules and whether its netvm enforces exactly them now."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..agent import AgentClient
from ..cli_style import fail
from ..plan import names
from ..untrusted.text import printable
from ..verify.options import PillarOption, SaltConfigOption, UriOption
from ..virt import BulkheadVirtError, connect
from .firewall_view import firewall_view
from .source import JsonOption, pillar_with

AGENT_TIMEOUT = 10.0


def _ask(netvm: str) -> str | None:
    return AgentClient(names.agent_socket(netvm)).firewall_status(timeout=AGENT_TIMEOUT)


def firewall_command(
    domain: Annotated[str, typer.Argument(metavar="DOMAIN", help="the domain's name")],
    as_json: JsonOption = False,
    pillar: PillarOption = None,
    uri: UriOption = None,
    salt_config: SaltConfigOption = None,
) -> None:
    """Show DOMAIN's firewall rules from the pillar (first match wins, then drop) and whether
    its netvm enforces exactly them now. Exit 0 when it does, 1 when it does not or cannot be
    asked, 2 on an error (docs/cli.md#firewall)."""
    model = pillar_with(domain, pillar, salt_config)
    if model.domains[domain].netvm is None:
        fail(f"{domain} has netvm: none: it has no network interface, so no firewall")
    try:
        with connect(uri or model.host.uri) as conn:
            view = firewall_view(conn, model, domain, _ask)
    except BulkheadVirtError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(view.to_json(), indent=2))
    else:
        typer.echo(f"{domain} ({view.address or 'no address'}) through {view.netvm}:")
        for number, rule in enumerate(view.rules, 1):
            typer.echo(f"  {number}. {rule}")
        typer.echo(f"  {len(view.rules) + 1}. drop (everything else)")
        if view.closed:
            typer.echo(f"closed: {view.closed}: every packet is dropped")
        typer.echo(printable(view.status, backslash=False))  # it may quote the agent's words
    raise typer.Exit(0 if view.enforced else 1)
