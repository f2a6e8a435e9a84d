"""Raw-libvirt removal of bench objects by exact name; used where no state owns the removal."""

from __future__ import annotations

from typing import Any

import libvirt


def drop_domains(raw: Any, names: list[str]) -> None:
    present = {d.name(): d for d in raw.listAllDomains(0)}
    for name in names:
        dom = present.get(name)
        if dom is not None:
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)


def drop_network(raw: Any, name: str) -> None:
    for net in raw.listAllNetworks(0):
        if net.name() == name:
            if net.isActive():
                net.destroy()
            net.undefine()


def drop_pool(raw: Any, name: str) -> None:
    """Delete the pool's volumes (all of them are the bench's: the pool is) and the pool."""
    for pool in raw.listAllStoragePools(0):
        if pool.name() == name:
            if not pool.isActive():
                pool.create(0)
            pool.refresh(0)
            for vol in pool.listAllVolumes(0):
                vol.delete(0)
            pool.destroy()
            pool.undefine()
