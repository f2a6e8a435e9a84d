"""Start a template, update it through the proxy domain, shut it down.

``bulkhead template update`` and the state ``bulkhead_template.updated`` run this.

The template is shut down whatever happened: its root then holds the update, or (apt refused it)
what it held before. A proxy domain of the pillar is started first (else the broker would start
it on the template's first call, waiting for the apply lock a Salt state run holds meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..agent import AgentClient, AgentError
from ..agent.ready import wait_answering
from ..model.pillar import DomainClass, Pillar
from ..plan import names
from ..virt.connection import Connection
from ..virt.lifecycle import domain_halted, domain_running
from .script import UpdateReport, parse_report, update_script

AGENT_WAIT_S = 300  # a Debian template boots in about 10 s under TCG; slow hosts get margin
UPDATE_TIMEOUT_S = 3600
DEFAULT_PROXY = "sys-net"


class UpdateError(Exception):
    """The update could not run (no such template, it did not start, its agent never answered)."""


def wait_for_agent(socket: str | Path, timeout: float) -> AgentClient:
    try:
        return wait_answering(socket, timeout)
    except AgentError as exc:
        raise UpdateError(f"no answer from the agent in {timeout:.0f}s: {exc}") from None


def update_template(conn: Connection, pillar: Pillar, name: str, proxy: str = DEFAULT_PROXY,
                    timeout: int = UPDATE_TIMEOUT_S,
                    say: Callable[[str], None] = lambda _line: None) -> UpdateReport:
    domain = pillar.domains.get(name)
    if domain is None or domain.class_ is not DomainClass.template:
        raise UpdateError(f"{name} is not a template of the pillar")
    proxy_up = domain_running(conn, pillar, proxy) if proxy in pillar.domains else None
    if proxy_up is not None and proxy_up.result is not True:
        raise UpdateError(f"starting the proxy domain {proxy} failed: {proxy_up.comment}")
    started = domain_running(conn, pillar, name)
    if started.result is not True:
        raise UpdateError(f"starting {name} failed: {started.comment}")
    say(f"{name} started; updating through {proxy}")
    try:
        agent = wait_for_agent(names.agent_socket(name), AGENT_WAIT_S)
        result = agent.run(update_script(proxy), timeout=timeout)
    except AgentError as exc:
        raise UpdateError(f"updating {name} failed: {exc}") from None
    finally:
        halted = domain_halted(conn, pillar, name)
        say(f"{name} shut down" if halted.result is True else f"{name}: {halted.comment}")
    return parse_report(result.stdout.decode("utf-8", errors="replace"))
