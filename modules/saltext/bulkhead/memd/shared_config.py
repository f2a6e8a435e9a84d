"""bulkhead-memd is one per host: its configuration file holds every workstation's domains.

The file says which workstation declared which domains (``workstations``) and balances their
union (``domains``). A workstation's run replaces its own entry and keeps the others', so it
never drops another workstation's domains from the balancer; with ``bulkhead:memory`` absent it
removes only its entry, and the daemon stops only when no workstation is left. The balancer's
settings and URI are the host's: a run whose ``bulkhead:memory`` differs from the file's while
another workstation is in it is refused, naming them (it would change their balancer). The
``workstations`` entry is left out of the digest the daemon records (``config_file.digest``):
re-attributing the same domains restarts nothing, and a file from before (no entry, attributed
to the run's workstation) is upgraded without a restart.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Pillar
from ..model.memory_balancer import MemoryBalancer
from .config_file import WORKSTATIONS_KEY, render_config_file


def _entries(
    current: bytes | None, workstation: str
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """(workstation -> domain names, the file's other keys); an unreadable file counts as empty."""
    try:
        raw = json.loads(current) if current is not None else {}
    except ValueError:
        return {}, {}
    if not isinstance(raw, dict):
        return {}, {}
    listed = raw.pop(WORKSTATIONS_KEY, None)
    domains = raw.pop("domains", [])
    if not isinstance(listed, dict):  # written for one workstation, before ownership: this run's
        listed = {workstation: domains} if isinstance(domains, list) and domains else {}
    return {str(k): list(v) for k, v in listed.items() if isinstance(v, list)}, raw


def _settings(raw: dict[str, Any]) -> tuple[str | None, MemoryBalancer | None]:
    uri = raw.pop("uri", None)
    raw.pop("exclusive", None)  # the record's path: each run writes its own pillar's
    try:
        return uri, MemoryBalancer.model_validate(raw, by_name=False)
    except ValueError:
        return uri, None


def wanted_config(current: bytes | None, pillar: Pillar) -> bytes | str | None:
    """The file this run leaves (None: none, the daemon stops), or why it must not change it."""
    me = pillar.workstation
    entries, raw = _entries(current, me)
    exclusive = raw.get("exclusive") if pillar.memory is None else pillar.formula.paths.exclusive
    others = {ws: names for ws, names in entries.items() if ws != me}
    uri, settings = _settings(raw)
    if pillar.memory is None:
        if not others or settings is None or uri is None:
            return None
        return render_config_file(settings, uri, others, exclusive)
    if others and (settings != pillar.memory or uri != pillar.host.uri):
        return (f"bulkhead:memory (or host:uri) of workstation {me!r} differs from the host's "
                f"balancer in its configuration, which workstation(s) {', '.join(sorted(others))} "
                "share: bulkhead-memd is one per host; give every workstation on it the same "
                "bulkhead:memory and host:uri")
    return render_config_file(
        pillar.memory, pillar.host.uri, {**others, me: sorted(pillar.domains)}, exclusive
    )
