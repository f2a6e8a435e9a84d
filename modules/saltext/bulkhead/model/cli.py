"""``bulkhead pillar check|schema|docs``: validate pillar files before Salt applies them."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..cli_style import command_group
from .errors import PillarError
from .load import ROOT, load_pillar_source, read_pillar_source

pillar_app = command_group("Validate and describe the bulkhead pillar.")


@pillar_app.command()
def check(files: list[Path] = typer.Argument(..., help="Pillar SLS files with a 'bulkhead' key.")) -> None:
    """Validate pillar files: one line per problem, exit status 1 if any file is invalid."""
    failed = False
    for path in files:
        try:
            source = read_pillar_source(path)
            pillar = load_pillar_source(source)
        except PillarError as exc:
            failed = True
            for line in exc.lines:
                typer.echo(line)
            continue
        if ROOT not in (source.data or {}):
            # Checking a file without the key is almost always the wrong file (e.g. top.sls).
            failed = True
            typer.echo(f"{path}: no '{ROOT}' key, nothing to check")
            continue
        running = sum(1 for domain in pillar.domains.values() if domain.running)
        typer.echo(f"{path}: OK ({len(pillar.domains)} domains, {running} running)")
    raise typer.Exit(1 if failed else 0)


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
