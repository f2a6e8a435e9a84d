"""The RPC channels on the host: every running domain has its own, and only the broker holds it.

The broker knows who calls by the socket a request arrives on, so a channel some other process
is connected to (or waits to connect to) is a process that could speak for that domain.
"""

from __future__ import annotations

import time

from lxml import etree

from saltext.bulkhead.plan import names
from saltext.bulkhead.verify.unix_sockets import connections_to, parse_ss

ATTACH_WAIT_S = 5.0  # the broker's watcher attaches a newly started domain within about 0.5 s


def _channel_paths(live_xml: str) -> list[str]:
    doc = etree.fromstring(live_xml.encode())
    return [
        str(p)
        for p in doc.xpath("devices/channel[target/@name=$n]/source/@path", n=names.RPC_CHANNEL)
    ]


def test_running_domains_have_their_rpc_channel(host, active_domains, libvirt_domains):
    problems = []
    if active_domains:
        folder = host.file(names.RPC_SOCKET_DIR)
        if not folder.is_directory:
            problems.append(f"{names.RPC_SOCKET_DIR} is missing")
        elif folder.user != "root" or folder.mode & 0o077:
            problems.append(
                f"{names.RPC_SOCKET_DIR} is owned by {folder.user} with mode "
                f"{folder.mode:o} (root's alone, 0700: libvirtd binds the channels there)"
            )
    for name in active_domains:
        path = names.rpc_socket(name)
        paths = _channel_paths(libvirt_domains[name].live_xml)
        if paths != [path]:
            problems.append(f"{name}: the running definition's {names.RPC_CHANNEL} channel is at "
                            f"{paths or 'nowhere'}, not {path}")
        if not host.file(path).is_socket:
            problems.append(f"{name}: {path} is not a socket")
    assert not problems, "\n".join(problems)


def _who(holders) -> str:
    return ", ".join(f"{command} (pid {pid})" for command, pid in holders) or "an unknown process"


def _channel_problems(host, active_domains, broker) -> tuple[list[str], bool]:
    """(findings, whether one is only the broker not attached yet)."""
    sockets = parse_ss(host.check_output("ss -xapH"))
    problems, unattached = [], False
    for name in active_domains:
        path = names.rpc_socket(name)
        seen = connections_to(sockets, path)
        if not seen.listening and not seen.clients:
            problems.append(f"{name}: nothing listens on {path}")
        if seen.waiting:
            problems.append(
                f"{name}: {seen.waiting} more client(s) connected to {path}, waiting to be accepted"
            )
        intruders = [holders for holders in seen.clients
                     if broker is None or {pid for _, pid in holders} != {broker.pid}]
        for holders in intruders:
            owner = "no broker runs" if broker is None else f"not the broker (pid {broker.pid})"
            problems.append(f"{name}: {path} is connected to {_who(holders)}, {owner}")
        if broker is not None and len(seen.clients) == len(intruders):
            problems.append(f"{name}: the broker (pid {broker.pid}) is not connected to {path}")
            unattached = True
    return problems, unattached


def test_only_the_broker_is_connected_to_the_channels(host, active_domains, rpc_broker):
    deadline = time.monotonic() + ATTACH_WAIT_S
    problems, unattached = _channel_problems(host, active_domains, rpc_broker)
    while unattached and time.monotonic() < deadline:  # a domain that just started
        time.sleep(0.5)
        problems, unattached = _channel_problems(host, active_domains, rpc_broker)
    assert not problems, "\n".join(problems)
