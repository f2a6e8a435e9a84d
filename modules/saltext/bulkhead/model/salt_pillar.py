"""Salt's own view of this minion's ``bulkhead`` pillar, asked of ``salt-call``.

Without ``--local`` the minion's configuration decides (``file_client: local`` is masterless,
otherwise its master compiles the pillar), as for any ``salt-call``. ``pillar.get`` masks every
value in Salt 3008's output; ``pillar.items`` with ``unmask=True`` returns the real ones (older
Salt ignores the argument and never masked). Used by ``bulkhead verify`` and ``pillar check --salt``.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any


class PillarUnavailable(Exception):
    """Salt could not hand over the bulkhead pillar."""


@dataclass(frozen=True)
class SaltPillar:
    """The raw ``bulkhead`` pillar of a minion and the minion's id (its default workstation)."""

    data: dict
    minion_id: str


def _salt_call(args: list[str], salt_call: str, config_dir: str | None, local: bool) -> Any:
    cmd = [salt_call, "--out=json", *(["--local"] if local else [])]
    cmd += ["-c", config_dir] if config_dir else []
    cmd += args
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PillarUnavailable(f"cannot run {' '.join(cmd)}: {exc}") from None
    if out.returncode != 0 or not out.stdout.strip():
        raise PillarUnavailable(f"{' '.join(cmd)} failed: {(out.stderr or out.stdout).strip()[-500:]}")
    data = json.loads(out.stdout)
    return next(iter(data.values()), None) if isinstance(data, dict) else None


def salt_pillar(salt_call: str = "salt-call", config_dir: str | None = None,
                local: bool = False) -> SaltPillar:
    """The minion's ``bulkhead`` pillar, unmasked, from its master or masterless (``local``
    forces ``--local``), and its minion id."""
    items = _salt_call(["pillar.items", "unmask=True"], salt_call, config_dir, local)
    value = items.get("bulkhead") if isinstance(items, dict) else None
    if not value or not isinstance(value, dict):
        raise PillarUnavailable("salt has no 'bulkhead' pillar for this minion (pillar.items has none)")
    minion_id = _salt_call(["config.get", "id"], salt_call, config_dir, local)
    if not minion_id or not isinstance(minion_id, str):
        raise PillarUnavailable("salt did not say this minion's id (config.get id)")
    return SaltPillar(value, minion_id)


def with_workstation(data: dict, workstation: str) -> dict:
    """``data`` naming its workstation (``host:workstation``) unless it does: a child process
    that loads it (the suite) must not fall back to another id than the minion's."""
    host = data.get("host") if isinstance(data.get("host"), dict) else {}
    if host.get("workstation"):
        return data
    return {**data, "host": {**host, "workstation": workstation}}


def salt_pillar_data(salt_call: str = "salt-call", config_dir: str | None = None,
                     local: bool = False) -> dict:
    """The raw ``bulkhead`` pillar as Salt compiles it for this minion, its workstation named."""
    found = salt_pillar(salt_call, config_dir, local)
    return with_workstation(found.data, found.minion_id)
