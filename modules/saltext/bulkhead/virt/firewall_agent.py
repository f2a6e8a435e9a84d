"""Talking to netvm agents about firewalls, each netvm on its own and within its own time bound.

A netvm is a guest, so it may not answer, answer late, or answer garbage. What it costs is
bounded per netvm (``AgentBounds.per_netvm``) and paid by it alone: every netvm is asked in its
own thread (one per netvm the pillar declares, never more), and whatever one netvm's answer
makes the client raise is that netvm's failure, not the run's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from ..agent import AgentClient, AgentError
from ..net import Ruleset
from .errors import BulkheadVirtError

T = TypeVar("T")


@dataclass(frozen=True)
class AgentBounds:
    """Seconds a netvm's agent is given: ``wait`` for it to come up (a netvm started earlier in
    the same run may still be booting; TCG is slow), ``status`` per ``firewall_status`` attempt,
    ``load`` for the ``firewall`` op (``nft -f`` of up to 1 MiB and the route sync)."""

    wait: float = 180.0
    status: float = 5.0
    load: float = 30.0

    @property
    def per_netvm(self) -> float:
        """The most one netvm can cost a run: asking until ``wait`` is over (the last attempt
        may start just before), then one delivery."""
        return self.wait + self.status + self.load


def enforced(agent: AgentClient, bounds: AgentBounds) -> str | None:
    """The hash the netvm's agent reports, asking until ``bounds.wait`` is over."""
    deadline = time.monotonic() + bounds.wait
    while True:
        try:
            return agent.firewall_status(timeout=bounds.status)
        except Exception:  # noqa: BLE001 - a guest's answer may make the parser raise anything
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise
            time.sleep(min(1.0, remaining))


def deliver(agent: AgentClient, ruleset: Ruleset, clients: list[str], bounds: AgentBounds) -> None:
    """Load ``ruleset`` live; the netvm keeps the one it had when this fails (one nft transaction).
    """
    reported = agent.load_firewall(ruleset.text, clients, timeout=bounds.load)
    if reported != ruleset.sha256:
        raise BulkheadVirtError(
            f"reports ruleset {reported[:12]} after delivery of {ruleset.sha256[:12]}"
        )


def each_netvm(job: Callable[[str], T], netvms: Iterable[str]) -> dict[str, T | Exception]:
    """``job(netvm)`` for every netvm at once; per netvm its result or what it raised."""
    netvms = list(netvms)
    if not netvms:
        return {}
    with ThreadPoolExecutor(max_workers=len(netvms), thread_name_prefix="bulkhead-netvm") as pool:
        futures = {netvm: pool.submit(job, netvm) for netvm in netvms}
    results: dict[str, T | Exception] = {}
    for netvm, future in futures.items():
        exc = future.exception()
        if exc is not None and not isinstance(exc, Exception):
            raise exc  # KeyboardInterrupt and the like are not a netvm's doing
        results[netvm] = exc if exc is not None else future.result()
    return results


def reason(exc: Exception) -> str:
    """What went wrong, for the admin; the type names errors that are not the agent's own."""
    if isinstance(exc, (AgentError, BulkheadVirtError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
