"""``bulkhead pillar check|schema|docs``: validate pillar files before Salt applies them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .errors import PillarError
from .load import ROOT, load_pillar, read_pillar_source
from .merged import locate_merged, merge_data
from .pillar import Pillar
from .source import PillarSource

pillar_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Validate and describe the bulkhead pillar.")


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
) -> None:
    """Validate the pillar: one line per problem (FILE:LINE), exit status 1 if it is invalid."""
    if salt == bool(files):
        typer.echo("bulkhead: error: give pillar files, or --salt (not both)", err=True)
        raise typer.Exit(2)
    if salt:
        _check_salt(salt_config, local)
        return
    sources = []
    for path in files or []:
        try:
            sources.append(read_pillar_source(path))
        except PillarError as exc:
            for line in exc.lines:
                typer.echo(line)
            raise typer.Exit(1) from None
    _check_sources(sources)


def _check_sources(sources: list[PillarSource]) -> None:
    named = " + ".join(source.name for source in sources)
    for source in sources:
        if source.data is not None and not isinstance(source.data, dict):
            typer.echo(f"{source.name}: a pillar file is a mapping of pillar keys")
            raise typer.Exit(1)
    if not any(ROOT in (source.data or {}) for source in sources):
        # Checking files without the key is almost always the wrong files (e.g. top.sls).
        typer.echo(f"{named}: no '{ROOT}' key, nothing to check")
        raise typer.Exit(1)
    merged = merge_data([source.data for source in sources])
    try:
        pillar = load_pillar(merged.get(ROOT))
    except PillarError as exc:
        for line in locate_merged(exc, sources).lines:
            typer.echo(line)
        raise typer.Exit(1) from None
    _ok(named, pillar)


def _check_salt(salt_config: str | None, local: bool) -> None:
    from .salt_pillar import PillarUnavailable, salt_pillar

    try:
        found = salt_pillar(config_dir=salt_config, local=local)
    except PillarUnavailable as exc:
        typer.echo(f"bulkhead: error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        pillar = load_pillar(found.data, found.minion_id)
    except PillarError as exc:
        for line in exc.lines:
            typer.echo(f"salt pillar of {found.minion_id}: {line}")
        raise typer.Exit(1) from None
    _ok(f"salt pillar of {found.minion_id}", pillar)


def _ok(named: str, pillar: Pillar) -> None:
    running = sum(1 for domain in pillar.domains.values() if domain.running)
    typer.echo(f"{named}: OK ({len(pillar.domains)} domains, {running} running)")


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
