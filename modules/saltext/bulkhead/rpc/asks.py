"""Asks waiting for the user on the host (``--ask user``): the broker's thread deciding a call
waits here until the user answers through the host's answer socket (``ask_server.py``, the
``bulkhead ask`` command) or the timeout denies it.

As in qrexec, the user only picks among the candidates the policy engine offered (its
``default_target`` preselected) or refuses. The ask's id is the host's: the guest learns only
the verdict (RESULT with the target or a refusal), never the id nor that a question is pending.
Each caller waits in a call of its own (a domain takes part in one call at a time), and the
number of asks pending at once is bounded too: beyond it an ask is denied at once.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

MAX_PENDING = 64  # far above the domains of a workstation; one pending ask per calling domain
DEFAULT_TIMEOUT_S = 60


class AskError(ValueError):
    """An answer that settles nothing: no such pending ask, or a target it does not offer."""


@dataclass
class Ask:
    id: str
    source: str  # the calling domain: the broker knows it by its channel
    call: str  # SERVICE+ARGUMENT, as the guest sent it (validated, still the guest's text)
    targets: tuple[str, ...]  # the policy's candidates
    default: str | None  # the policy's preselected target, when it is a candidate
    asked_at: float  # time.time(), for the user
    deadline: float  # time.monotonic()
    settled: threading.Event = field(default_factory=threading.Event)
    chosen: str | None = None

    def view(self, now: float) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "call": self.call,
                "targets": list(self.targets), "default_target": self.default,
                "asked_at": round(self.asked_at, 3),
                "seconds_left": max(0, round(self.deadline - now, 1))}


class PendingAsks:
    def __init__(self, timeout_s: float, log: logging.Logger, max_pending: int = MAX_PENDING):
        self.timeout_s = timeout_s
        self._log = log
        self._max = max_pending
        self._lock = threading.Lock()
        self._asks: dict[str, Ask] = {}

    def wait_for_answer(self, source: str, call: str, targets: tuple[str, ...],
                        default: str | None) -> str | None:
        """The target the user chose, or None: refused, no answer in time, or too many asks."""
        with self._lock:
            if len(self._asks) >= self._max:
                self._log.warning("ask from %s for %s: denied: %d asks wait already", source,
                                  call, len(self._asks))
                return None
            ask = Ask(self._new_id(), source, call, targets,
                      default if default in targets else None, time.time(),
                      time.monotonic() + self.timeout_s)
            self._asks[ask.id] = ask
        self._log.info("ask %s: %s calls %s: waiting %g s for the user (bulkhead ask answer %s "
                       "allow|deny); candidates %s", ask.id, source, call, self.timeout_s, ask.id,
                       ", ".join(targets))
        ask.settled.wait(self.timeout_s)
        with self._lock:  # an answer that came in before this lock counts, a later one finds none
            del self._asks[ask.id]
            answered, chosen = ask.settled.is_set(), ask.chosen
        if not answered:
            self._log.info("ask %s: no answer within %g s: denied", ask.id, self.timeout_s)
        return chosen

    def pending(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            return [ask.view(now) for ask in sorted(self._asks.values(), key=lambda a: a.asked_at)]

    def answer(self, ask_id: str, allow: bool, target: str | None = None) -> str | None:
        """Settle ask ``ask_id``: the target it goes to (allow), or None (deny); AskError if
        there is no such pending ask or ``target`` is not one of its candidates."""
        with self._lock:
            ask = self._asks.get(ask_id)
            if ask is None or ask.settled.is_set():
                raise AskError(f"no pending ask {ask_id!r} (answered, timed out, or never asked)")
            chosen = _choice(ask, target) if allow else None
            ask.chosen = chosen
            ask.settled.set()
        self._log.info("ask %s: the user %s", ask.id, f"chose {chosen}" if allow else "refused")
        return chosen

    def _new_id(self) -> str:
        while (ask_id := secrets.token_hex(4)) in self._asks:
            pass
        return ask_id


def _choice(ask: Ask, target: str | None) -> str:
    if target is not None:
        if target not in ask.targets:
            raise AskError(f"{target!r} is not a candidate of ask {ask.id}: "
                           f"{', '.join(ask.targets)}")
        return target
    if ask.default is not None:
        return ask.default
    if len(ask.targets) == 1:
        return ask.targets[0]
    raise AskError(f"ask {ask.id} has no default target: name one of {', '.join(ask.targets)} "
                   "with --target")


class AskPrompt:
    """The broker's prompt for ``--ask user``: each ask waits in ``asks`` for the user."""

    def __init__(self, asks: PendingAsks):
        self.asks = asks

    def choose(self, source: str, call: str, targets: tuple[str, ...],
               default: str | None) -> str | None:
        return self.asks.wait_for_answer(source, call, targets, default)
