"""``bulkhead policy``: check, evaluate (one request or a batch) and lint a policy directory.

``eval`` decides against this host's system (its pillar and libvirt, as the broker does) unless
``--system SYSTEM.json`` is given. A host without a policy directory has no policy installed: the
broker then denies every call, and ``check`` says so (exit 0: nothing is wrong with it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Annotated

import typer

from ..cli_style import command_group
from ..model.pillar_json import DEFAULT_PILLAR_JSON, PillarJsonOption
from ..policy.decision import deny
from ..policy.errors import PolicySyntaxError, RequestError, SystemInfoError
from ..policy.lint import lint as lint_policy
from ..policy.policy import DEFAULT_POLICY_DIR, Policy, evaluate
from ..policy.request import Request
from ..policy.system import System
from .host_system import host_system

policy_app = command_group("RPC policy (qrexec v5 grammar): check, eval, lint.")

PolicyDir = Annotated[Path, typer.Option("--policy-dir", help="Directory of *.policy files.")]


def _load(policy_dir: Path) -> Policy | None:
    """The policy, or None after printing every file:line problem (callers then fail closed)."""
    try:
        return Policy.load(policy_dir)
    except PolicySyntaxError as exc:
        for issue in exc.issues:
            typer.echo(f"{issue}", err=True)
        return None


@policy_app.command()
def check(policy_dir: PolicyDir = Path(DEFAULT_POLICY_DIR)) -> None:
    """Parse the policy; exit 1 listing file:line of every error."""
    if not policy_dir.exists():
        typer.echo(f"{policy_dir}: no policy installed: the broker denies every call")
        return
    policy = _load(policy_dir)
    if policy is None:
        raise typer.Exit(1)
    typer.echo(f"{policy_dir}: {len(policy.rules)} rules in {len(policy.files)} files, no errors")


@policy_app.command("eval")
def eval_(
    system_file: Annotated[
        Path | None,
        typer.Option(
            "--system",
            metavar="FILE",
            help="SYSTEM.json: the domains and their properties (default: this host's).",
        ),
    ] = None,
    call: Annotated[
        str | None, typer.Argument(help="SERVICE+ARG (no '+' means the empty argument).")
    ] = None,
    source: Annotated[str | None, typer.Argument(help="Calling domain.")] = None,
    target: Annotated[
        str | None, typer.Argument(help="A domain, @default, @dispvm[:T], @adminvm.")
    ] = None,
    policy_dir: PolicyDir = Path(DEFAULT_POLICY_DIR),
    batch: Annotated[
        Path | None, typer.Option("--batch", help="JSONL requests ('-' for stdin).")
    ] = None,
    pillar: PillarJsonOption = DEFAULT_PILLAR_JSON,  # read when --system is not given
) -> None:
    """Decide one request (and show the deciding rule) or a batch (one JSON decision per line)."""
    try:
        system = host_system(pillar) if system_file is None else System.from_file(system_file)
    except SystemInfoError as exc:
        typer.echo(f"bulkhead: error: {exc}", err=True)
        raise typer.Exit(2) from None
    policy = _load(policy_dir)
    if batch is not None:
        if call is not None:
            typer.echo("error: give either --batch or SERVICE+ARG SOURCE TARGET", err=True)
            raise typer.Exit(2)
        if str(batch) == "-":
            _batch(sys.stdin, policy, system)
        else:
            with open(batch, encoding="utf-8") as lines:
                _batch(lines, policy, system)
    else:
        if call is None or source is None or target is None:
            typer.echo("error: need SERVICE+ARG SOURCE TARGET (or --batch FILE)", err=True)
            raise typer.Exit(2)
        try:
            decision = evaluate(policy, Request.from_call(call, source, target), system)
        except RequestError as exc:
            decision = deny(str(exc))
        typer.echo(json.dumps(decision.to_record()))
        typer.echo(f"decided by: {decision.explain()}")
    if policy is None:
        raise typer.Exit(1)


def _batch(lines: IO[str], policy: Policy | None, system: System) -> None:
    """One decision per input line, in order (with the deciding rule's file:line, notify,
    autostart and user); a line that is not a valid request is denied."""
    out = sys.stdout
    for number, line in enumerate(lines, start=1):
        try:
            decision = evaluate(policy, Request.from_json(json.loads(line)), system)
        except (ValueError, RequestError) as exc:
            typer.echo(f"request {number}: {exc}; denied", err=True)
            decision = deny(str(exc))
        out.write(json.dumps(decision.to_record()) + "\n")
    out.flush()


@policy_app.command()
def lint(policy_dir: PolicyDir = Path(DEFAULT_POLICY_DIR)) -> None:
    """Warn on allow-all rules, allows into the admin domain and shadowed rules; exit 1 if any."""
    policy = _load(policy_dir)
    if policy is None:
        raise typer.Exit(1)
    findings = lint_policy(policy)
    for finding in findings:
        typer.echo(f"{finding.file}:{finding.line}: warning: {finding.message}")
    if findings:
        raise typer.Exit(1)
    typer.echo(f"{policy_dir}: {len(policy.rules)} rules, no warnings")
