"""The pillar schema: what an admin may write under the ``bulkhead`` pillar key.

Every model is frozen and forbids unknown keys, and every value is strict (no silent coercion:
``netvm: no`` or ``memory: {initial: 1e3}`` are errors). Rules between keys and between domains
(templates, netvms, cycles, addresses) are checked in ``checks.py`` so that all problems are
reported at once, each with its own pillar path.
"""

from __future__ import annotations

import ipaddress
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StringConstraints

from .cpu_partition import PARTITION_NAME_RULE, CpuPartition, PartitionName
from .fields import (
    IPV4_INTERFACE_RULE,
    IPV4_RULE,
    NAME_PATTERN,
    NAME_RULE,
    NETVM_RULE,
    PATH_RULE,
    POOL_RULE,
    TAG_RULE,
    AbsPath,
    AddressPool,
    DomainName,
    IPv4InterfaceText,
    IPv4Text,
    NetVM,
    Rule,
    TagName,
    key,
)
from .firewall import FirewallRule
from .gui import HostGui
from .images import DebianImage, ImageName
from .label import LABEL_RULE, Label
from .memory_balancer import MemoryBalancer
from .rpc_policy import PolicyConfig
from .tcb import TcbConfig
from .workstation import WORKSTATION_RULE, WorkstationName

__all__ = [
    "MAX_MEMORY_MIB",
    "MAX_VCPUS",
    "MIN_MEMORY_MIB",
    "NAME_PATTERN",
    "Domain",
    "DomainClass",
    "DomainName",
    "DomainType",
    "FirewallRule",
    "Formula",
    "FormulaPaths",
    "Host",
    "Label",
    "Memory",
    "Pillar",
    "TemplateImage",
    "Uplink",
]

MIN_MEMORY_MIB = 32
MAX_MEMORY_MIB = 1024 * 1024
MAX_VCPUS = 256
MIB_RULE = f"must be a whole number of MiB from {MIN_MEMORY_MIB} to {MAX_MEMORY_MIB}"


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




class Memory(Frozen):
    """Memory in MiB: ``initial`` at boot, ``max`` the balloon ceiling, ``min`` the balancer floor.
    """

    initial: StrictInt = key(
        256, ge=MIN_MEMORY_MIB, le=MAX_MEMORY_MIB, doc="Memory at boot, in MiB.", rule=MIB_RULE
    )
    max: StrictInt | None = key(
        None,
        ge=MIN_MEMORY_MIB,
        le=MAX_MEMORY_MIB,
        doc="Most memory the balancer may give the domain, in MiB; absent means initial.",
        rule=MIB_RULE + ", at least initial",
    )
    min: StrictInt | None = key(
        None,
        ge=MIN_MEMORY_MIB,
        le=MAX_MEMORY_MIB,
        doc="Least memory the balancer leaves the domain, in MiB; absent means the smaller of "
            "initial and 128.",
        rule=MIB_RULE + ", at most initial",
    )

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

    kind: Literal["kernel", "disk"] = key(
        doc="kernel: direct kernel boot of kernel + initrd with root as /dev/vda; disk: a bootable "
            "disk image.",
        rule="must be kernel or disk",
    )
    root: AbsPath = key(
        doc="The root filesystem (kernel) or bootable disk image (disk), raw or qcow2.",
        rule=PATH_RULE,
    )
    kernel: AbsPath | None = key(
        None,
        doc="The kernel to boot; required with kind kernel, not allowed with disk.",
        rule=PATH_RULE,
    )
    initrd: AbsPath | None = key(
        None, doc="The initramfs; required with kind kernel, not allowed with disk.", rule=PATH_RULE
    )
    cmdline: Annotated[
        str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9 ._=/,:+-]*$", max_length=1024)
    ] = key(
        "",
        doc="Extra kernel command line, appended to bulkhead's own; only with kind kernel.",
        rule="must be at most 1024 characters: letters, digits, spaces and . _ = / , : + -",
    )


EXTERNAL_NETWORK_RULE = (
    "must be the name of an existing libvirt network that bulkhead does not manage (letters, "
    "digits, "
    "'_', '.' and '-', not starting with 'bulkhead-')"
)


class Uplink(Frozen):
    """A NIC on a libvirt network outside bulkhead (the role of sys-net's physical network card)."""

    network: Annotated[
        str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    ] = key(
        doc="An existing libvirt network bulkhead does not manage, such as libvirt's 'default'.",
        rule=EXTERNAL_NETWORK_RULE,
    )
    address: IPv4InterfaceText = key(
        doc="This domain's static address on that network, with its prefix (192.168.122.2/24).",
        rule=IPV4_INTERFACE_RULE,
    )
    gateway: IPv4Text | None = key(
        None,
        doc="The router on that network; absent: no default route.",
        rule=IPV4_RULE + " inside address's network",
    )
    dns: tuple[IPv4Text, ...] = key(
        (),
        doc="DNS servers reached through this uplink; clients' DNS is forwarded to the first one.",
        rule="must be a list of IPv4 addresses",
    )


class UplinkNetwork(Frozen):
    """A libvirt network for netvms' uplinks, defined by ``bulkhead.host`` when libvirt has none
    of that name; an existing network of that name is used as it is, never changed."""

    forward: Literal["none", "nat"] = key(
        "none", doc="none: an isolated bridge with no host address (a lab); nat: libvirt routes it "
                    "out through the host, which has `address` on it (the uplinks' gateway).",
        rule="must be none or nat")
    address: IPv4InterfaceText | None = key(
        None, doc="The host's address on a nat network, with its prefix (192.168.150.1/24).",
        rule=IPV4_INTERFACE_RULE)


class Domain(Frozen):
    """One isolated domain (a Qubes qube)."""

    class_: DomainClass = key(
        alias="class",
        doc=(
            "template: provides the root filesystem of app domains; app: root from its template "
            "(reset "
            "at each start), private volume persists; disposable: nothing persists; standalone: "
            "its own "
            "root, booted from its image."
        ),
        rule="must be one of template, app, disposable, standalone",
    )
    template: DomainName | None = key(
        None,
        doc=(
            "For app: the template domain its root comes from. For disposable: the app domain with "
            "template_for_dispvms: true it is started from. Not allowed on template and standalone."
        ),
        rule=NAME_RULE,
    )
    netvm: NetVM = key(
        None,
        doc="The domain that gives this one its network; 'none' or absent: no network interface at "
            "all.",
        rule=NETVM_RULE,
    )
    uplink: Uplink | None = key(
        None,
        doc=(
            "A NIC on a network outside bulkhead (sys-net's way out); only with netvm: none. The "
            "address is static; clean-traffic guards it on the host side."
        ),
    )
    provides_network: StrictBool = key(
        False,
        doc="This domain serves a network to the domains that name it as netvm.",
        rule="must be true or false",
    )
    default_dispvm: DomainName | None = key(
        None,
        doc=(
            "The disposable template '@dispvm' means in this domain's RPC calls: an app domain "
            "with "
            "template_for_dispvms: true. Not on disposables (theirs is their template)."
        ),
        rule=NAME_RULE,
    )
    template_for_dispvms: StrictBool = key(
        False,
        doc="Disposables may be started from this app domain.",
        rule="must be true or false (only on app)",
    )
    label: Label = key(
        Label.red,
        doc="Trust label (as in Qubes), from red (least) to black (most trusted).",
        rule=LABEL_RULE,
    )
    vcpus: StrictInt = key(
        1,
        ge=1,
        le=MAX_VCPUS,
        doc="Virtual CPUs.",
        rule=f"must be a whole number from 1 to {MAX_VCPUS}",
    )
    memory: Memory = key(Memory(), doc="Memory bounds in MiB.")
    private_mib: StrictInt = key(
        1024,
        ge=16,
        le=16 * 1024 * 1024,
        doc="Size of the persistent private volume (/rw in the guest), in MiB.",
        rule="must be a whole number of MiB from 16 to 16777216",
    )
    image: TemplateImage | None = key(
        None,
        doc="Where the root comes from; required on template and standalone, not allowed on app "
            "and disposable.",
    )
    running: StrictBool = key(
        False, doc="Start the domain (true) or shut it down (false).", rule="must be true or false"
    )
    autostart: StrictBool | None = key(
        None,
        doc=(
            "Start the domain when the host boots (`bulkhead boot`, in netvm order, each with "
            "bulkhead-memd's admission; its netvm chain starts too); absent means true for a "
            "domain "
            "with provides_network: true, false otherwise."
        ),
        rule="must be true or false",
    )
    ip: IPv4Text | None = key(
        None,
        doc=(
            "Pin this domain's address; absent: bulkhead allocates one from host:address_pool and "
            "keeps "
            "it. Not allowed on a domain without a network interface."
        ),
        rule=IPV4_RULE
        + " inside host:address_pool, not its network, first or broadcast address, unique",
    )
    cpu_partition: PartitionName | None = key(
        None,
        doc="The host:cpu_partitions entry this domain runs in; absent: the partition listing its "
            "label (required then when host:cpu_partitions is set).",
        rule=PARTITION_NAME_RULE + ", one of host:cpu_partitions",
    )
    gui: StrictBool = key(
        False,
        doc="Show this domain's application windows on the host (`bulkhead run --gui`): a GUI "
        "channel in its definition and a sandboxed relay into host:gui:wayland_display while it "
        "runs (docs/gui.md). Never on a domain that provides network or has an uplink.",
        rule="must be true or false",
    )
    tags: tuple[TagName, ...] = key((), doc="Tags for RPC policy (@tag:NAME).", rule=TAG_RULE)
    firewall: tuple[FirewallRule, ...] = key(
        (),
        doc="Ordered rules for this domain's outgoing traffic, applied by its netvm; first match "
            "wins, then drop.",
        rule="must be a list of rules (mappings)",
    )

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def has_network(self) -> bool:
        """True when the domain gets a NIC on its netvm's network (``netvm: none`` is None here)."""
        return self.netvm is not None

    @property
    def has_way_out(self) -> bool:
        """True when the domain's traffic can leave it: through a netvm or its own uplink."""
        return self.has_network or self.uplink is not None

    @property
    def starts_at_boot(self) -> bool:
        """``autostart`` as given, else true for netvms (Qubes starts sys-net and sys-firewall)."""
        return self.autostart if self.autostart is not None else self.provides_network

    @property
    def trust_level(self) -> int:
        return self.label.trust_level


class Host(Frozen):
    """The libvirt host the domains run on."""

    uri: Annotated[
        str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9+]*://[A-Za-z0-9._@:/?=&-]*$")
    ] = key(
        "qemu:///system",
        doc="libvirt connection URI.",
        rule="must be a libvirt URI such as qemu:///system (letters, digits and . _ @ : / ? = & -)",
    )
    domain_type: DomainType = key(
        DomainType.auto,
        doc="Hypervisor: kvm, qemu (TCG emulation, where KVM is unusable), xen, or auto (kvm if it "
            "really works, else qemu).",
        rule="must be one of auto, kvm, qemu, xen",
    )
    pool: DomainName = key(
        "bulkhead",
        doc="Name of the libvirt storage pool bulkhead owns.",
        rule=NAME_RULE.replace("domain", "pool"),
    )
    pool_path: AbsPath = key(
        "/var/lib/bulkhead/pool", doc="Directory of that storage pool.", rule=PATH_RULE
    )
    address_pool: AddressPool = key(
        ipaddress.IPv4Network("10.137.0.0/16"),
        doc="Addresses given to domains come from this network.",
        rule=POOL_RULE,
    )
    cpu_partitions: dict[PartitionName, CpuPartition] = key(
        {},
        doc="Host CPUs by trust: each partition's CPUs run only its domains (by label or by "
            "cpu_partition); absent: domains may run on any CPU. Checked against the host's cores "
            "and SMT siblings when planning (docs/cpu-partitions.md).",
        rule="must be a mapping of partition name to {cpus, labels}",
    )
    workstation: WorkstationName | None = key(
        None,
        doc="The workstation every object of this pillar belongs to; default: the Salt minion id. "
            "Several workstations may share one libvirt host: a run changes only its own objects.",
        rule=WORKSTATION_RULE,
    )
    uplinks: dict[
        Annotated[
            str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
            Rule("uplink names are libvirt network names: letters, digits, '_', '.' and '-', "
                 "starting with a letter or digit, at most 64 characters"),
        ],
        UplinkNetwork,
    ] = key(
        {},
        doc="Uplink networks bulkhead.host defines when libvirt has none of that name, by name.",
        rule="must be a mapping of libvirt network name to uplink network",
    )
    gui: HostGui = key(HostGui(), doc="Where GUI domains' windows go (docs/gui.md).")


class FormulaPaths(Frozen):
    """Where the formula keeps the host daemons' files.

    The defaults shown are the host's own workstation's (named like the machine's minion id);
    another workstation's broker, disposables, firewall records, plan cache (and policy
    directory) default to ``.../workstations/<name>/...`` (``workstation_paths.py``), so it
    needs none set here.
    bulkhead-memd's files and the lock are the host's. A separate instance (the test suite)
    points every one elsewhere and can then neither stop nor rewrite the installed one.
    """

    memd_config: AbsPath = key("/etc/bulkhead/memd.json", doc="bulkhead-memd's configuration file.",
                               rule=PATH_RULE)
    memd_pidfile: AbsPath = key(
        "/run/bulkhead/memd.pid", doc="bulkhead-memd's pidfile.", rule=PATH_RULE
    )
    memd_log: AbsPath = key(
        "/var/log/bulkhead/memd.log", doc="bulkhead-memd's log.", rule=PATH_RULE
    )
    broker_pillar: AbsPath = key(
        "/etc/bulkhead/broker-pillar.json",
        doc="The pillar facts (tags, classes) the RPC broker reads.",
        rule=PATH_RULE,
    )
    broker_pidfile: AbsPath = key(
        "/run/bulkhead/broker.pid", doc="The RPC broker's pidfile.", rule=PATH_RULE
    )
    broker_log: AbsPath = key(
        "/var/log/bulkhead/broker.log", doc="The RPC broker's log.", rule=PATH_RULE
    )
    dispvm_registry: AbsPath = key(
        "/var/lib/bulkhead/dispvms",
        doc="Where the RPC broker registers the disposables it creates (the firewall state reads "
            "it).",
        rule=PATH_RULE,
    )
    firewall_records: AbsPath = key(
        "/var/lib/bulkhead/firewall",
        doc="Where the firewall state records each netvm's delivered rules.",
        rule=PATH_RULE,
    )
    image_records: AbsPath = key(
        "/var/lib/bulkhead/images",
        doc="Where the image state records what each template image's build digest depends on "
        "(its cheap no-op); the image cache itself is only read.",
        rule=PATH_RULE,
    )
    plan_cache: AbsPath = key(
        "/var/cache/bulkhead/plans",
        doc="Where runs keep the plans they made, each named by the sha256 of all it was made "
            "from, so that a new process's no-op loads its plan (virt/plan_memo.py), and what "
            "they read from definitions (virt/same_properties.py, virt/record_memo.py); deleting "
            "it only costs planning and parsing again. Another workstation than the host's own "
            "has its own by default (workstations/<name>/plans).",
        rule=PATH_RULE)
    locks: AbsPath = key(
        "/run/bulkhead/locks",
        doc="Where the apply lock lives (apply.lock): one bulkhead run changes the host at a time.",
        rule=PATH_RULE)
    exclusive: AbsPath = key(
        "/var/lib/bulkhead/exclusive.json",
        doc="The exclusive-mode record: which domains `bulkhead exclusive` paused, for whom; the "
            "next bulkhead command or boot resumes them if that run died.",
        rule=PATH_RULE)


class Formula(Frozen):
    """Settings of the Salt formula itself (read by states/bulkhead/map.jinja)."""

    manage_power: StrictBool = key(
        True,
        doc="Apply each domain's running flag (start/stop); false: only define the domains.",
        rule="must be true or false",
    )
    shutdown_timeout: StrictInt = key(
        60,
        ge=1,
        le=3600,
        doc="Seconds to wait for a graceful shutdown before forcing a domain off.",
        rule="must be a whole number of seconds from 1 to 3600",
    )
    lock_timeout: StrictInt = key(
        300,
        ge=0,
        le=86400,
        doc="Seconds a run waits for the apply lock another run holds before it fails naming it.",
        rule="must be a whole number of seconds from 0 to 86400",
    )
    xml_diff: StrictBool = key(
        False,
        doc="Show the full libvirt XML diff of a redefined domain or network in the state's "
            "changes; false: one line per changed property (a state's xml_diff argument wins).",
        rule="must be true or false",
    )
    paths: FormulaPaths = key(
        FormulaPaths(),
        doc="Files of the daemons the formula runs; a second workstation on a host gets its own "
        "by default (workstations/<name>/ in each path); change them for a separate instance.",
    )


class Pillar(Frozen):
    """The value of the ``bulkhead`` pillar key."""

    host: Host = key(Host(), doc="The libvirt host.")
    domains: dict[DomainName, Domain] = key(
        {}, doc="The domains, by name.", rule="must be a mapping of domain name to domain"
    )
    formula: Formula = key(Formula(), doc="Salt formula settings.")
    images: dict[ImageName, DebianImage] = key(
        {},
        doc="Templates bulkhead builds under /var/cache/bulkhead/images (state "
            "bulkhead_image.built).",
        rule="must be a mapping of image name to image",
    )
    policy: PolicyConfig = key(
        PolicyConfig(), doc="RPC policy files (the qrexec policy v5 grammar)."
    )
    memory: MemoryBalancer | None = key(
        None,
        doc="The memory balancer bulkhead-memd; absent: none runs and domains keep their initial "
            "memory.",
    )
    tcb: TcbConfig = key(
        TcbConfig(), doc="The trusted computing base report's accepted deviations."
    )
    prune: StrictBool = key(
        False,
        doc="Remove this workstation's domains and networks the pillar no longer declares "
            "(bulkhead.clean does it always); private volumes are kept unless named in purge.",
        rule="must be true or false",
    )
    purge: tuple[DomainName, ...] = key(
        (), doc="Removed domains whose private volume pruning deletes too (their data is lost).",
        rule="must be a list of domain names",
    )

    @property
    def workstation(self) -> str:
        """The workstation this pillar's objects belong to (``load_pillar`` always sets it)."""
        if self.host.workstation is None:
            raise ValueError("bulkhead:host:workstation was not resolved (use load_pillar)")
        return self.host.workstation
