"""The storage pool and every volume the pillar's domains need, as plain data plus XML."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lxml import etree

from ..model import Pillar
from ..net import boot_ruleset
from . import lineage, names
from .xmlutil import render, sub, text_sub

MIB = 1024 * 1024


@dataclass(frozen=True)
class PoolPlan:
    name: str
    path: str
    xml: str


@dataclass(frozen=True)
class VolumePlan:
    """One volume. Exactly one of capacity/backing/import_path/content says how to fill it.

    ``fresh_on_start``: recreated before every start (an app's root overlay, a disposable's root
    and private). ``keep``: holds user data and is only deleted on purge (private volumes).
    """

    name: str
    owner: str
    role: str  # root | private | config | firewall
    format: str
    capacity_bytes: int | None = None
    backing: str | None = None
    backing_format: str | None = None
    import_path: str | None = None
    content: bytes | None = None
    fresh_on_start: bool = False
    keep: bool = False
    # sha256 of ``content``, recorded in the domain's metadata and compared on every run: once
    content_sha256: str | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        digest = None if self.content is None else hashlib.sha256(self.content).hexdigest()
        object.__setattr__(self, "content_sha256", digest)  # frozen: set once, here

    def xml(self, pool_path: str, capacity_bytes: int | None = None) -> str:
        """Volume XML for createXML; ``capacity_bytes`` is given by apply for imports."""
        root = etree.Element("volume")
        text_sub(root, "name", self.name)
        size = capacity_bytes if capacity_bytes is not None else self.capacity_bytes
        if self.content is not None:
            size = len(self.content)
        if size is not None:
            text_sub(root, "capacity", size, unit="bytes")
        target = sub(root, "target")
        sub(target, "format", type=self.format)
        if self.backing is not None:
            backing = sub(root, "backingStore")
            text_sub(backing, "path", f"{pool_path}/{self.backing}")
            sub(backing, "format", type=self.backing_format or "qcow2")
        return render(root)


def pool_plan(pillar: Pillar) -> PoolPlan:
    root = etree.Element("pool", type="dir")
    text_sub(root, "name", pillar.host.pool)
    target = sub(root, "target")
    text_sub(target, "path", pillar.host.pool_path)
    return PoolPlan(pillar.host.pool, pillar.host.pool_path, render(root))


def root_volume_name(pillar: Pillar, name: str) -> str:
    domain = pillar.domains[name]
    if domain.image is not None:
        return names.root_volume(name, names.image_format(domain.image.root))
    return names.root_volume(name, "qcow2")


def volume_format(volume_name: str) -> str:
    return volume_name.rsplit(".", 1)[1] if volume_name.endswith((".qcow2", ".raw")) else "raw"


def _root(pillar: Pillar, name: str) -> VolumePlan:
    domain = pillar.domains[name]
    vol = root_volume_name(pillar, name)
    fmt = volume_format(vol)
    if domain.image is not None:
        return VolumePlan(vol, name, "root", fmt, import_path=domain.image.root)
    base_vol = root_volume_name(pillar, lineage.root_base(pillar, name))
    return VolumePlan(
        vol,
        name,
        "root",
        "qcow2",
        backing=base_vol,
        backing_format=volume_format(base_vol),
        fresh_on_start=True,
    )


def _private(pillar: Pillar, name: str) -> VolumePlan:
    domain = pillar.domains[name]
    vol = names.private_volume(name)
    base = lineage.private_base(pillar, name)
    if base is not None:
        return VolumePlan(vol, name, "private", "qcow2", backing=names.private_volume(base),
                          backing_format="qcow2", fresh_on_start=True)
    return VolumePlan(
        vol, name, "private", "qcow2", capacity_bytes=domain.private_mib * MIB, keep=True
    )


def domain_volumes(pillar: Pillar, name: str, config: bytes) -> tuple[VolumePlan, ...]:
    """root (vda), private (vdb), config (vdc), and a netvm's firewall (vdd): the order of the
    guest contract. The firewall volume is created blank (the guest then forwards nothing until
    the host delivers); its content belongs to the firewall state, not to the plan."""
    cfg = VolumePlan(names.config_volume(name), name, "config", "raw", content=config)
    vols = (_root(pillar, name), _private(pillar, name), cfg)
    if pillar.domains[name].provides_network:
        vols += (VolumePlan(names.firewall_volume(name), name, "firewall", "raw",
                            capacity_bytes=boot_ruleset.VOLUME_BYTES),)
    return vols
