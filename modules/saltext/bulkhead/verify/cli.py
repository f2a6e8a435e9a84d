"""``bulkhead verify``: run the host-side isolation suite and print one line per check."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding

from ..model import PillarError, load_pillar, load_pillar_file
from .pillar_source import PillarUnavailable, salt_pillar_data
from .runner import SuiteRun, run_suite

_MARK = {"passed": "[green]PASS[/] ", "failed": "[red]FAIL[/] ", "error": "[red]ERROR[/]",
         "skipped": "[yellow]SKIP[/] ", "n/a": "[dim]N/A[/]  "}


def _summary(run: SuiteRun, console: Console) -> None:
    total, bad = len(run.results), run.count("failed") + run.count("error")
    if run.ok and run.count("passed") == total:
        console.print(f"[green]all {total} checks passed[/]")
    elif run.ok:
        console.print(f"[green]{run.counts()}[/]")
    elif not run.results:
        console.print("[red]the suite did not run:[/]")
        console.print(run.output[-4000:], markup=False, highlight=False)
    elif bad:
        console.print(f"[red]{bad} of {total} checks failed[/] ({run.counts()})", highlight=False)
    else:  # a skipped check is an isolation property nobody checked: not a pass
        console.print(f"[yellow]{run.counts()}:[/]", highlight=False)
    for res in run.results:
        if res.outcome == "skipped":
            reason = " ".join(res.message.split()) or "no reason given"
            console.print(f"  skipped {res.check}: {reason}", markup=False, highlight=False,
                          soft_wrap=True)


def _report(run: SuiteRun, console: Console) -> None:
    for res in run.results:
        console.print(f"{_MARK.get(res.outcome, res.outcome)} {escape(res.check)}", highlight=False)
        if res.outcome != "passed" and res.message:
            console.print(Padding(res.message, (0, 0, 0, 6)), markup=False, highlight=False)
    _summary(run, console)


def verify_command(
    pillar: Annotated[Path | None, typer.Option(
        "--pillar", exists=True, dir_okay=False,
        help="pillar file with the bulkhead key; default: this minion's pillar through salt-call "
             "(from its master, or masterless with file_client: local)")] = None,
    uri: Annotated[str | None, typer.Option(help="libvirt URI (default: the pillar's host.uri)")] = None,
    hosts: Annotated[str, typer.Option(help="testinfra host spec the commands run on")] = "local://",
    salt_config: Annotated[str | None, typer.Option(help="salt-call -c DIR when reading Salt's pillar")] = None,
    local: Annotated[bool, typer.Option(
        "--local", help="read Salt's pillar masterless (salt-call --local)")] = False,
    probe: Annotated[list[str] | None, typer.Option(
        help="IP:PORT of a TCP service to test every client's firewall against (repeatable)")] = None,
) -> None:
    """Check on the host that the isolation the pillar describes holds (exit 1 on any failure,
    3 when nothing failed but a check was skipped; docs/verify.md)."""
    console = Console()
    data = None
    try:
        if pillar is not None:
            load_pillar_file(pillar)  # refuse an invalid pillar here, with its file:line messages
        else:
            data = salt_pillar_data(config_dir=salt_config, local=local)
            load_pillar(data)
    except (PillarError, PillarUnavailable) as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    for spec in probe or []:
        address, _, port = spec.rpartition(":")
        try:
            ipaddress.IPv4Address(address)
            valid = port.isdigit() and 0 < int(port) < 65536
        except ValueError:
            valid = False
        if not valid:
            console.print(f"[red]error:[/] --probe {spec!r}: expected IPv4:PORT", highlight=False)
            raise typer.Exit(2)
    extra = tuple(f"--bulkhead-probe={spec}" for spec in probe or [])
    run = run_suite(hosts=hosts, pillar_file=pillar, pillar_data=data, uri=uri, extra=extra)
    _report(run, console)
    raise typer.Exit(run.exit_code)
