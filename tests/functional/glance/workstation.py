"""A small workstation defined on test:///default for the glance commands, as a user's would be.

The test driver's default host is shared by the whole process while a connection is open, so
names carry a prefix of their own and the connection the fixture holds is the one keeping them.
"""

from __future__ import annotations

from pathlib import Path

import libvirt
import yaml

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import domain_present

URI = "test:///default"
DOMAINS = ("gl-tpl", "gl-net", "gl-fw", "gl-work", "gl-vault")


def image(tmp_path: Path) -> dict:
    """A template image of small files: the test driver boots nothing."""
    (tmp_path / "img").mkdir(exist_ok=True)
    for part in ("root.img", "vmlinuz", "initrd.img"):
        (tmp_path / "img" / part).write_bytes(bytes(64 * 1024))
    return {"kind": "kernel", "root": str(tmp_path / "img" / "root.img"),
            "kernel": str(tmp_path / "img" / "vmlinuz"),
            "initrd": str(tmp_path / "img" / "initrd.img")}


def pillar_data(tmp_path: Path) -> dict:
    return {"host": {"uri": URI, "workstation": "glancetest", "pool": "glpool",
                     "pool_path": str(tmp_path / "pool")},
            "domains": {
                "gl-tpl": {"class": "template", "label": "black", "image": image(tmp_path)},
                "gl-net": {"class": "app", "template": "gl-tpl", "provides_network": True},
                "gl-fw": {"class": "app", "template": "gl-tpl", "provides_network": True,
                          "netvm": "gl-net", "label": "green"},
                "gl-work": {"class": "app", "template": "gl-tpl", "netvm": "gl-fw", "label": "blue",
                            "memory": {"initial": 256, "max": 512}, "vcpus": 2,
                            "firewall": [{"action": "accept", "proto": "tcp",
                                          "dsthost": "198.51.100.1", "dstports": "443"},
                                         {"action": "accept", "specialtarget": "dns"}]},
                "gl-vault": {"class": "app", "template": "gl-tpl", "label": "black"},
            },
            "formula": {"paths": {"dispvm_registry": str(tmp_path / "dispvms"),
                                  "locks": str(tmp_path / "locks")}}}


def define(conn: libvirt.virConnect, tmp_path: Path, running: tuple[str, ...] = ()) -> Path:
    """Define the workstation (start ``running``); return its pillar file."""
    data = pillar_data(tmp_path)
    pillar = load_pillar(data)
    for name in DOMAINS:
        out = domain_present(conn, pillar, name)
        assert out.result is True, out.comment
    for name in running:
        conn.lookupByName(name).create()
    path = tmp_path / "pillar.sls"
    path.write_text(yaml.safe_dump({"bulkhead": data}))
    return path


def undefine(conn: libvirt.virConnect) -> None:
    for dom in conn.listAllDomains(0):
        if dom.name().startswith("gl-"):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    # The test driver keeps its state while any connection of this process is open (another
    # test's may be): the pool names this test's folder, so it goes too.
    for pool in conn.listAllStoragePools(0):
        if pool.name() == "glpool":
            if pool.isActive():
                pool.destroy()
            pool.undefine()
