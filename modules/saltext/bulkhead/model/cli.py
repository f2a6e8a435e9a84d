"""``bulkhead pillar check|schema|docs``: validate pillar files before Salt applies them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..cli_style import command_group
from .errors import PillarError
from .load import ROOT, load_pillar, read_pillar_source
from .merged import locate_merged, merge_data
from .pillar import Pillar
from .source import PillarSource

pillar_app = command_group("Validate and describe the bulkhead pillar.")


@pillar_app.command()
def check(
    files: Annotated[list[Path] | None, typer.Argument(
        metavar="[FILE...]", help="Pillar SLS files, merged in order as Salt merges them "
                                  "(later files override).", show_default=False)] = None,
    salt: Annotated[bool, typer.Option(
        "--salt", help="Check the pillar Salt renders for this minion (salt-call pillar.items).")
    ] = False,
    salt_config: Annotated[str | None, typer.Option(
        metavar="DIR", help="salt-call -c DIR, with --salt.")] = None,
    local: Annotated[bool, typer.Option(
        "--local", help="With --salt: masterless (salt-call --local).")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print {ok, checked, errors, domains, running} instead.")] = False,
) -> None:
    """Validate the pillar: one line per problem (FILE:LINE), exit status 1 if it is invalid."""
    if salt == bool(files):
        typer.echo("bulkhead: error: give pillar files, or --salt (not both)", err=True)
        raise typer.Exit(2)
    result = _check_salt(salt_config, local) if salt else _check_files(files or [])
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        for line in result["errors"]:
            typer.echo(line)
        if result["ok"]:
            typer.echo(f"{result['checked']}: OK ({result['domains']} domains, "
                       f"{result['running']} running)")
    raise typer.Exit(0 if result["ok"] else 1)


def _failed(checked: str, lines: list[str]) -> dict:
    return {"ok": False, "checked": checked, "errors": lines}


def _passed(checked: str, pillar: Pillar) -> dict:
    running = sum(1 for domain in pillar.domains.values() if domain.running)
    return {"ok": True, "checked": checked, "errors": [], "domains": len(pillar.domains),
            "running": running}


def _check_files(files: list[Path]) -> dict:
    sources: list[PillarSource] = []
    for path in files:
        try:
            sources.append(read_pillar_source(path))
        except PillarError as exc:
            return _failed(str(path), list(exc.lines))
    named = " + ".join(source.name for source in sources)
    for source in sources:
        if source.data is not None and not isinstance(source.data, dict):
            return _failed(named, [f"{source.name}: a pillar file is a mapping of pillar keys"])
    if not any(ROOT in (source.data or {}) for source in sources):
        # Checking files without the key is almost always the wrong files (e.g. top.sls).
        return _failed(named, [f"{named}: no '{ROOT}' key, nothing to check"])
    merged = merge_data([source.data for source in sources])
    try:
        pillar = load_pillar(merged.get(ROOT))
    except PillarError as exc:
        return _failed(named, list(locate_merged(exc, sources).lines))
    return _passed(named, pillar)


def _check_salt(salt_config: str | None, local: bool) -> dict:
    from .salt_pillar import PillarUnavailable, salt_pillar

    try:
        found = salt_pillar(config_dir=salt_config, local=local)
    except PillarUnavailable as exc:
        typer.echo(f"bulkhead: error: {exc}", err=True)
        raise typer.Exit(2) from None
    checked = f"salt pillar of {found.minion_id}"
    try:
        pillar = load_pillar(found.data, found.minion_id)
    except PillarError as exc:
        return _failed(checked, [f"{checked}: {line}" for line in exc.lines])
    return _passed(checked, pillar)


@pillar_app.command()
def schema() -> None:
    """Print the JSON Schema of a pillar file (for editors)."""
    from .schema import pillar_schema

    typer.echo(json.dumps(pillar_schema(), indent=2, sort_keys=False))


@pillar_app.command()
def docs() -> None:
    """Print the pillar reference (docs/pillar.md) generated from the model."""
    from .docs import pillar_docs

    typer.echo(pillar_docs(), nl=False)
