"""The pillar schema: what an admin may write under the ``bulkhead`` pillar key.

Every model is frozen and strict (no silent coercion: ``netvm: no`` or ``memory: 1e3`` are errors)
and forbids unknown keys. Cross-references (templates, netvms, cycles) are checked in ``checks.py``
so that all problems are reported at once with their pillar paths.
"""

from __future__ import annotations

import ipaddress
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

# Lowercase letters, digits and '-', starting with a letter, at most 31 characters: nothing that can
# escape XML, a path, a shell or an nft rule.
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"
DomainName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, strict=True)]
TagName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,30}$", strict=True)]
AbsPath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9._/+-]*$", max_length=4096, strict=True)]

MIN_MEMORY_MIB = 32
MAX_MEMORY_MIB = 1024 * 1024
MAX_VCPUS = 256


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DomainClass(str, Enum):
    template = "template"
    app = "app"
    disposable = "disposable"
    standalone = "standalone"


class DomainType(str, Enum):
    auto = "auto"
    kvm = "kvm"
    qemu = "qemu"
    xen = "xen"


class Label(str, Enum):
    """Qubes trust labels, from least to most trusted."""

    red = "red"
    orange = "orange"
    yellow = "yellow"
    green = "green"
    gray = "gray"
    blue = "blue"
    purple = "purple"
    black = "black"

    @property
    def trust_level(self) -> int:
        return list(Label).index(self)


class Memory(Frozen):
    """Memory in MiB: ``initial`` at boot, ``max`` the balloon ceiling, ``min`` the balancer floor."""

    initial: StrictInt = Field(256, ge=MIN_MEMORY_MIB, le=MAX_MEMORY_MIB)
    max: StrictInt | None = Field(None, ge=MIN_MEMORY_MIB, le=MAX_MEMORY_MIB)
    min: StrictInt | None = Field(None, ge=MIN_MEMORY_MIB, le=MAX_MEMORY_MIB)

    @property
    def maximum(self) -> int:
        return self.max if self.max is not None else self.initial

    @property
    def minimum(self) -> int:
        return self.min if self.min is not None else min(self.initial, MIN_MEMORY_MIB * 4)


class TemplateImage(Frozen):
    """Where a template's root comes from.

    ``kind: kernel``: direct kernel boot of ``kernel`` + ``initrd`` with ``root`` as /dev/vda.
    ``kind: disk``: a bootable disk image (qcow2 or raw) booted by the firmware.
    """

    kind: Literal["kernel", "disk"]
    root: AbsPath
    kernel: AbsPath | None = None
    initrd: AbsPath | None = None
    cmdline: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 ._=/,:-]*$", max_length=1024)] = ""


class FirewallRule(Frozen):
    action: Literal["accept", "drop"]
    dsthost: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.:/-]{1,253}$")] | None = None
    proto: Literal["tcp", "udp", "icmp"] | None = None
    dstports: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,5}(-[0-9]{1,5})?$")] | StrictInt | None = None
    icmptype: StrictInt | None = Field(None, ge=0, le=255)
    specialtarget: Literal["dns"] | None = None
    expire: StrictInt | None = Field(None, ge=0)
    comment: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 ._,:()-]*$", max_length=200)] | None = None


class Domain(Frozen):
    class_: DomainClass = Field(alias="class")
    template: DomainName | None = None
    netvm: Annotated[str, StringConstraints(strict=True)] | None = None
    provides_network: StrictBool = False
    template_for_dispvms: StrictBool = False
    label: Label = Label.red
    vcpus: StrictInt = Field(1, ge=1, le=MAX_VCPUS)
    memory: Memory = Memory()
    private_mib: StrictInt = Field(1024, ge=16, le=16 * 1024 * 1024)
    image: TemplateImage | None = None
    running: StrictBool = False
    autostart: StrictBool = False
    ip: ipaddress.IPv4Address | None = None
    tags: tuple[TagName, ...] = ()
    firewall: tuple[FirewallRule, ...] = ()

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def has_network(self) -> bool:
        return self.netvm not in (None, "none")


class Host(Frozen):
    uri: Annotated[str, StringConstraints(pattern=r"^[a-z0-9+]+://[A-Za-z0-9._@:/?=&-]*$")] = "qemu:///system"
    domain_type: DomainType = DomainType.auto
    pool: DomainName = "bulkhead"
    pool_path: AbsPath = "/var/lib/bulkhead/pool"
    address_pool: ipaddress.IPv4Network = ipaddress.IPv4Network("10.137.0.0/16")


class Pillar(Frozen):
    host: Host = Host()
    domains: dict[DomainName, Domain] = {}
