"""Where ``bulkhead run`` sends a command: a domain libvirt knows and runs, said in words if not.

A halted domain is started only on ``--autostart``, through the library's ``domain_running`` (the
same convergence as an apply, under the pillar's apply lock), so it needs the host's pillar.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..agent import AgentError
from ..agent.ready import wait_answering
from ..untrusted.text import printable
from .exits import FAILED, NOT_RUNNING, RunRefused

DEFAULT_URI = "qemu:///system"


def _pillar(path: Path):
    from ..model import PillarError, load_pillar

    try:
        return load_pillar(json.loads(path.read_text(encoding="utf-8")))
    except PillarError as exc:
        raise RunRefused(f"{path} is not a valid pillar: {'; '.join(exc.lines)}", FAILED) from exc
    except (OSError, ValueError) as exc:
        raise RunRefused(f"cannot read the host's pillar {path}: {exc}", FAILED) from exc


def _state(uri: str, domain: str) -> str | None:
    """'running', another state's word, or None when libvirt knows no such domain."""
    import libvirt

    from ..libvirt_quiet import silence_libvirt
    from ..virt.power import state_name

    silence_libvirt()
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise RunRefused(f"cannot connect to libvirt at {uri}: {exc}", FAILED) from exc
    try:
        try:
            dom = conn.lookupByName(domain)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise RunRefused(f"libvirt: {exc}", FAILED) from exc
        state = state_name(dom.state()[0])
        return "halted" if state == "shutoff" else state
    finally:
        conn.close()


def wait_for_agent(domain: str, socket: str, timeout: float) -> None:
    """Until a freshly started domain's agent answers a ping; RunRefused (125) after ``timeout``."""
    try:
        wait_answering(socket, timeout)
    except AgentError as exc:
        raise RunRefused(f"{printable(domain)} started, but its agent did not answer "
                         f"within {timeout:g} s: {exc}", FAILED) from None


def ensure_running(domain: str, uri: str | None, pillar_path: Path, autostart: bool) -> bool:
    """True once ``domain`` was started here, False if it ran; RunRefused (126) naming why it does
    not run, or (125) a failed start."""
    shown = printable(domain)
    pillar = _pillar(pillar_path) if autostart else None
    if uri is None:  # the host's libvirt; without its pillar (no formula applied yet) the default
        try:
            uri = (pillar or _pillar(pillar_path)).host.uri
        except RunRefused:
            uri = DEFAULT_URI
    state = _state(uri, domain)
    if state is None:
        raise RunRefused(f"no domain named {shown} (libvirt at {uri})", NOT_RUNNING)
    if state == "running":
        return False
    if not autostart:
        raise RunRefused(f"domain {shown} is {state}: not running (--autostart starts it)",
                         NOT_RUNNING)
    if domain not in pillar.domains:
        raise RunRefused(f"domain {shown} is {state} and not in the pillar: bulkhead cannot "
                         "start it", NOT_RUNNING)
    from ..virt import BulkheadVirtError, connect, domain_running

    try:
        with connect(uri) as conn:
            outcome = domain_running(conn, pillar, domain)
    except (BulkheadVirtError, TimeoutError) as exc:
        raise RunRefused(f"starting {shown} failed: {exc}", FAILED) from exc
    if outcome.result is not True:
        raise RunRefused(f"starting {shown} failed: {printable(outcome.comment)}", FAILED)
    return True
