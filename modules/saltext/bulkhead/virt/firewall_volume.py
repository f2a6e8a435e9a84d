"""Reading and writing a netvm's firewall volume (layout: net/boot_ruleset.py) through libvirt."""

from __future__ import annotations

from typing import Any

import libvirt

from ..net import boot_ruleset
from ..plan import names
from .connection import Connection
from .errors import BulkheadVirtError
from .inventory import lookup


class FirewallVolumes:
    """The firewall volumes of one storage pool.

    Example::

        volumes = FirewallVolumes(conn, "bulkhead")
        if volumes.exists("sys-firewall") and volumes.boot_sha("sys-firewall") != ruleset.sha256:
            volumes.write("sys-firewall", ruleset.text)
    """

    def __init__(self, conn: Connection, pool: str) -> None:
        self.conn = conn
        self.pool = pool

    def _volume(self, netvm: str) -> Any | None:
        pool = lookup(self.conn.storagePoolLookupByName, self.pool)
        if pool is None or not pool.isActive():
            return None
        return lookup(pool.storageVolLookupByName, names.firewall_volume(netvm))

    def exists(self, netvm: str) -> bool:
        return self._volume(netvm) is not None

    def boot_sha(self, netvm: str) -> str | None:
        """The sha256 of the intact ruleset the volume holds; None when blank, torn or absent."""
        vol = self._volume(netvm)
        if vol is None:
            return None
        try:
            return boot_ruleset.decode(self._download(vol))
        except libvirt.libvirtError as exc:
            raise BulkheadVirtError(f"cannot read {names.firewall_volume(netvm)}: {exc}") from None

    def write(self, netvm: str, text: str) -> None:
        vol = self._volume(netvm)
        if vol is None:
            raise BulkheadVirtError(f"{netvm} has no volume {names.firewall_volume(netvm)}: "
                                    "apply its domain first")
        content = boot_ruleset.encode(text)
        # One stream over the whole volume: an interrupted write leaves a header whose hash the
        # body does not match, which the guest and boot_sha both treat as blank (fail closed).
        stream = self.conn.newStream(0)
        vol.upload(stream, 0, len(content), 0)
        for start in range(0, len(content), 256 * 1024):
            stream.send(content[start:start + 256 * 1024])
        stream.finish()

    def _download(self, vol: Any) -> bytes:
        size = boot_ruleset.VOLUME_BYTES
        stream = self.conn.newStream(0)
        vol.download(stream, 0, size, 0)
        chunks, received = [], 0
        while received < size:
            chunk = stream.recv(size - received)
            if not chunk:  # end of the volume
                break
            chunks.append(chunk)
            received += len(chunk)
        stream.finish()
        return b"".join(chunks)
