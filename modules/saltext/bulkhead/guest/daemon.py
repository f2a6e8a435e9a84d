"""``bulkhead-rpcd``: the guest end of the RPC channel (runs as root in every domain).

It owns the virtio-serial port ``org.bulkhead.rpc.0`` and serves both directions, one call at a
time: a local program (``bulkhead-rpc``, ``bulkhead-copy``) connects to ``/run/bulkhead/rpc.sock``
and its call goes out through the broker; a call the broker sends in (EXEC) runs the named
service from ``/usr/lib/bulkhead/rpc-services`` with the source domain in its environment, its
stdin and stdout being the caller's data. Only the standard library, the framing and the
messages are imported: this runs in the guest image.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from ..rpcwire.frames import Decoder, Frame, FrameError, FrameReader, Kind, data_frames, encode
from ..rpcwire.messages import (
    CallRequest,
    ExecRequest,
    MessageError,
    encode_exit,
    encode_hello,
    encode_result,
    parse_hello,
    parse_result,
)

PORT = "/dev/virtio-ports/org.bulkhead.rpc.0"
LOCAL_SOCKET = "/run/bulkhead/rpc.sock"
SERVICES = "/usr/lib/bulkhead/rpc-services"
UNKNOWN_SERVICE_RC = 127
BUSY_RC = 126
HOST_GONE_RC = 255


@dataclass
class Outgoing:
    """A local program's call: frames from the host go to its socket."""

    client: socket.socket
    sent_eof: bool = False


@dataclass
class Incoming:
    """A service run for another domain: host DATA feeds its stdin."""

    process: subprocess.Popen[bytes]
    done: threading.Event = field(default_factory=threading.Event)


class GuestDaemon:
    def __init__(self, port: str = PORT, local_socket: str = LOCAL_SOCKET, services: str = SERVICES,
                 log=sys.stderr):
        self.port_path = port
        self.local_socket = local_socket
        self.services = services
        self.log = log
        self.port_fd = -1
        self.session: Outgoing | Incoming | None = None
        self._lock = threading.Lock()
        self._port_lock = threading.Lock()
        self._stopped = threading.Event()
        self._server: socket.socket | None = None

    def say(self, message: str) -> None:
        print(f"bulkhead-rpcd: {message}", file=self.log, flush=True)

    def to_host(self, frame: bytes) -> None:
        with self._port_lock:
            view = memoryview(frame)
            while view:
                view = view[os.write(self.port_fd, view):]

    # The port (host side) -----------------------------------------------------------------------

    def serve_port(self) -> None:
        decoder = Decoder()
        connected = False
        while not self._stopped.is_set():
            try:
                data = os.read(self.port_fd, 65536)
            except OSError:
                data = b""
            if not data:  # the broker is not connected: whatever was under way is over
                if connected:
                    self.say("host disconnected")
                    self._abort(HOST_GONE_RC)
                    decoder, connected = Decoder(), False
                time.sleep(0.2)
                continue
            connected = True
            try:
                frames = decoder.feed(data)
            except FrameError as exc:
                self.say(f"broken frame from the host: {exc}")
                self._abort(HOST_GONE_RC)
                decoder = Decoder()
                continue
            for frame in frames:
                try:
                    self._from_host(frame)
                except MessageError as exc:
                    self.say(f"bad {frame.kind.name} from the host: {exc}")
                except OSError as exc:  # e.g. a service that cannot be started
                    self.say(f"{frame.kind.name} from the host failed: {exc}")

    def _from_host(self, frame: Frame) -> None:
        kind, session = frame.kind, self.session
        if kind is Kind.HELLO:
            parse_hello(frame.payload)
            self._abort(HOST_GONE_RC)  # a new broker connection: earlier calls are gone
            self.to_host(encode_hello())
        elif kind is Kind.EXEC:
            self._start_service(ExecRequest.parse(frame.payload))
        elif kind is Kind.CANCEL:
            # The broker ended the call (time limit, output limit). Our EXIT, sent once the
            # service is gone, tells it the domain is free again. A service that already ended
            # on its own has sent that EXIT: then there is nothing left to stop.
            if isinstance(session, Incoming):
                self.say("call cancelled by the host: stopping the service")
                _kill(session.process)
        elif isinstance(session, Outgoing):
            if kind in (Kind.RESULT, Kind.DATA, Kind.EOF, Kind.EXIT):
                last = kind is Kind.EXIT or (
                    kind is Kind.RESULT and parse_result(frame.payload) is None
                )
                if last:  # free before the program learns of the end, so it may call again at once
                    self._release(session)
                with contextlib.suppress(
                    OSError
                ):  # the program went away; the call runs to its EXIT
                    session.client.sendall(encode(kind, frame.payload))
                if last:
                    session.client.close()
        elif isinstance(session, Incoming):
            stdin = session.process.stdin
            if kind is Kind.DATA and stdin is not None:
                try:
                    stdin.write(frame.payload)
                    stdin.flush()
                except (BrokenPipeError, ValueError):
                    pass  # the service stopped reading; the rest is dropped
            elif kind is Kind.EOF and stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    stdin.close()

    def _release(self, session: Outgoing | Incoming) -> bool:
        """The domain is free for another call; False if ``session`` was no longer the current."""
        with self._lock:
            mine = self.session is session
            if mine:
                self.session = None
        return mine

    def _abort(self, rc: int) -> None:
        with self._lock:
            session, self.session = self.session, None
        if isinstance(session, Outgoing):
            with contextlib.suppress(OSError):
                session.client.sendall(encode_exit(rc))
            session.client.close()
        elif isinstance(session, Incoming):
            _kill(session.process)

    # Services (calls into this domain) ----------------------------------------------------------

    def _start_service(self, request: ExecRequest) -> None:
        path = os.path.join(self.services, request.service)
        with self._lock:
            busy = self.session is not None
        if busy or not os.access(path, os.X_OK):
            self.say(
                f"{request.service} from {request.source}: "
                + ("busy" if busy else "no such service")
            )
            self.to_host(encode(Kind.EOF))
            self.to_host(encode_exit(BUSY_RC if busy else UNKNOWN_SERVICE_RC))
            return
        env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "BULKHEAD_RPC_SOURCE": request.source,
               "BULKHEAD_RPC_SERVICE": request.service, "BULKHEAD_RPC_ARGUMENT": request.argument}
        process = subprocess.Popen(
            [path, request.argument],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr(),
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        session = Incoming(process)
        with self._lock:
            self.session = session
        self.say(f"{request.service}{request.argument} from {request.source}: started")
        threading.Thread(target=self._pump_service, args=(session, request), daemon=True).start()

    def _stderr(self) -> int | object:
        """Services' stderr goes to our log when it is a real file, else nowhere."""
        try:
            self.log.fileno()
        except (AttributeError, OSError, ValueError):
            return subprocess.DEVNULL
        return self.log

    def _pump_service(self, session: Incoming, request: ExecRequest) -> None:
        stdout = session.process.stdout
        assert stdout is not None
        host_gone = False
        while True:
            chunk = stdout.read1(65536) if hasattr(stdout, "read1") else stdout.read(65536)
            if not chunk:
                break
            if self.session is session and not host_gone:
                try:
                    for frame in data_frames(chunk):
                        self.to_host(frame)
                except OSError:  # the port's reader aborts the call; the rest is dropped
                    host_gone = True
        rc = session.process.wait()
        rc = rc if 0 <= rc <= 255 else 128 + min(-rc, 127)
        if self._release(session):  # free before the caller learns of the end, so it may call again
            with contextlib.suppress(OSError):
                self.to_host(encode(Kind.EOF))
                self.to_host(encode_exit(rc))
        self.say(f"{request.service}{request.argument} from {request.source}: exit {rc}")

    # Local programs (calls out of this domain) --------------------------------------------------

    def serve_local(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.local_socket)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(self.local_socket)
        os.chmod(self.local_socket, 0o666)
        server.listen(8)
        self._server = server
        while not self._stopped.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve_client, args=(client,), daemon=True).start()

    def _serve_client(self, client: socket.socket) -> None:
        reader = FrameReader(client)
        try:
            first = reader.next()
            if first is None or first.kind is not Kind.CALL:
                raise MessageError("a program must start with a CALL frame")
            request = CallRequest.parse(first.payload)
        except (FrameError, MessageError, OSError) as exc:
            self.say(f"local program: {exc}")
            client.close()
            return
        session = Outgoing(client)
        with self._lock:
            busy = self.session is not None
            if not busy:
                self.session = session
        try:
            if busy:
                client.sendall(encode_result(None))
                client.close()
                return
            self.to_host(request.encode())
            while True:
                frame = reader.next()
                if frame is None or frame.kind is Kind.EOF:
                    break
                if frame.kind is not Kind.DATA:
                    raise MessageError(f"a program may not send {frame.kind.name} during a call")
                if self.session is session:
                    self.to_host(encode(Kind.DATA, frame.payload))
        except (FrameError, MessageError, OSError) as exc:
            self.say(f"local program: {exc}")
        if self.session is session and not session.sent_eof:
            session.sent_eof = True
            try:
                self.to_host(encode(Kind.EOF))
            except OSError as exc:
                self.say(f"host channel: {exc}")

    def stop(self) -> None:
        """End the serving loops (tests; the guest's daemon runs until poweroff)."""
        self._stopped.set()
        self._abort(HOST_GONE_RC)
        if self._server is not None:
            with contextlib.suppress(OSError):  # shutdown wakes the thread blocked in accept()
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()

    def run(self) -> None:
        while True:
            try:
                self.port_fd = os.open(self.port_path, os.O_RDWR | os.O_CLOEXEC)
                break
            except OSError as exc:
                self.say(f"waiting for {self.port_path}: {exc.strerror}")
                time.sleep(2)
        threading.Thread(target=self.serve_local, daemon=True).start()
        self.say("serving")
        self.serve_port()


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill a service and everything it started: they share the session (and process group) it
    was started in, and a child left holding its stdout would keep the call's output open.
    Until the service is reaped (which waits for its stdout to close) its pid names that group
    and cannot have been reused."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    GuestDaemon().run()
    return 0
