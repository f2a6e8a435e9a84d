"""Every name and path bulkhead derives from a domain name, in one place.

Both the plan (what to create) and apply (what to look up, what to delete) use these, so the two
can never disagree about which libvirt object belongs to which domain.
"""

from __future__ import annotations

import hashlib

NETWORK_PREFIX = "bulkhead-"
AGENT_CHANNEL = "org.bulkhead.agent.0"
CONSOLE_LOG_DIR = "/var/log/bulkhead"
AGENT_SOCKET_DIR = "/run/bulkhead/agent"
# The RPC channel: the broker knows who calls by the socket a request arrives on.
RPC_CHANNEL = "org.bulkhead.rpc.0"
RPC_SOCKET_DIR = "/run/bulkhead/rpc"
# The GUI channel (gui: true): root's folder; the GUI relay hands each connection to the
# domain's sandboxed waypipe client, which never sees the folder (gui/relay.py).
GUI_CHANNEL = "org.bulkhead.gui.0"
GUI_SOCKET_DIR = "/run/bulkhead/gui"


def network_name(provider: str) -> str:
    """The libvirt network owned by the domain ``provider`` (one that provides_network)."""
    return f"{NETWORK_PREFIX}{provider}"


def bridge_name(provider: str) -> str:
    # Linux interface names are limited to 15 characters (IFNAMSIZ - 1); domain names may have 31,
    # so the bridge is named by a hash: 'bh-' + 8 hex digits = 11 characters.
    return "bh-" + hashlib.sha256(provider.encode()).hexdigest()[:8]


def console_log(domain: str) -> str:
    return f"{CONSOLE_LOG_DIR}/{domain}.log"


def agent_socket(domain: str) -> str:
    return f"{AGENT_SOCKET_DIR}/{domain}.sock"


def rpc_socket(domain: str) -> str:
    return f"{RPC_SOCKET_DIR}/{domain}.sock"


def gui_socket(domain: str) -> str:
    return f"{GUI_SOCKET_DIR}/{domain}.sock"


def root_volume(domain: str, fmt: str = "qcow2") -> str:
    return f"{domain}-root.{fmt}"


def private_volume(domain: str) -> str:
    return f"{domain}-private.qcow2"


def config_volume(domain: str) -> str:
    return f"{domain}-config.tar"


def firewall_volume(domain: str) -> str:
    """A netvm's boot ruleset (net/boot_ruleset.py), written by the firewall state."""
    return f"{domain}-firewall.raw"


def own_volume_names(domain: str) -> tuple[str, ...]:
    """Every volume name a domain can own, whatever its class (root may be raw or qcow2)."""
    return (root_volume(domain, "qcow2"), root_volume(domain, "raw"), private_volume(domain),
            config_volume(domain), firewall_volume(domain))


def image_format(path: str) -> str:
    """The volume format of an image file, from its name: ``.qcow2`` or else raw."""
    return "qcow2" if path.endswith(".qcow2") else "raw"
