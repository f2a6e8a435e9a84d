"""The broker: one connection per running domain's RPC channel, calls authorized by the policy,
and the data of an allowed call relayed between the two domains until the service exits.

Threads: a reader and a writer per channel (outbox.py: nothing waits on a guest's socket but its
own writer, at most ``send_timeout_s`` per frame; a slow receiver slows its sender down through a
bounded queue) and one thread per call request (policy, prompt, starting the target). A domain
(by name, across re-attached channels) takes part in one call at a time: a second request from
it, or a request towards a domain that is busy, is denied; so is a call over its rate. A call that runs
past its time limit or sends back more than its output limit is ended by the broker
(call_limits.py), so no service can hold two domains for ever.

A call to ``@dispvm:X`` runs in a halted pillar disposable of X that the broker starts for it
(fresh root and private) and destroys when the call ends, however it ends; the disposable stays
reserved from its pick until it is off, so no call ever meets a disposable another call used.
With none free, the host creates one for the call (up to ``policy.dispvm_limit``) and deletes it
when the call ends.

Whatever a guest sends is hostile input: broken framing or a frame a guest may not send drops its
channel (the watcher reconnects); a malformed request is denied; both are logged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from functools import partial

from ..backoff import Backoff
from ..rpcwire.frames import Frame, FrameError, FrameReader, Kind, encode
from ..rpcwire.messages import (
    CallRequest,
    ExecRequest,
    MessageError,
    encode_exit,
    encode_hello,
    encode_result,
    parse_exit,
    parse_hello,
)
from .authorize import Authorization, authorize
from .call_limits import OUTPUT_LIMIT_RC, TIMEOUT_RC, Call, CallLimits
from .disposables import free_disposable
from .guest_limits import CallRate, DomainLog, GuestLimits
from .host import Host, StartError, StopError
from .outbox import Outbox
from .prompt import Prompt

LOST_PEER_RC = 255  # what a caller gets when the target's channel went away mid-call
WARNING, INFO = logging.WARNING, logging.INFO
Say = Callable[..., None]  # (level, format, *args): a log line counted against one domain


class Endpoint:
    """One domain's channel. ``name`` is the broker's own knowledge of whose socket this is.

    Its socket is read by one reader thread and written by its outbox's one writer thread; the
    last of the two to finish closes it (``close`` only shuts it down, which ends both), so no
    thread ever uses a descriptor number the kernel has already given to another socket."""

    def __init__(self, name: str, sock: socket.socket, limits: GuestLimits,
                 on_stuck: Callable[[Endpoint, str], None]):
        self.name = name
        self.sock = sock
        self.ready = threading.Event()  # the guest daemon answered our HELLO
        self.peer: Endpoint | None = None
        self.is_target = False
        self.call: Call | None = None  # the call this domain is in, as caller or target
        self.draining: Call | None = None  # a call the broker ended whose service has not confirmed
        self.closed = False
        self.attached_at = time.monotonic()
        self._users = 2  # the reader and the writer
        self._users_lock = threading.Lock()
        self.outbox = Outbox(sock, name, limits, lambda why: on_stuck(self, why), self.release)

    def send(self, frame: bytes) -> bool:
        """Queue ``frame``; never waits (a guest that lets its queue overflow is dropped)."""
        return self.outbox.put(frame)

    def send_in_call(self, frame: bytes, call: Call) -> bool:
        """Relay ``frame`` only while this domain is still in ``call``: data of a call the broker
        has just ended must not reach the domain after its EXIT (or slip into its next call).
        Waits for room (back-pressure on the sender), at most the send timeout."""
        return self.outbox.put_when_room(frame, lambda: self.call is call)

    def close(self) -> None:
        self.closed = True
        self.outbox.close()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def release(self) -> None:
        """The reader or the writer is done with the socket; the last one closes it."""
        with self._users_lock:
            self._users -= 1
            last = self._users == 0
        if last:
            self.closed = True
            self.sock.close()


class Broker:
    def __init__(self, host: Host, policy_dir: str | os.PathLike[str], prompt: Prompt,
                 log: logging.Logger, ready_timeout: float = 120.0, limits: CallLimits | None = None,
                 guest_limits: GuestLimits | None = None):
        self.host = host
        self.limits = limits or CallLimits()
        self.guest_limits = guest_limits or GuestLimits()
        self.policy_dir = policy_dir
        self.prompt = prompt
        self.log = log
        self.say = DomainLog(log, self.guest_limits)  # every line a guest can cause goes here
        self._rate = CallRate(self.guest_limits)
        self.backoff = Backoff()  # the watcher re-attaches a domain that broke the protocol later
        self.ready_timeout = ready_timeout
        self._endpoints: dict[str, Endpoint] = {}
        # Domains deciding a call or in one as its caller, by NAME: a guest that drops its channel
        # and is attached again is still the same domain, in the same call.
        self._busy: set[str] = set()
        self._lock = threading.Condition()
        self._closing = False
        # Disposables picked for a call, until they are shut off again: name -> "starting",
        # "in call" or "disposing" (changed under the lock).
        self._disposables: dict[str, str] = {}
        self._created: set[str] = set()  # those of them the host created for their call
        # One thread watches every call's deadline: a timer thread per call would cost more than
        # the rest of an allowed call's bookkeeping (its start waits for the thread to run).
        threading.Thread(target=self._expire_calls, name="rpc-limits", daemon=True).start()

    # Channels ---------------------------------------------------------------------------------

    def attach(self, name: str, sock: socket.socket) -> Endpoint | None:
        """Serve ``name``'s channel on ``sock``; None (and ``sock`` closed) if it already has one."""
        with self._lock:
            if name in self._endpoints or self._closing:
                sock.close()
                return None
            endpoint = Endpoint(name, sock, self.guest_limits, self._drop)
            self._endpoints[name] = endpoint
        endpoint.send(encode_hello())
        threading.Thread(target=self._read, args=(endpoint,), name=f"rpc-{name}", daemon=True).start()
        return endpoint

    def attached(self) -> list[str]:
        with self._lock:
            return sorted(self._endpoints)

    def endpoint(self, name: str) -> Endpoint | None:
        with self._lock:
            return self._endpoints.get(name)

    def wait_ready(self, name: str, timeout: float) -> Endpoint | None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                endpoint = self._endpoints.get(name)
                if endpoint is not None and endpoint.ready.is_set():
                    return endpoint
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._lock.wait(min(remaining, 0.5))

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
            endpoints = list(self._endpoints.values())
            disposables = [n for n, state in self._disposables.items() if state == "in call"]
        for endpoint in endpoints:
            endpoint.close()
        for name in disposables:  # the broker going away ends their calls
            self._dispose(name, "the broker stopped")

    def queued(self, name: str) -> int:
        """Bytes waiting to be sent to ``name``'s channel (0 without one)."""
        endpoint = self.endpoint(name)
        return 0 if endpoint is None else endpoint.outbox.queued

    def _available(self, endpoint: Endpoint) -> bool:
        """Under the lock: free for a call."""
        return not (endpoint.name in self._busy or endpoint.peer is not None
                    or endpoint.draining is not None or endpoint.closed)

    def _drop(self, endpoint: Endpoint, why: str) -> None:
        """A guest that does not take what is sent to it loses its channel (never waited for)."""
        if not endpoint.closed:
            self.say(endpoint.name, WARNING, "%s: not reading its channel (%s): channel dropped",
                      endpoint.name, why)
            endpoint.close()

    def _read(self, endpoint: Endpoint) -> None:
        name = endpoint.name
        reader = FrameReader(endpoint.sock)
        try:
            while True:
                frame = reader.next()
                if frame is None:
                    break
                self._dispatch(endpoint, frame)
        except (FrameError, MessageError) as exc:
            self.say(name, WARNING, "%s: malformed input, channel dropped: %s", name, exc)
            self.backoff.strike(name, endpoint.attached_at)
        except OSError as exc:
            if not endpoint.closed:
                self.say(name, INFO, "%s: channel error: %s", name, exc)
        except Exception as exc:  # whatever it was, one line and the channel goes; never silent
            self.say(name, logging.ERROR, "%s: internal error, channel dropped: %s", name, _brief(exc))
        finally:
            try:
                self._detach(endpoint)
            finally:
                endpoint.release()

    def _detach(self, endpoint: Endpoint) -> None:
        with self._lock:
            if self._endpoints.get(endpoint.name) is endpoint:
                del self._endpoints[endpoint.name]
            peer = endpoint.peer
            if peer is not None and endpoint.is_target:
                self._end_call(peer, endpoint)
            self._lock.notify_all()
        if peer is not None:
            if endpoint.is_target:
                peer.send(encode_exit(LOST_PEER_RC))
                self.say(endpoint.name, INFO, "call %s -> %s: target channel lost", peer.name,
                          endpoint.name)
            else:
                peer.send(encode(Kind.EOF))  # the service sees its input end; the call ends with it
        if not endpoint.closed:
            endpoint.close()
        self.say(endpoint.name, INFO, "%s: channel closed", endpoint.name)

    # Frames -----------------------------------------------------------------------------------

    def _dispatch(self, endpoint: Endpoint, frame: Frame) -> None:
        kind = frame.kind
        if kind is Kind.HELLO:
            parse_hello(frame.payload)
            with self._lock:
                endpoint.ready.set()
                self._lock.notify_all()
            self.say(endpoint.name, INFO, "%s: channel ready", endpoint.name)
        elif kind is Kind.CALL:
            self._on_call(endpoint, frame.payload)
        elif kind in (Kind.DATA, Kind.EOF):
            self._relay(endpoint, kind, frame.payload)
        elif kind is Kind.EXIT:
            rc = parse_exit(frame.payload)
            with self._lock:
                caller = endpoint.peer if endpoint.is_target else None
                if caller is not None:
                    self._end_call(caller, endpoint)
                cancelled = endpoint.draining if caller is None else None
                if cancelled is not None:
                    cancelled.acked = True
                    self._settle(cancelled)
            if cancelled is not None:
                self.say(endpoint.name, INFO, "call %s: the cancelled service ended (%d); %s is free again",
                          cancelled.what, rc, endpoint.name)
                return
            if caller is None:
                raise MessageError("EXIT outside a call this domain serves")
            caller.send(encode_exit(rc))  # queued: a caller that does not read holds nobody up
            self.say(endpoint.name, INFO, "call %s -> %s: service exited with %d", caller.name,
                      endpoint.name, rc)
        else:
            raise MessageError(f"a guest may not send {kind.name} frames")

    def _on_call(self, caller: Endpoint, payload: bytes) -> None:
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
        with self._lock:
            refused = not self._available(caller)
            if not refused:
                self._busy.add(name)
        if refused:
            self.say(name, WARNING, "call %s from %s to %r: denied: it is already in a call",
                      request.call, name, request.target)
            caller.send(encode_result(None))
            return
        threading.Thread(target=self._serve, args=(caller, request), name=f"call-{caller.name}",
                         daemon=True).start()

    def _relay(self, endpoint: Endpoint, kind: Kind, payload: bytes) -> None:
        call, peer = endpoint.call, endpoint.peer
        if call is None or peer is None:
            return  # late data of a call that has ended: dropped
        if kind is Kind.DATA and endpoint.is_target:
            allowed = call.take_output(len(payload))
            if allowed < len(payload):
                if allowed:
                    peer.send_in_call(encode(kind, payload[:allowed]), call)
                self._cancel(call, OUTPUT_LIMIT_RC, f"output over the limit of {call.limits.max_output} bytes")
                return
        peer.send_in_call(encode(kind, payload), call)

    # Calls ------------------------------------------------------------------------------------

    def _serve(self, caller: Endpoint, request: CallRequest) -> None:
        what = f"call {request.call} from {caller.name} to {request.target or '@default'}"
        say = partial(self.say, caller.name)
        try:
            target = self._connect(caller, request, what, say)
        except Exception as exc:  # a failing call must never take the broker down
            say(logging.ERROR, "%s: denied: internal error: %s", what, _brief(exc))
            target = None
        if target is None:
            with self._lock:
                self._busy.discard(caller.name)  # this domain's decision is over
            caller.send(encode_result(None))

    def _connect(self, caller: Endpoint, request: CallRequest, what: str, say: Say) -> Endpoint | None:
        verdict = authorize(caller.name, request, self.host, self.policy_dir, self.prompt)
        if verdict.target is None:
            say(WARNING, "%s: denied: %s", what, verdict.why)
            return None
        if verdict.disposable_of is not None:
            target = self._start_disposable(verdict.disposable_of, verdict, what, say)
        else:
            target = self._reach(verdict.target, verdict.running, what, say)
        if target is None:
            return None
        name = target.name
        with self._lock:
            if not self._available(target) or caller.closed:
                refused = True
                disposable = self._disposables.get(name) == "starting"
                if disposable:
                    self._disposables[name] = "disposing"
            else:
                refused = False
                if name in self._disposables:
                    self._disposables[name] = "in call"
                caller.peer, target.peer = target, caller
                target.is_target = True
                call = Call(caller, target, f"{request.call} from {caller.name} to {name}", self.limits,
                            time.monotonic())
                caller.call = target.call = call
                self._lock.notify_all()  # the deadline watcher learns of the new deadline
        if refused:
            say(WARNING, "%s: denied: %s is in another call or the caller left", what, name)
            if disposable:
                self._dispose(name, "its call was refused")
            return None
        # The target learns of the call before the caller may send it data.
        target.send(ExecRequest(request.service, request.argument, caller.name).encode())
        caller.send(encode_result(name))
        say(INFO, "%s: allowed to %s: %s", what, name, verdict.why)
        return target

    def _reach(self, name: str, running: bool, what: str, say: Say) -> Endpoint | None:
        """A named target's ready channel, starting it first if the policy's autostart says so."""
        with self._lock:
            taken = name in self._disposables
        if taken:  # even its own name does not get a second call into a used disposable
            say(WARNING, "%s: denied: %s is a disposable taken by another call", what, name)
            return None
        target = self.endpoint(name)
        if target is None or not target.ready.is_set():
            if not running:
                try:
                    say(INFO, "%s: starting %s", what, name)
                    self.host.start(name)
                except StartError as exc:
                    say(WARNING, "%s: denied: %s", what, exc)
                    return None
            target = self.wait_ready(name, self.ready_timeout)
            if target is None:
                say(WARNING, "%s: denied: %s has no RPC daemon answering", what, name)
        return target

    def _start_disposable(self, template: str, verdict: Authorization, what: str,
                          say: Say) -> Endpoint | None:
        """Pick a halted disposable of ``template``, start it and wait for its daemon; on any
        failure it is shut down again (a start can fail half way) and the call is refused."""
        assert verdict.system is not None
        with self._lock:
            name = free_disposable(verdict.system, template, self._disposables)
            if name is not None:
                self._disposables[name] = "starting"
                # A channel left from its previous run must not pass for the new one's.
                stale = self._endpoints.pop(name, None)
        if name is None:
            return self._create_disposable(template, what, say)
        if stale is not None:
            stale.close()
        target = None
        try:
            say(INFO, "%s: starting disposable %s of %s", what, name, template)
            self.host.start(name)
            target = self.wait_ready(name, self.ready_timeout)
            if target is None:
                say(WARNING, "%s: denied: disposable %s has no RPC daemon answering", what, name)
        except StartError as exc:
            say(WARNING, "%s: denied: %s", what, exc)
        finally:
            if target is None:
                with self._lock:
                    self._disposables[name] = "disposing"
                self._dispose(name, "its start failed")
        return target

    def _create_disposable(self, template: str, what: str, say: Say) -> Endpoint | None:
        """No pillar disposable of ``template`` is free: a new one, for this call only."""
        try:
            name = self.host.create_disposable(template)
        except StartError as exc:
            say(WARNING, "%s: denied: no free disposable of %s, none created: %s", what, template, exc)
            return None
        with self._lock:
            self._disposables[name] = "starting"
            self._created.add(name)
        say(INFO, "%s: created disposable %s of %s", what, name, template)
        target = self.wait_ready(name, self.ready_timeout)
        if target is None:
            say(WARNING, "%s: denied: disposable %s has no RPC daemon answering", what, name)
            with self._lock:
                self._disposables[name] = "disposing"
            self._dispose(name, "its start failed")
        return target

    def _dispose(self, name: str, why: str) -> None:
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
        with self._lock:
            endpoint = self._endpoints.get(name)
            if endpoint is not None:
                del self._endpoints[name]
            self._disposables.pop(name, None)
            self._created.discard(name)
            self._lock.notify_all()
        if endpoint is not None:
            endpoint.close()
        self.say(name, INFO, "disposable %s shut down: %s", name, why)

    def _end_call(self, caller: Endpoint, target: Endpoint) -> None:
        """Under the lock: both domains are free again; a disposable target is shut down."""
        if self._disposables.get(target.name) == "in call":
            self._disposables[target.name] = "disposing"
            threading.Thread(target=self._dispose, args=(target.name, "its call ended"),
                             name=f"rpc-dispose-{target.name}", daemon=True).start()
        caller.peer = None
        self._busy.discard(caller.name)
        caller.call = None
        target.peer = None
        target.is_target = False
        target.call = None
        caller.outbox.wake()  # a relay waiting for room for this call's data gives up now
        target.outbox.wake()

    def _expire_calls(self) -> None:
        """End every call whose deadline has passed; sleep until the next deadline (or a new call)."""
        while True:
            with self._lock:
                while True:
                    if self._closing:
                        return
                    # A call is found through either domain: its caller's channel may be gone.
                    calls = {id(e.call): e.call for e in self._endpoints.values() if e.call is not None}
                    now = time.monotonic()
                    expired = [c for c in calls.values() if c.deadline <= now]
                    if expired:
                        break
                    soonest = min((c.deadline for c in calls.values()), default=None)
                    self._lock.wait(None if soonest is None else soonest - now)
            for call in expired:
                self._cancel(call, TIMEOUT_RC, f"no exit within {call.limits.timeout_s:g}s")

    def _cancel(self, call: Call, rc: int, why: str) -> None:
        """End ``call`` from the broker's side: the caller gets EXIT ``rc`` at once and is free;
        the target is told to stop the service and is free once its daemon confirms."""
        with self._lock:
            caller, target = call.caller, call.target
            if caller.call is not call:
                return  # it ended on its own meanwhile
            self._end_call(caller, target)
            target.draining = call
            self._watch(call, target)
        self.say(caller.name, WARNING, "call %s: ended by the broker: %s (exit %d to the caller)",
                  call.what, why, rc)
        caller.send(encode_exit(rc))  # queued; a caller that does not read it is dropped
        target.send(encode(Kind.CANCEL))
        with self._lock:
            call.cancel_sent = True
            self._settle(call)

    def _settle(self, call: Call) -> None:
        """Under the lock: a cancelled call's target is free once it confirmed after being told
        (so no new EXEC can overtake the CANCEL on its way)."""
        if call.settled and call.target.draining is call:
            call.target.draining = None
            call.stop_watchdogs()
            self._lock.notify_all()

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
        with self._lock:
            stuck = endpoint.draining is call
        if stuck and not endpoint.closed:
            self.say(endpoint.name, WARNING,
                      "call %s: %s did not complete the cancel within %gs: channel dropped",
                      call.what, endpoint.name, self.limits.cancel_grace_s)
            endpoint.close()


def _brief(exc: BaseException) -> str:
    """One line for an unexpected exception: its type, text and where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f" at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{place}"
