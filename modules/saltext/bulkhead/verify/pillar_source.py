"""Where ``bulkhead verify`` gets the pillar: a file, or Salt's own view of it on this minion
(``model/salt_pillar.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from ..model import Pillar, load_pillar, load_pillar_file
from ..model.salt_pillar import (  # noqa: F401 (re-exported: verify's and the module's name)
    PillarUnavailable,
    SaltPillar,
    salt_pillar,
    salt_pillar_data,
    with_workstation,
)


def load(pillar_file: str | Path | None = None, pillar_json: str | Path | None = None,
         salt_config_dir: str | None = None) -> Pillar:
    """A pillar file (Jinja + YAML, as Salt renders it), already-rendered JSON data, or else Salt's."""
    if pillar_file:
        return load_pillar_file(pillar_file)
    if pillar_json:
        # Rendered data, not a template: parsed as JSON so no Jinja runs over values such as comments.
        return load_pillar(json.loads(Path(pillar_json).read_text()))
    return load_pillar(salt_pillar_data(config_dir=salt_config_dir))
