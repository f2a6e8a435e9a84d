"""The system ``bulkhead policy eval`` decides against by default: this host's, as the broker sees
it (the host's pillar, written by the formula for the daemons, and the domains libvirt defines)."""

from __future__ import annotations

from pathlib import Path

from ..model import PillarError
from ..model.pillar_json import read_pillar_json
from ..policy.errors import SystemInfoError
from ..policy.system import System
from ..virt import BulkheadVirtError, connect
from .facts import libvirt_domains, system_from


def host_system(pillar_path: Path) -> System:
    """The broker's view of the host; SystemInfoError saying what could not be read."""
    try:
        pillar = read_pillar_json(pillar_path)
    except PillarError as exc:  # before ValueError: it is one
        raise SystemInfoError(
            f"{pillar_path} is not a valid pillar: {'; '.join(exc.lines)}"
        ) from exc
    except (OSError, ValueError) as exc:
        raise SystemInfoError(
            f"cannot read the host's pillar {pillar_path} ({exc}); give a SYSTEM.json with --system"
        ) from exc
    try:
        with connect(pillar.host.uri) as conn:
            return system_from(pillar, libvirt_domains(conn, pillar.workstation))
    except BulkheadVirtError as exc:
        raise SystemInfoError(f"cannot read the domains from libvirt: {exc}") from exc
