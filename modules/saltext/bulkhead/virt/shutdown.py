"""Shut a domain down: ask its guest agent, then ACPI, then pull the plug at the deadline.

bulkhead's guest has no ACPI handling (no acpid in a busybox init), so the power button alone
would always end in ``destroy`` after the full timeout. The agent's ``poweroff`` op flushes the
private volume and powers off within seconds. The agent is only asked when its socket is on this
machine (a local connection; never on libvirt's test driver, whose domains share names with real
ones), and any agent failure falls back to ACPI: a guest that does not cooperate still ends up
off, at the latest when ``timeout`` runs out.

A paused guest can neither answer its agent nor ACPI. One a user paused is resumed first (it can
then flush its private volume as any other); one paused for any other reason (an I/O error, a
watchdog) or suspended by itself cannot run to shut down, so it is destroyed at once instead of
after the whole timeout (power.py).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any
from urllib.parse import urlsplit

import libvirt

from ..agent import AgentClient, AgentError
from ..plan import names
from .connection import Connection
from .power import power_of, settled_power

AGENT_ANSWER_S = 5.0


def local_hypervisor(conn: Connection) -> bool:
    """Does the connection's hypervisor run on this machine (its sockets and logs are ours)?"""
    return conn.getType() != "TEST" and urlsplit(conn.getURI()).hostname in (None, "", "localhost")


def _ask_agent(conn: Connection, name: str) -> str | None:
    """Ask the agent to power off; None when asked, else why not."""
    socket = names.agent_socket(name)
    if not local_hypervisor(conn):
        return "its agent socket is not on this machine"
    if not os.path.exists(socket):
        return f"no agent socket at {socket}"
    try:
        AgentClient(socket).request("poweroff", timeout=AGENT_ANSWER_S)
    except AgentError as exc:
        return f"its agent did not answer ({exc})"
    return None


def _off_by(dom: Any, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if not dom.isActive():
            return True
        time.sleep(0.25)
    return not dom.isActive()


def shut_down(conn: Connection, dom: Any, timeout: float) -> str:
    """Shut ``dom`` off within ``timeout`` seconds; returns how, for the state's comment."""
    power = settled_power(dom)
    if power.held and power.resumable:
        with contextlib.suppress(libvirt.libvirtError):  # resumed or gone meanwhile: looked at next
            dom.resume()
        if not power_of(dom).held:
            how = _shut_down_running(conn, dom, timeout)
            return f"{how} It was {power.why}: resumed to shut down."
        power = power_of(dom)
    if power.held:
        dom.destroy()
        return (f"{dom.name()} was {power.why}; a guest that does not run cannot shut down: "
                "destroyed.")
    return _shut_down_running(conn, dom, timeout)


def _shut_down_running(conn: Connection, dom: Any, timeout: float) -> str:
    name = dom.name()
    start = time.monotonic()
    deadline = start + timeout
    why_not = _ask_agent(conn, name)
    if why_not is None and _off_by(dom, deadline):
        return f"{name} powered off through its agent in {time.monotonic() - start:.1f}s."
    if why_not is None:
        why_not = "its agent answered but the guest did not power off"
    with contextlib.suppress(libvirt.libvirtError):  # no ACPI answer possible (e.g. firmware)
        dom.shutdown()
    if _off_by(dom, deadline):
        return f"{name} shut down by ACPI in {time.monotonic() - start:.1f}s ({why_not})."
    dom.destroy()
    return (
        f"{name} did not shut down within {timeout:g}s ({why_not}; no ACPI answer) "
        "and was destroyed."
    )
