"""The bench workload: one kernel template and N app domains, a third of them behind a netvm.

bulkhead gets a pillar; saltext-virt gets the closest equivalent virt.* state arguments (same
memory, vcpus, kernel, disks in a dir pool, NIC on an isolated network). Everything is named
``bhbench-`` so that cleanup can find it and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "bhbench-"
IMAGE_DIR = Path("/var/cache/bulkhead/images/debian-min")
SYSTEM = "qemu:///system"
MEMORY_MIB = 128
PRIVATE_MIB = 64


@dataclass(frozen=True)
class Workload:
    """Names for one side (bulkhead or saltext-virt) of one size."""

    side: str
    apps: int
    image_dir: Path = IMAGE_DIR  # the bench runs on its own copy (another run may rebuild this)

    @property
    def template(self) -> str:
        return f"{PREFIX}{self.side}-tpl"

    @property
    def netvm(self) -> str:
        return f"{PREFIX}{self.side}-net"

    @property
    def pool(self) -> str:
        return f"{PREFIX}{self.side}-pool"

    def app(self, index: int) -> str:
        return f"{PREFIX}{self.side}-app{index:03d}"

    def app_names(self) -> list[str]:
        # The netvm is one of the N apps, so N counts every domain besides the template.
        return [self.netvm] + [self.app(i) for i in range(1, self.apps)]

    def uses_netvm(self, index: int) -> bool:
        return index % 3 == 1

    def domains(self) -> list[str]:
        """Every domain, in apply order (template first)."""
        return [self.template, *self.app_names()]


def image(work: Workload) -> dict[str, str]:
    files = work.image_dir
    return {"kind": "kernel", "root": str(files / "root.img"), "kernel": str(files / "vmlinuz"),
            "initrd": str(files / "initrd.img")}


WORKSTATION = "bhbench"


def pool_dir(uri: str, name: str, scratch: str) -> str:
    # qemu:///system needs a directory libvirt's qemu user can reach; the test driver none at all.
    return f"/var/lib/bulkhead/{name}" if uri == SYSTEM else f"{scratch}/{name}"



def bulkhead_pillar(work: Workload, uri: str, pool_path: str, locks: str) -> dict[str, Any]:
    """``locks``: the bench's own apply lock directory, so that other bulkhead runs on the
    machine neither make it wait nor make it read libvirt again (they touch no bhbench- object).
    The domain type is the pillar's default, ``auto``: what a user's runs resolve at each run
    (``resolved_once`` fills its verdict cache first, as a host's first apply since boot does)."""
    sized = {"memory": {"initial": MEMORY_MIB}, "vcpus": 1}
    domains: dict[str, Any] = {
        work.template: {"class": "template", "image": image(work), "netvm": "none", **sized},
        work.netvm: {
            "class": "app",
            "template": work.template,
            "provides_network": True,
            "netvm": "none",
            "private_mib": PRIVATE_MIB,
            **sized,
        },
    }
    for i in range(1, work.apps):
        domains[work.app(i)] = {
            "class": "app",
            "template": work.template,
            "private_mib": PRIVATE_MIB,
            "netvm": work.netvm if work.uses_netvm(i) else "none",
            **sized,
        }
    return {
        "host": {
            "uri": uri,
            "domain_type": "auto",
            "pool": work.pool,
            "pool_path": pool_path,
            "workstation": WORKSTATION,
        },
        "formula": {"paths": {"locks": locks}},
        "domains": domains,
    }


def saltvirt_domains(work: Workload, template_root: str, vm_type: str) -> list[dict[str, Any]]:
    """virt.defined keyword arguments per domain, template first.

    The template's root is a raw volume filled from the image; each app gets a qcow2 root overlay
    backed by it (backing_store_path) and a private qcow2 volume, all in the dir pool.
    """
    files = work.image_dir
    boot = {"kernel": str(files / "vmlinuz"), "initrd": str(files / "initrd.img"),
            "cmdline": "console=ttyS0 root=/dev/vda"}
    root_mib = (files / "root.img").stat().st_size >> 20
    common = {"cpu": 1, "mem": MEMORY_MIB, "vm_type": vm_type, "boot": boot, "graphics": None}
    out = [dict(common, name=work.template, interfaces=[], disks=[
        {"name": "root", "pool": work.pool, "format": "raw", "size": root_mib,
         "image": str(files / "root.img")}])]
    for i, name in enumerate(work.app_names()):
        nic = i == 0 or work.uses_netvm(i)
        out.append(dict(common, name=name, disks=[
            {"name": "root", "pool": work.pool, "format": "qcow2", "size": root_mib,
             "backing_store_path": template_root, "backing_store_format": "raw"},
            {"name": "private", "pool": work.pool, "format": "qcow2", "size": PRIVATE_MIB},
        ], interfaces=[{"name": "eth0", "type": "network", "source": work.netvm}] if nic else []))
    return out


def resolved_once(raw: Any, uri: str, image_dir: Path) -> str:
    """Resolve ``auto`` for the bench's kernel before anything is timed: the KVM probes' verdicts
    are cached until the host boots again (a new host's boot probe takes up to 10 s, and the
    bench's copy of the kernel is hashed once)."""
    from saltext.bulkhead.virt.hypervisor import resolve

    return resolve(raw, "auto", kernel=str(image_dir / "vmlinuz"),
                   domain_caps=not uri.startswith("test:"))
