"""The pillar as the formula writes it for the host's daemons: JSON of the ``bulkhead`` key at
``formula:paths:broker_pillar``. The commands that run without Salt (the broker, ``boot``, ``run``,
``exclusive``, ``policy eval``, ``clipboard``, ``template update``) read it with ``--pillar-json``,
one option defined here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .load import load_pillar
from .pillar import FormulaPaths, Pillar

DEFAULT_PILLAR_JSON = Path(FormulaPaths().broker_pillar)
PillarJsonOption = Annotated[Path, typer.Option(
    "--pillar-json", metavar="FILE",
    help="JSON of the bulkhead pillar key, as the formula writes it for the host daemons")]


def read_pillar_json(path: Path) -> Pillar:
    """That file, validated; PillarError (a ValueError) when invalid, OSError when unreadable."""
    return load_pillar(json.loads(path.read_text(encoding="utf-8")))
