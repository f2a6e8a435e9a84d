"""Removing a test's own storage pool (its volumes are deleted by the domains' purge first)."""

from __future__ import annotations

import shutil


def remove_pool(conn, name: str, path: str) -> None:
    for pool in conn.listAllStoragePools(0):
        if pool.name() == name:
            if pool.isActive():
                pool.destroy()
            pool.undefine()
    shutil.rmtree(path, ignore_errors=True)
