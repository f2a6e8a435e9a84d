"""Calls under way: pairing two domains for a call, freeing both when it ends, and the broker
ending a call itself (call_limits.py): past its deadline, or when the target sends more output
than the caller may receive.

One thread watches every call's deadline: a timer thread per call would cost more than the rest
of an allowed call's bookkeeping (its start waits for the thread to run). A cancelled call's
target is free once its daemon confirms; one that does not within the grace loses its channel.
"""

from __future__ import annotations

import logging
import threading
import time

from ..rpcwire.frames import Kind, encode
from ..rpcwire.messages import encode_exit
from .call_limits import TIMEOUT_RC, CallLimits
from .channel import Call, Endpoint
from .channels import Channels
from .disposables import Disposables
from .guest_limits import DomainLog

WARNING = logging.WARNING


class Calls:
    def __init__(self, channels: Channels, disposables: Disposables, limits: CallLimits,
                 say: DomainLog):
        self.channels = channels
        self.lock = channels.lock
        self.disposables = disposables
        self.limits = limits
        self.say = say
        threading.Thread(target=self._expire, name="rpc-limits", daemon=True).start()

    def pair(self, caller: Endpoint, target: Endpoint, what: str) -> None:
        """Under the lock: ``caller`` and ``target`` are in a call (``what``) until it ends."""
        self.disposables.paired(target.name)
        caller.peer, target.peer = target, caller
        target.is_target = True
        caller.call = target.call = Call(caller, target, what, self.limits, time.monotonic())
        self.lock.notify_all()  # the deadline watcher learns of the new deadline

    def end(self, caller: Endpoint, target: Endpoint) -> None:
        """Under the lock: both domains are free again; a disposable target is shut down."""
        self.disposables.call_ended(target.name)
        caller.peer = None
        self.channels.busy.discard(caller.name)
        caller.call = None
        target.peer = None
        target.is_target = False
        target.call = None
        caller.outbox.wake()  # a relay waiting for room for this call's data gives up now
        target.outbox.wake()

    def cancel(self, call: Call, rc: int, why: str) -> None:
        """End ``call`` from the broker's side: the caller gets EXIT ``rc`` at once and is free;
        the target is told to stop the service and is free once its daemon confirms."""
        with self.lock:
            caller, target = call.caller, call.target
            if caller.call is not call:
                return  # it ended on its own meanwhile
            self.end(caller, target)
            target.draining = call
            self._watch(call, target)
        self.say(caller.name, WARNING, "call %s: ended by the broker: %s (exit %d to the caller)",
                 call.what, why, rc)
        caller.send(encode_exit(rc))  # queued; a caller that does not read it is dropped
        target.send(encode(Kind.CANCEL))
        with self.lock:
            call.cancel_sent = True
            self.settle(call)

    def settle(self, call: Call) -> None:
        """Under the lock: a cancelled call's target is free once it confirmed after being told
        (so no new EXEC can overtake the CANCEL on its way)."""
        if call.settled and call.target.draining is call:
            call.target.draining = None
            call.stop_watchdogs()
            self.lock.notify_all()

    def _expire(self) -> None:
        """End every call whose deadline has passed; sleep until the next deadline (or a new
        call)."""
        while True:
            with self.lock:
                while True:
                    if self.channels.closing:
                        return
                    calls = self.channels.calls()
                    now = time.monotonic()
                    expired = [c for c in calls if c.deadline <= now]
                    if expired:
                        break
                    soonest = min((c.deadline for c in calls), default=None)
                    self.lock.wait(None if soonest is None else soonest - now)
            for call in expired:
                self.cancel(call, TIMEOUT_RC, f"no exit within {call.limits.timeout_s:g}s")

    def _watch(self, call: Call, endpoint: Endpoint) -> None:
        """Under the lock: give the target the grace to confirm the cancel of ``call``."""
        watchdog = threading.Timer(self.limits.cancel_grace_s, self._drop_stuck, (call, endpoint))
        watchdog.name = f"rpc-cancel-{endpoint.name}"
        watchdog.daemon = True
        call.watchdogs.append(watchdog)
        watchdog.start()

    def _drop_stuck(self, call: Call, endpoint: Endpoint) -> None:
        """The grace is over: if the target has not confirmed, drop its channel so the domain is
        not held; the watcher attaches it again."""
        with self.lock:
            stuck = endpoint.draining is call
        if stuck and not endpoint.closed:
            self.say(endpoint.name, WARNING,
                     "call %s: %s did not complete the cancel within %gs: channel dropped",
                     call.what, endpoint.name, self.limits.cancel_grace_s)
            endpoint.close()
