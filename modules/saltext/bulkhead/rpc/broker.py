"""The broker: one connection per running domain's RPC channel, calls authorized by the policy,
and the data of an allowed call relayed between the two domains until the service exits.

Threads: a reader and a writer per channel (outbox.py: nothing waits on a guest's socket but its
own writer, at most ``send_timeout_s`` per frame; a slow receiver slows its sender down through a
bounded queue) and one thread per call request (routing.py: policy, prompt, starting the target).
A domain (by name, across re-attached channels) takes part in one call at a time; a call that
runs past its time limit or sends back more than its output limit is ended by the broker
(calls.py, call_limits.py), so no service can hold two domains for ever. A call to ``@dispvm:X``
runs in a disposable of X started or created for it and shut off when the call ends, however it
ends (disposables.py).

Whatever a guest sends is hostile input: broken framing or a frame a guest may not send drops its
channel (the watcher reconnects); a malformed request is denied; both are logged.

Modules, bottom up (none imports one above it): call_limits, channel (Endpoint, Call), channels
(the attached channels and the one lock), disposables, calls, routing, broker.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from ..backoff import Backoff
from ..rpcwire.frames import Frame, FrameError, FrameReader, Kind, encode
from ..rpcwire.messages import MessageError, encode_exit, encode_hello, parse_exit, parse_hello
from .call_limits import OUTPUT_LIMIT_RC, CallLimits
from .calls import Calls
from .channel import Endpoint
from .channels import Channels
from .disposables import Disposables
from .guest_limits import DomainLog, FramePace, GuestLimits
from .host import Host
from .prompt import Prompt
from .routing import Router, brief

LOST_PEER_RC = 255  # what a caller gets when the target's channel went away mid-call
_CALL_DATA = (Kind.DATA, Kind.EOF)  # relayed to the peer of a call: paced by the peer's reading
WARNING, INFO = logging.WARNING, logging.INFO


class Broker:
    """Every attached channel's reader (``attach``): frames from a guest are dispatched here, a
    CALL to the router (routing.py), DATA and EOF relayed to the peer of its call (calls.py)."""

    def __init__(self, host: Host, policy_dir: str | os.PathLike[str], prompt: Prompt,
                 log: logging.Logger, ready_timeout: float = 120.0,
                 limits: CallLimits | None = None, guest_limits: GuestLimits | None = None):
        self.host = host
        self.limits = limits or CallLimits()
        self.guest_limits = guest_limits or GuestLimits()
        self.policy_dir = policy_dir
        self.prompt = prompt
        self.log = log
        self.say = DomainLog(log, self.guest_limits)  # every line a guest can cause goes here
        self.pace = FramePace(self.guest_limits)  # every frame the broker acts on, but call data
        self.backoff = Backoff()  # the watcher re-attaches a domain that broke the protocol later
        self.ready_timeout = ready_timeout
        self.channels = Channels()
        self._lock = self.channels.lock
        self.disposables = Disposables(host, self.channels, self.say, ready_timeout)
        self.calls = Calls(self.channels, self.disposables, self.limits, self.say)
        self.router = Router(host, policy_dir, prompt, self.channels, self.disposables,
                             self.calls, self.guest_limits, self.say, ready_timeout)

    def attach(self, name: str, sock: socket.socket) -> Endpoint | None:
        """Serve ``name``'s channel on ``sock``; None (``sock`` closed) if it has one already."""
        with self._lock:
            if self.channels.has(name) or self.channels.closing:
                sock.close()
                return None
            endpoint = Endpoint(name, sock, self.guest_limits, self._drop)
            self.channels.add(endpoint)
        endpoint.send(encode_hello())
        threading.Thread(target=self._read, args=(endpoint,), name=f"rpc-{name}",
                         daemon=True).start()
        return endpoint

    def attached(self) -> list[str]:
        return self.channels.names()

    def endpoint(self, name: str) -> Endpoint | None:
        return self.channels.get(name)

    def wait_ready(self, name: str, timeout: float) -> Endpoint | None:
        return self.channels.wait_ready(name, timeout)

    def close(self) -> None:
        with self._lock:
            self.channels.closing = True
            self._lock.notify_all()
            endpoints = self.channels.all()
            disposables = self.disposables.in_call()
        for endpoint in endpoints:
            endpoint.close()
        for name in disposables:  # the broker going away ends their calls
            self.disposables.dispose(name, "the broker stopped")

    def queued(self, name: str) -> int:
        """Bytes waiting to be sent to ``name``'s channel (0 without one)."""
        endpoint = self.endpoint(name)
        return 0 if endpoint is None else endpoint.outbox.queued

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
                if frame.kind not in _CALL_DATA or endpoint.call is None:
                    self.pace.wait(name)  # a flood waits here, in this domain's own thread
                self._dispatch(endpoint, frame)
        except (FrameError, MessageError) as exc:
            self.say(name, WARNING, "%s: malformed input, channel dropped: %s", name, exc)
            self.backoff.strike(name, endpoint.attached_at)
        except OSError as exc:
            if not endpoint.closed:
                self.say(name, INFO, "%s: channel error: %s", name, exc)
        except Exception as exc:  # whatever it was, one line and the channel goes; never silent
            self.say(name, logging.ERROR, "%s: internal error, channel dropped: %s", name,
                     brief(exc))
        finally:
            try:
                self._detach(endpoint)
            finally:
                endpoint.release()

    def _detach(self, endpoint: Endpoint) -> None:
        with self._lock:
            self.channels.remove(endpoint)
            peer = endpoint.peer
            if peer is not None and endpoint.is_target:
                self.calls.end(peer, endpoint)
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

    def _dispatch(self, endpoint: Endpoint, frame: Frame) -> None:
        kind = frame.kind
        if kind is Kind.HELLO:
            parse_hello(frame.payload)
            with self._lock:
                endpoint.ready.set()
                self._lock.notify_all()
            self.say(endpoint.name, INFO, "%s: channel ready", endpoint.name)
        elif kind is Kind.CALL:
            self.router.on_call(endpoint, frame.payload)
        elif kind in (Kind.DATA, Kind.EOF):
            self._relay(endpoint, kind, frame.payload)
        elif kind is Kind.EXIT:
            self._on_exit(endpoint, parse_exit(frame.payload))
        else:
            raise MessageError(f"a guest may not send {kind.name} frames")

    def _on_exit(self, endpoint: Endpoint, rc: int) -> None:
        """The service ``endpoint`` ran exited: its caller learns ``rc``, or the cancel of a
        call the broker ended is confirmed."""
        with self._lock:
            caller = endpoint.peer if endpoint.is_target else None
            if caller is not None:
                self.calls.end(caller, endpoint)
            cancelled = endpoint.draining if caller is None else None
            if cancelled is not None:
                cancelled.acked = True
                self.calls.settle(cancelled)
        if cancelled is not None:
            self.say(endpoint.name, INFO,
                     "call %s: the cancelled service ended (%d); %s is free again",
                     cancelled.what, rc, endpoint.name)
            return
        if caller is None:
            raise MessageError("EXIT outside a call this domain serves")
        caller.send(encode_exit(rc))  # queued: a caller that does not read holds nobody up
        self.say(endpoint.name, INFO, "call %s -> %s: service exited with %d", caller.name,
                 endpoint.name, rc)

    def _relay(self, endpoint: Endpoint, kind: Kind, payload: bytes) -> None:
        call, peer = endpoint.call, endpoint.peer
        if call is None or peer is None:
            return  # late data of a call that has ended: dropped
        if kind is Kind.DATA and endpoint.is_target:
            allowed = call.take_output(len(payload))
            if allowed < len(payload):
                if allowed:
                    peer.send_in_call(encode(kind, payload[:allowed]), call)
                self.calls.cancel(call, OUTPUT_LIMIT_RC,
                                  f"output over the limit of {call.limits.max_output} bytes")
                return
        peer.send_in_call(encode(kind, payload), call)
