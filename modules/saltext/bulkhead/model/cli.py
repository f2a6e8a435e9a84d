"""``bulkhead pillar check|schema|docs``: validate pillar files before Salt applies them."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..cli_style import command_group
from .errors import PillarError
from .load import ROOT, load_pillar_source, read_pillar_source

pillar_app = command_group("Validate and describe the bulkhead pillar.")


def _check_one(path: Path) -> dict:
    """One file's verdict: ok, its ``path: message`` error lines, its domain counts."""
    try:
        source = read_pillar_source(path)
        pillar = load_pillar_source(source)
    except PillarError as exc:
        return {"file": str(path), "ok": False, "errors": list(exc.lines)}
    if ROOT not in (source.data or {}):
        # Checking a file without the key is almost always the wrong file (e.g. top.sls).
        return {"file": str(path), "ok": False, "errors": [f"{path}: no '{ROOT}' key, nothing to check"]}
    running = sum(1 for domain in pillar.domains.values() if domain.running)
    return {"file": str(path), "ok": True, "errors": [], "domains": len(pillar.domains),
            "running": running}


@pillar_app.command()
def check(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Pillar SLS files with a 'bulkhead' key."),
    as_json: bool = typer.Option(False, "--json", help="print {ok, files: [{file, ok, errors, "
                                                       "domains, running}]} instead"),
) -> None:
    """Validate pillar files: one line per problem, exit status 1 if any file is invalid."""
    results = [_check_one(path) for path in files]
    failed = not all(r["ok"] for r in results)
    if as_json:
        typer.echo(json.dumps({"ok": not failed, "files": results}, indent=2))
        raise typer.Exit(1 if failed else 0)
    for result in results:
        for line in result["errors"]:
            typer.echo(line)
        if result["ok"]:
            typer.echo(f"{result['file']}: OK ({result['domains']} domains, {result['running']} running)")
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
