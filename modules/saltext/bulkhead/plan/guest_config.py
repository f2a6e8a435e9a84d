"""The per-domain config volume: a POSIX tar with ``name`` and ``config.json`` (guest contract).

The bytes are deterministic (fixed order, mtime, owner and mode) so the same plan always yields
the same archive and its hash can be recorded and compared without reading the volume back.
"""

from __future__ import annotations

import ipaddress
import tarfile
from typing import Any

from ..model import Pillar
from .allocations import Allocation
from .indented_json import dumps_indented

HOST_PREFIX = 32  # Qubes-style point-to-point addressing: every domain is alone on its link


def netvm_clients(pillar: Pillar, allocations: dict[str, Allocation]) -> dict[str, list[str]]:
    """Each netvm's clients' addresses in address order (a guest config's ``clients``), for every
    netvm in one pass over the domains (one pass per netvm made a plan quadratic)."""
    clients: dict[str, list[ipaddress.IPv4Address]] = {}
    for client, domain in pillar.domains.items():
        address = allocations[client].address
        if domain.netvm is not None and address is not None:
            clients.setdefault(domain.netvm, []).append(address)
    return {netvm: [str(a) for a in sorted(addresses, key=int)]
            for netvm, addresses in clients.items()}


def guest_config(pillar: Pillar, allocations: dict[str, Allocation], name: str,
                 clients: list[str]) -> dict[str, Any]:
    """``clients``: its own (``netvm_clients``)."""
    domain = pillar.domains[name]
    own = allocations[name]
    interfaces = []
    dns: list[str] = []
    for index, nic in enumerate(own.nics):
        address, prefix, gateway = _nic_addressing(pillar, allocations, name, nic.role)
        if nic.role == "external" and domain.uplink is not None:
            dns = [str(a) for a in domain.uplink.dns]
        elif nic.role == "uplink" and gateway is not None:
            dns = [gateway]
        interfaces.append({
            # The kernel names NICs in the plan's order; the guest renames by MAC to be sure.
            "name": f"eth{index}",
            "mac": nic.mac,
            "address": address,
            "prefix": prefix,
            "gateway": gateway,
            "role": nic.role,
        })
    return {"name": name, "label": domain.label.value, "interfaces": interfaces, "dns": dns,
            "forward": domain.provides_network, "clients": clients}


def _nic_addressing(pillar: Pillar, allocations: dict[str, Allocation], name: str,
                    role: str) -> tuple[str | None, int, str | None]:
    """(address, prefix, gateway) of one NIC: a static address on an external network, else the
    domain's pool address alone on its link (/32), reached through its netvm."""
    domain = pillar.domains[name]
    if role == "external" and domain.uplink is not None:
        gateway = domain.uplink.gateway
        return (str(domain.uplink.address.ip), domain.uplink.address.network.prefixlen,
                None if gateway is None else str(gateway))
    own = allocations[name].address
    gateway = None
    if role == "uplink":
        upstream = allocations.get(str(domain.netvm))
        if upstream is not None and upstream.address is not None:
            gateway = str(upstream.address)
    return (None if own is None else str(own)), HOST_PREFIX, gateway


def network_lines(config: dict[str, Any]) -> str:
    """The network part of ``config`` as lines the guest's shell reads without a JSON parser:
    ``iface NAME MAC ROLE ADDRESS PREFIX GATEWAY|-``, ``dns IP``, ``client IP``, ``forward``.
    Every field comes from validated pillar or the plan, so none contains spaces."""
    lines = [f"iface {i['name']} {i['mac']} {i['role']} {i['address'] or '-'} {i['prefix']} "
             f"{i['gateway'] or '-'}" for i in config["interfaces"]]
    lines += [f"dns {ip}" for ip in config["dns"]]
    lines += [f"client {ip}" for ip in config["clients"]]
    if config["forward"]:
        lines.append("forward")
    return "".join(line + "\n" for line in lines)


class ConfigArchiver:
    """Writes a plan's config volumes (one per plan: never across plans, every run plans afresh).

    Each archive is byte for byte what ``tarfile`` writes for its members, without ``tarfile``'s
    per-member copying and bookkeeping: ``tarfile`` writes one ustar header per plan, and each
    member's header is that one with the member's name and size (and so the checksum) written
    in."""

    def __init__(self) -> None:
        # tarfile's header for no name and no size, and the sum of its bytes but the name's and
        # the size's (the checksum's own counted as spaces, as POSIX ustar has it)
        self._blank: tuple[bytes, int] | None = None
        self._headers: dict[tuple[str, int], bytes] = {}

    def config_tar(self, config: dict[str, Any]) -> bytes:
        files = {
            "config.json": (dumps_indented(config) + "\n").encode(),
            "name": (config["name"] + "\n").encode(),
            "network": network_lines(config).encode(),
        }
        members = b"".join(self.header(name, len(data)) + _padded(data, tarfile.BLOCKSIZE)
                           for name, data in sorted(files.items()))
        return _padded(members + tarfile.NUL * 2 * tarfile.BLOCKSIZE, tarfile.RECORDSIZE)

    def header(self, name: str, size: int) -> bytes:
        """The ustar header of member ``name`` of ``size`` bytes."""
        header = self._headers.get((name, size))
        if header is None:
            header = self._headers[name, size] = self._written_in(name, size)
        return header

    def _written_in(self, name: str, size: int) -> bytes:
        if not (name.isascii() and len(name) <= _NAME_BYTES and 0 <= size < 8**11):
            return _tarfile_header(name, size)  # a long name or size: tarfile's to write
        if self._blank is None:
            blank = _tarfile_header("", 0)
            self._blank = blank, (sum(blank[_NAME_BYTES:_SIZE]) + sum(blank[_SIZE + 12:_CHECKSUM])
                                  + 8 * ord(" ") + sum(blank[_CHECKSUM + 8:]))
        blank, rest = self._blank
        name_field, size_field = name.encode(), b"%011o\0" % size
        checksum = rest + sum(name_field) + sum(size_field)  # (the name's NUL padding adds 0)
        return (name_field.ljust(_NAME_BYTES, b"\0") + blank[_NAME_BYTES:_SIZE] + size_field
                + blank[_SIZE + 12:_CHECKSUM] + b"%06o\0" % checksum + blank[_CHECKSUM + 7:])


# the name field's length; offsets of the size and checksum fields in a ustar header
_NAME_BYTES, _SIZE, _CHECKSUM = 100, 124, 148


def _tarfile_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = 0
    info.mode = 0o444
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")


def _padded(data: bytes, size: int) -> bytes:
    return data + tarfile.NUL * (-len(data) % size)
