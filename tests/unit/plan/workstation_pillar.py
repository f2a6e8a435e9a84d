"""The pillar the plan goldens are rendered from: every domain class and a netvm chain."""

from tests.guests import IMAGE

KERNEL_IMAGE = {**IMAGE, "cmdline": "loglevel=3"}

WORKSTATION = {
    "host": {"pool": "bulkhead", "pool_path": "/var/lib/bulkhead/pool", "address_pool": "10.137.0.0/24",
             "workstation": "ws-golden"},
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
                 "ip": "10.137.0.50", "private_mib": 2048},
        "vault": {"class": "app", "template": "debian", "label": "black"},
        "dvm": {"class": "app", "template": "debian", "template_for_dispvms": True, "netvm": "sys-firewall"},
        "disp1": {"class": "disposable", "template": "dvm", "netvm": "sys-firewall", "label": "red"},
    },
}
