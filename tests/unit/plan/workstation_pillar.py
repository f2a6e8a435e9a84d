"""The pillar the plan goldens are rendered from: every domain class, a netvm chain and CPU
partitions (by label and by name) on a host of two SMT cores."""

from saltext.bulkhead.plan.cpu_topology import topology_of
from tests.guests import IMAGE

TOPOLOGY = topology_of([[0, 1], [2, 3]])

KERNEL_IMAGE = {**IMAGE, "cmdline": "loglevel=3"}

WORKSTATION = {
    "host": {"pool": "bulkhead", "pool_path": "/var/lib/bulkhead/pool", "address_pool": "10.137.0.0/24",
             "workstation": "ws-golden",
             "cpu_partitions": {"secret": {"cpus": "2-3", "labels": ["black"]},
                                "general": {"cpus": "0-1", "labels": ["red", "green"]}}},
    "domains": {
        "debian": {"class": "template", "image": KERNEL_IMAGE, "netvm": "none", "label": "black"},
        "legacy": {"class": "standalone", "image": {"kind": "disk", "root": "/srv/images/legacy.qcow2"},
                   "netvm": "sys-firewall", "memory": {"initial": 128, "max": 512}, "vcpus": 2},
        "sys-net": {"class": "app", "template": "debian", "provides_network": True, "netvm": "none",
                    "uplink": {"network": "default", "address": "192.168.122.2/24",
                               "gateway": "192.168.122.1", "dns": ["192.168.122.1"]}},
        "sys-firewall": {"class": "app", "template": "debian", "provides_network": True,
                         "netvm": "sys-net", "label": "green"},
        "work": {"class": "app", "template": "debian", "netvm": "sys-firewall", "label": "blue",
                 "ip": "10.137.0.50", "private_mib": 2048, "cpu_partition": "general"},
        "vault": {"class": "app", "template": "debian", "label": "black"},
        "dvm": {"class": "app", "template": "debian", "template_for_dispvms": True, "netvm": "sys-firewall"},
        "disp1": {"class": "disposable", "template": "dvm", "netvm": "sys-firewall", "label": "red"},
    },
}
