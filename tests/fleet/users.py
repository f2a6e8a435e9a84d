"""The fleet tier's workstations: one pillar per user (``pillar/users/<minion id>.sls``), every
libvirt name prefixed and every daemon file under the test's own directory, so that nothing of
a workstation installed on this host is seen, changed or stopped."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from saltext.bulkhead.image.build import DEFAULT_CACHE
from saltext.bulkhead.model import Pillar, load_pillar
from tests.topology import own_files

IMAGES = Path(os.environ.get("BULKHEAD_IMAGE_CACHE", DEFAULT_CACHE)) / "debian-min"
SIZE = {"vcpus": 1, "memory": {"initial": 128, "max": 192}}


def domains(short: str, *, running: bool, uplink: str) -> dict:
    """A template, a netvm going out through ``uplink`` and one client: what isolation needs."""
    image = {"kind": "kernel", "root": f"{IMAGES}/root.img", "kernel": f"{IMAGES}/vmlinuz",
             "initrd": f"{IMAGES}/initrd.img"}
    return {
        f"{short}-tpl": {"class": "template", "label": "black", "netvm": "none", "image": image,
                         **SIZE},
        f"{short}-net": {"class": "app", "template": f"{short}-tpl", "label": "red",
                         "provides_network": True, "netvm": "none", "running": running,
                         "uplink": {"network": uplink, "address": "198.51.100.2/24"}, **SIZE},
        # Everything allowed: it can ping its netvm, the control of the anti-spoofing check.
        f"{short}-work": {"class": "app", "template": f"{short}-tpl", "label": "blue",
                          "netvm": f"{short}-net", "running": running,
                          "firewall": [{"action": "accept"}], **SIZE},
    }


def user_pillar_text(minion_id: str, short: str, root: Path, *, booted: bool,
                     work_mib: int = 128) -> str:
    """The user's pillar file: ``booted`` runs the netvm and its client (TCG guests), else the
    domains are only defined (``formula:manage_power: false``)."""
    uplink = f"{short}-lab"
    own = yaml.safe_load("bulkhead:\n" + own_files(root))["bulkhead"]  # formula:paths, policy:dir
    data = {"host": {"workstation": minion_id, "uri": "qemu:///system", "domain_type": "qemu",
                     "pool": f"{short}-pool",
                     "pool_path": f"/var/lib/bulkhead/{short}-pool", "uplinks": {uplink: {}}},
            "domains": domains(short, running=booted, uplink=uplink), **own,
            # this host's kernel has no AppArmor: the fleet report's TCB check must be told
            "tcb": {"accept": [{"deviation": "security_driver_none",
                                "reason": "the test host's kernel is built without AppArmor"}]}}
    data["domains"][f"{short}-work"]["memory"] = {"initial": work_mib, "max": 192}
    if not booted:
        data["formula"]["manage_power"] = False
    text = yaml.dump({"bulkhead": data}, Dumper=_NoAliases, sort_keys=True)
    return f"# the workstation of {minion_id}\n{text}"


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def model_of(text: str, minion_id: str) -> Pillar:
    return load_pillar(yaml.safe_load(text)["bulkhead"], minion_id)
