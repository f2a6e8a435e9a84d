"""The per-domain config volume: a POSIX tar with ``name`` and ``config.json`` (guest contract).

The bytes are deterministic (fixed order, mtime, owner and mode) so the same plan always yields
the same archive and its hash can be recorded and compared without reading the volume back.
"""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

from ..model import Pillar
from .allocations import Allocation

HOST_PREFIX = 32  # Qubes-style point-to-point addressing: every domain is alone on its link


def guest_config(pillar: Pillar, allocations: dict[str, Allocation], name: str) -> dict[str, Any]:
    domain = pillar.domains[name]
    own = allocations[name]
    interfaces = []
    dns: list[str] = []
    for nic in own.nics:
        gateway = None
        if nic.role == "uplink":
            upstream = allocations.get(str(domain.netvm))
            if upstream is not None and upstream.address is not None:
                gateway = str(upstream.address)
                dns = [gateway]
        interfaces.append({
            "mac": nic.mac,
            "address": str(own.address) if own.address is not None else None,
            "prefix": HOST_PREFIX,
            "gateway": gateway,
            "role": nic.role,
        })
    return {"name": name, "label": domain.label.value, "interfaces": interfaces, "dns": dns}


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o444
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info, io.BytesIO(data)


def config_tar(config: dict[str, Any]) -> bytes:
    files = {
        "config.json": (json.dumps(config, sort_keys=True, indent=1) + "\n").encode(),
        "name": (config["name"] + "\n").encode(),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for fname in sorted(files):
            tar.addfile(*_member(fname, files[fname]))
    return buf.getvalue()
