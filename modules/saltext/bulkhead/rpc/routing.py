"""A call request, from the caller's CALL to its two domains paired (or the caller told no).

A domain (by name, across re-attached channels) takes part in one call at a time: a second
request from it, or a request towards a domain that is busy, is denied; so is a call over its
rate. Each request is decided in a thread of its own (policy, prompt, starting the target); a
``@dispvm:X`` call runs in a disposable of X (disposables.py). A malformed request is denied.
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
from functools import partial

from ..rpcwire.messages import CallRequest, ExecRequest, MessageError, encode_result
from .authorize import authorize
from .calls import Calls
from .channel import Endpoint
from .channels import Channels
from .disposables import Disposables, Say
from .guest_limits import CallRate, DomainLog, GuestLimits
from .host import Host, StartError
from .prompt import Prompt

WARNING, INFO = logging.WARNING, logging.INFO


class Router:
    def __init__(self, host: Host, policy_dir: str | os.PathLike[str], prompt: Prompt,
                 channels: Channels, disposables: Disposables, calls: Calls,
                 guest_limits: GuestLimits, say: DomainLog, ready_timeout: float):
        self.host = host
        self.policy_dir = policy_dir
        self.prompt = prompt
        self.channels = channels
        self.disposables = disposables
        self.calls = calls
        self.guest_limits = guest_limits
        self.say = say
        self.ready_timeout = ready_timeout
        self._rate = CallRate(guest_limits)

    def on_call(self, caller: Endpoint, payload: bytes) -> None:
        """``caller`` sent CALL: denied at once, or decided in a thread of its own."""
        name = caller.name
        if not self._rate.take(name):  # before any cost: no JSON, policy or libvirt read
            self.say(name, WARNING, "call from %s: denied: over %g calls a second", name,
                     self.guest_limits.calls_per_s)
            caller.send(encode_result(None))
            return
        try:
            request = CallRequest.parse(payload)
        except MessageError as exc:
            self.say(name, WARNING, "call from %s: malformed request denied: %s", name, exc)
            caller.send(encode_result(None))
            return
        with self.channels.lock:
            refused = not self.channels.available(caller)
            if not refused:
                self.channels.busy.add(name)
        if refused:
            self.say(name, WARNING, "call %s from %s to %r: denied: it is already in a call",
                     request.call, name, request.target)
            caller.send(encode_result(None))
            return
        threading.Thread(target=self._serve, args=(caller, request), name=f"call-{caller.name}",
                         daemon=True).start()

    def _serve(self, caller: Endpoint, request: CallRequest) -> None:
        what = f"call {request.call} from {caller.name} to {request.target or '@default'}"
        say = partial(self.say, caller.name)
        try:
            target = self._connect(caller, request, what, say)
        except Exception as exc:  # a failing call must never take the broker down
            say(logging.ERROR, "%s: denied: internal error: %s", what, brief(exc))
            target = None
        if target is None:
            with self.channels.lock:
                self.channels.busy.discard(caller.name)  # this domain's decision is over
            caller.send(encode_result(None))

    def _connect(self, caller: Endpoint, request: CallRequest, what: str,
                 say: Say) -> Endpoint | None:
        verdict = authorize(caller.name, request, self.host, self.policy_dir, self.prompt)
        if verdict.target is None:
            say(WARNING, "%s: denied: %s", what, verdict.why)
            return None
        if verdict.disposable_of is not None:
            assert verdict.system is not None
            target = self.disposables.start(verdict.disposable_of, verdict.system, what, say)
        else:
            target = self._reach(verdict.target, verdict.running, what, say)
        if target is None:
            return None
        name = target.name
        with self.channels.lock:
            refused = not self.channels.available(target) or caller.closed
            if refused:
                disposable = self.disposables.refused(name)
            else:
                self.calls.pair(caller, target, f"{request.call} from {caller.name} to {name}")
        if refused:
            say(WARNING, "%s: denied: %s is in another call or the caller left", what, name)
            if disposable:
                self.disposables.dispose(name, "its call was refused")
            return None
        # The target learns of the call before the caller may send it data.
        target.send(ExecRequest(request.service, request.argument, caller.name).encode())
        caller.send(encode_result(name))
        say(INFO, "%s: allowed to %s: %s", what, name, verdict.why)
        return target

    def _reach(self, name: str, running: bool, what: str, say: Say) -> Endpoint | None:
        """A named target's ready channel, starting it first if the policy's autostart says so."""
        if self.disposables.taken(name):  # even its own name gets no second call into one used
            say(WARNING, "%s: denied: %s is a disposable taken by another call", what, name)
            return None
        target = self.channels.get(name)
        if target is None or not target.ready.is_set():
            if not running:
                try:
                    say(INFO, "%s: starting %s", what, name)
                    self.host.start(name)
                except StartError as exc:
                    say(WARNING, "%s: denied: %s", what, exc)
                    return None
            target = self.channels.wait_ready(name, self.ready_timeout)
            if target is None:
                say(WARNING, "%s: denied: %s has no RPC daemon answering", what, name)
        return target


def brief(exc: BaseException) -> str:
    """One line for an unexpected exception: its type, text and where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f" at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{place}"
