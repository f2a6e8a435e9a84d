"""Which disposable of a template a call runs in, and the broker's bookkeeping of it from its
pick until it is off again.

First choice: the pillar's ``class: disposable`` domains, each tied to one template. A call gets
one that is halted (so it starts with a fresh root and private volume) and that no other call has
taken; a running disposable is never handed to a second call, even if it is idle, because what the
first call left in it would leak into the next. With none free, the host creates one for the call
(``dispvm_factory.py``) and deletes it when the call ends. A disposable stays reserved from its
pick until it is off, so no call ever meets a disposable another call used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Container
from enum import Enum

from ..policy import System
from .channel import Endpoint
from .channels import Channels
from .guest_limits import DomainLog
from .host import Host, StartError, StopError

INFO, WARNING = logging.INFO, logging.WARNING
Say = Callable[..., None]  # (level, format, *args): a log line counted against one domain


class DisposableState(Enum):
    STARTING = "starting"  # picked or created for a call; its daemon has not answered yet
    IN_CALL = "in call"  # the target of the call it was picked for
    DISPOSING = "disposing"  # its call is over (or never came): being shut off or deleted


def free_disposable(system: System, template: str, taken: Container[str]) -> str | None:
    """The first (by name, so the choice is predictable) halted disposable of ``template``."""
    for name in sorted(system.guests):
        info = system.guests[name]
        if (info.type == "DispVM" and info.default_dispvm == template
                and info.power_state == "Halted" and name not in taken):
            return name
    return None


class Disposables:
    """The disposables picked for a call, until they are shut off again (changed under
    ``channels.lock``)."""

    def __init__(self, host: Host, channels: Channels, say: DomainLog, ready_timeout: float):
        self.host = host
        self.channels = channels
        self.say = say
        self.ready_timeout = ready_timeout
        self._states: dict[str, DisposableState] = {}
        self._created: set[str] = set()  # those of them the host created for their call

    def taken(self, name: str) -> bool:
        return self.state(name) is not None

    def state(self, name: str) -> DisposableState | None:
        """Where ``name`` is between its pick and its end; None: not taken by any call."""
        with self.channels.lock:
            return self._states.get(name)

    def start(self, template: str, system: System, what: str, say: Say) -> Endpoint | None:
        """Pick a halted disposable of ``template``, start it and wait for its daemon; on any
        failure it is shut down again (a start can fail half way) and the call is refused."""
        with self.channels.lock:
            name = free_disposable(system, template, self._states)
            if name is not None:
                self._states[name] = DisposableState.STARTING
                # A channel left from its previous run must not pass for the new one's.
                stale = self.channels.pop(name)
        if name is None:
            return self._create(template, what, say)
        if stale is not None:
            stale.close()
        target = None
        try:
            say(INFO, "%s: starting disposable %s of %s", what, name, template)
            self.host.start(name)
            target = self.channels.wait_ready(name, self.ready_timeout)
            if target is None:
                say(WARNING, "%s: denied: disposable %s has no RPC daemon answering", what, name)
        except StartError as exc:
            say(WARNING, "%s: denied: %s", what, exc)
        finally:
            if target is None:
                with self.channels.lock:
                    self._states[name] = DisposableState.DISPOSING
                self.dispose(name, "its start failed")
        return target

    def _create(self, template: str, what: str, say: Say) -> Endpoint | None:
        """No pillar disposable of ``template`` is free: a new one, for this call only."""
        try:
            name = self.host.create_disposable(template)
        except StartError as exc:
            say(WARNING, "%s: denied: no free disposable of %s, none created: %s", what,
                template, exc)
            return None
        with self.channels.lock:
            self._states[name] = DisposableState.STARTING
            self._created.add(name)
        say(INFO, "%s: created disposable %s of %s", what, name, template)
        target = self.channels.wait_ready(name, self.ready_timeout)
        if target is None:
            say(WARNING, "%s: denied: disposable %s has no RPC daemon answering", what, name)
            with self.channels.lock:
                self._states[name] = DisposableState.DISPOSING
            self.dispose(name, "its start failed")
        return target

    def dispose(self, name: str, why: str) -> None:
        """Destroy a disposable whose call is over and free it for a later call (not under the
        lock); one the broker created is deleted. If it cannot be stopped it stays taken: better
        one disposable less than a reused one."""
        try:
            if name in self._created:
                self.host.remove_disposable(name)
            else:
                self.host.stop(name)
        except StopError as exc:
            self.say(name, logging.ERROR, "disposable %s: not shut down (%s), kept out of use: %s",
                     name, why, exc)
            return
        with self.channels.lock:
            endpoint = self.channels.pop(name)
            self._states.pop(name, None)
            self._created.discard(name)
            self.channels.lock.notify_all()
        if endpoint is not None:
            endpoint.close()
        self.say(name, INFO, "disposable %s shut down: %s", name, why)

    # Under the lock ---------------------------------------------------------------------------

    def paired(self, name: str) -> None:
        """``name`` is now a call's target: a disposable among them is in that call."""
        if name in self._states:
            self._states[name] = DisposableState.IN_CALL

    def refused(self, name: str) -> bool:
        """The call ``name`` was started for was refused: True if it is a disposable to dispose."""
        if self._states.get(name) is not DisposableState.STARTING:
            return False
        self._states[name] = DisposableState.DISPOSING
        return True

    def call_ended(self, name: str) -> None:
        """``name``'s call is over: a disposable is shut down (in a thread of its own)."""
        if self._states.get(name) is DisposableState.IN_CALL:
            self._states[name] = DisposableState.DISPOSING
            threading.Thread(target=self.dispose, args=(name, "its call ended"),
                             name=f"rpc-dispose-{name}", daemon=True).start()

    def in_call(self) -> list[str]:
        return [n for n, state in self._states.items() if state is DisposableState.IN_CALL]
