"""Removing a test's own storage pool and directory (after the domains' purge; any volume left
over, e.g. from an interrupted run, goes with it)."""

from __future__ import annotations

import shutil


def remove_pool(conn, name: str, path: str) -> None:
    for pool in conn.listAllStoragePools(0):
        if pool.name() == name:
            if pool.isActive():
                for vol in pool.listAllVolumes():
                    vol.delete()
                pool.destroy()
            pool.undefine()
    shutil.rmtree(path, ignore_errors=True)
