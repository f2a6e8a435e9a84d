"""Entry points: turn raw pillar data (or a pillar file) into a validated ``Pillar``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic

from .errors import PillarError, PillarIssue
from .pillar import Pillar

ROOT = "bulkhead"


def _path(loc: tuple[Any, ...]) -> str:
    return ":".join([ROOT, *(str(p) for p in loc)])


def load_pillar(data: Any) -> Pillar:
    """Validate the value of the ``bulkhead`` pillar key; raise PillarError listing every problem."""
    try:
        return Pillar.model_validate(data if data is not None else {})
    except pydantic.ValidationError as exc:
        raise PillarError([PillarIssue(_path(e["loc"]), e["msg"]) for e in exc.errors()]) from None


def load_pillar_file(path: str | Path) -> Pillar:
    import yaml

    doc = yaml.safe_load(Path(path).read_text()) or {}
    return load_pillar(doc.get(ROOT))
