"""``bulkhead verify``: run the host-side isolation suite and print one line per check."""

from __future__ import annotations

import ipaddress
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding

from .. import cli_style
from ..model import PillarError, load_pillar, load_pillar_file
from .options import PillarOption, SaltConfigOption, UriOption
from .pillar_source import PillarUnavailable, salt_pillar_data
from .runner import SuiteRun, report_data, run_suite, slowest

# Console style is set once (cli_style.console: no highlighting, unwrapped when piped).
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
        console.print(run.output[-4000:], markup=False)
    elif bad:
        console.print(f"[red]{bad} of {total} checks failed[/] ({run.counts()})")
    else:  # a skipped check is an isolation property nobody checked: not a pass
        console.print(f"[yellow]{run.counts()}:[/]")
    for res in run.results:
        if res.outcome == "skipped":
            reason = " ".join(res.message.split()) or "no reason given"
            console.print(f"  skipped {res.check}: {reason}", markup=False)


def _line(console: Console, check: str, outcome: str) -> None:
    """One check, the moment it finished: one line, never wrapped."""
    console.print(f"{_MARK.get(outcome, escape(outcome))} {escape(check)}")


def _report(run: SuiteRun, console: Console) -> None:
    """After the live lines: what each failed check found and why a check had nothing to check
    (a skipped one is listed with the summary), then the summary."""
    for res in run.results:
        if res.outcome in ("failed", "error", "n/a") and res.message:
            console.print(f"  {escape(res.check)}:")
            console.print(Padding(res.message, (0, 0, 0, 6)), markup=False)
    _summary(run, console)


def _durations(run: SuiteRun, count: int, console: Console) -> None:
    """The slowest checks, with the seconds each took (a shared fixture counts in its first)."""
    if count <= 0 or not run.results:
        return
    console.print(f"slowest {min(count, len(run.results))} checks:")
    for res in slowest(run, count):
        console.print(f"  {res.seconds:7.2f} s  {escape(res.check)}")


def verify_command(
    pillar: PillarOption = None,
    uri: UriOption = None,
    hosts: Annotated[
        str, typer.Option(metavar="SPEC", help="testinfra host spec the commands run on")
    ] = "local://",
    salt_config: SaltConfigOption = None,
    local: Annotated[
        bool, typer.Option("--local", help="read Salt's pillar masterless (salt-call --local)")
    ] = False,
    probe: Annotated[
        list[str] | None,
        typer.Option(
            metavar="IP:PORT",
            help="a TCP service to test every client's firewall against (repeatable)",
        ),
    ] = None,
    select: Annotated[
        str | None,
        typer.Option(
            "-k",
            metavar="EXPR",
            help="run only the checks whose names match EXPR (pytest -k: words, and, or, not)",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="print the report as JSON at the end (docs/verify.md), no live lines"
        ),
    ] = False,
    durations: Annotated[
        int,
        typer.Option(
            "--durations", metavar="N", min=0,
            help="after the report, the N slowest checks and their seconds (JSON: each check's)",
        ),
    ] = 0,
) -> None:
    """Check on the host that the isolation the pillar describes holds (exit 1 on any failure,
    3 when nothing failed but a check was skipped; docs/verify.md)."""
    console = cli_style.console()
    data = None
    try:
        if pillar is not None:
            load_pillar_file(pillar)  # refuse an invalid pillar here, with its file:line messages
        else:
            data = salt_pillar_data(config_dir=salt_config, local=local)
            load_pillar(data)
    except (PillarError, PillarUnavailable) as exc:
        cli_style.fail(str(exc))
    for spec in probe or []:
        address, _, port = spec.rpartition(":")
        try:
            ipaddress.IPv4Address(address)
            valid = port.isdigit() and 0 < int(port) < 65536
        except ValueError:
            valid = False
        if not valid:
            cli_style.fail(f"--probe {spec!r}: expected IPv4:PORT")
    extra = tuple(f"--bulkhead-probe={spec}" for spec in probe or [])
    extra += ("-k", select) if select else ()
    live = None if as_json else (lambda check, outcome: _line(console, check, outcome))
    run = run_suite(hosts=hosts, pillar_file=pillar, pillar_data=data, uri=uri, extra=extra,
                    on_check=live)
    if as_json:
        typer.echo(json.dumps(report_data(run), indent=2))
    else:
        _report(run, console)
        _durations(run, durations, console)
    raise typer.Exit(run.exit_code)
