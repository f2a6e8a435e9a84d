"""The daemon's configuration file (/etc/bulkhead/memd.json): the pillar's ``bulkhead:memory``
plus the libvirt URI and the names of the pillar's domains (the ones it balances), validated on load
by the same model as the pillar, so a hand-edited file
gets the same checks and messages.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pydantic

from ..memory.config import BalancerConfig
from ..memory.domain import KIB_PER_MIB
from ..model.memory_balancer import MemoryBalancer
from ..model.messages import issues_from
from .daemon_config import DaemonConfig

DEFAULT_CONFIG_FILE = Path("/etc/bulkhead/memd.json")
WORKSTATIONS_KEY = "workstations"


def daemon_config(settings: MemoryBalancer, uri: str, domains: Iterable[str],
                  exclusive: str | None = None) -> DaemonConfig:
    """The daemon's settings from the pillar model (MiB there, KiB in the daemon)."""
    return DaemonConfig(
        uri=uri,
        exclusive_record=None if exclusive is None else Path(exclusive),
        domains=frozenset(domains),
        interval=settings.interval,
        stats_period=settings.stats_period,
        reserve_kib=settings.reserve_mib * KIB_PER_MIB,
        host_kib=None if settings.host_mib is None else settings.host_mib * KIB_PER_MIB,
        socket_path=Path(settings.socket),
        hold_seconds=float(settings.hold_seconds),
        balancer=BalancerConfig(
            cache_factor=settings.cache_factor,
            floor_kib=settings.floor_mib * KIB_PER_MIB,
            threshold_kib=settings.threshold_mib * KIB_PER_MIB,
            band=settings.band,
        ),
    )


def render_config_file(settings: MemoryBalancer, uri: str,
                       domains: Iterable[str] | Mapping[str, Iterable[str]],
                       exclusive: str | None = None) -> bytes:
    """Deterministic bytes (sorted keys and names, every default written out): the same pillar gives
    the same file, which is how the state sees that nothing changed. ``domains`` by workstation
    (``shared_config.py``): the file lists them so, and the daemon balances their union.
    ``exclusive``: the exclusive-mode record's path (written only when given)."""
    body: dict[str, Any] = {"uri": uri, **settings.model_dump(mode="json")}
    if isinstance(domains, Mapping):
        body[WORKSTATIONS_KEY] = {ws: sorted(names) for ws, names in domains.items()}
        domains = {name for names in domains.values() for name in names}
    body["domains"] = sorted(domains)
    if exclusive is not None:
        body["exclusive"] = exclusive
    return _dump(body)


def _dump(body: dict[str, Any]) -> bytes:
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


def digest(content: bytes) -> str:
    """What the daemon runs: the file but its ``workstations`` entry (who declared which domain)."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if isinstance(body, dict) and WORKSTATIONS_KEY in body:
        del body[WORKSTATIONS_KEY]
        content = _dump(body)
    return hashlib.sha256(content).hexdigest()


def load_config_file(path: Path) -> tuple[DaemonConfig, str]:
    """The daemon's settings and the digest of the bytes they came from; ValueError when invalid."""
    content = path.read_bytes()
    try:
        raw: Any = json.loads(content)
    except ValueError as error:
        raise ValueError(f"{path}: not JSON: {error}") from error
    if isinstance(raw, dict):
        raw.pop(WORKSTATIONS_KEY, None)  # whose each domain is: the daemon balances them all
    domains = raw.pop("domains", None) if isinstance(raw, dict) else None
    if (not isinstance(raw, dict) or not isinstance(raw.get("uri"), str)
            or not isinstance(domains, list) or not all(isinstance(d, str) for d in domains)):
        raise ValueError(f"{path}: expected an object with 'uri', 'domains' (a list of names) and "
                         "the keys of bulkhead:memory")
    uri = raw.pop("uri")
    exclusive = raw.pop("exclusive", None)
    if exclusive is not None and (not isinstance(exclusive, str) or not exclusive.startswith("/")):
        raise ValueError(f"{path}: 'exclusive' must be an absolute path")
    try:
        settings = MemoryBalancer.model_validate(raw, by_name=False)
    except pydantic.ValidationError as error:
        issues = issues_from(error, MemoryBalancer, (str(path),))
        raise ValueError("\n".join(str(issue) for issue in issues)) from error
    return daemon_config(settings, uri, domains, exclusive), digest(content)
