"""Where ``ls``, ``show`` and ``firewall`` get the pillar and libvirt: as ``bulkhead tcb`` does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli_style import fail
from ..model import Pillar, PillarError
from ..verify import pillar_source
from ..verify.pillar_source import PillarUnavailable
from ..virt import BulkheadVirtError, connect
from .live import LiveDomain, workstation_domains

JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


def pillar_of(pillar: Path | None, salt_config: str | None) -> Pillar:
    try:
        return pillar_source.load(pillar, None, salt_config)
    except (PillarError, PillarUnavailable) as exc:
        fail(str(exc))


def pillar_with(domain: str, pillar: Path | None, salt_config: str | None) -> Pillar:
    """The pillar, when it declares ``domain``; else the command fails naming the workstation."""
    model = pillar_of(pillar, salt_config)
    if domain not in model.domains:
        fail(f"no domain {domain!r} in the pillar of workstation {model.workstation!r} "
             f"(bulkhead ls lists them)")
    return model


def live_of(conn_uri: str, workstation: str) -> dict[str, LiveDomain]:
    """The workstation's domains in one bulk read of libvirt."""
    try:
        with connect(conn_uri) as conn:
            return workstation_domains(conn, workstation)
    except BulkheadVirtError as exc:
        fail(str(exc))

