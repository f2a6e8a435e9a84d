"""Where ``bulkhead verify`` gets the pillar: a file, or Salt's own view of it on this minion."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ..model import Pillar, load_pillar, load_pillar_file


class PillarUnavailable(Exception):
    """Salt could not hand over the bulkhead pillar."""


def salt_pillar_data(salt_call: str = "salt-call", config_dir: str | None = None) -> dict:
    """The raw ``bulkhead`` pillar as ``salt-call --local pillar.get bulkhead`` renders it."""
    cmd = [salt_call, "--local", "--out=json"]
    if config_dir:
        cmd += ["-c", config_dir]
    cmd += ["pillar.get", "bulkhead"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except OSError as exc:
        raise PillarUnavailable(f"cannot run {salt_call}: {exc.strerror or exc}") from None
    if out.returncode != 0 or not out.stdout.strip():
        raise PillarUnavailable(f"{' '.join(cmd)} failed: {(out.stderr or out.stdout).strip()[-500:]}")
    data = json.loads(out.stdout)
    value = next(iter(data.values()), None) if isinstance(data, dict) else None
    # pillar.get answers "" for a missing key: say so instead of validating an empty workstation.
    if not value or not isinstance(value, dict):
        raise PillarUnavailable("salt has no 'bulkhead' pillar for this minion (pillar.get bulkhead is empty)")
    return value


def load(pillar_file: str | Path | None = None, pillar_json: str | Path | None = None,
         salt_config_dir: str | None = None) -> Pillar:
    """A pillar file (Jinja + YAML, as Salt renders it), already-rendered JSON data, or else Salt's."""
    if pillar_file:
        return load_pillar_file(pillar_file)
    if pillar_json:
        # Rendered data, not a template: parsed as JSON so no Jinja runs over values such as comments.
        return load_pillar(json.loads(Path(pillar_json).read_text()))
    return load_pillar(salt_pillar_data(config_dir=salt_config_dir))
