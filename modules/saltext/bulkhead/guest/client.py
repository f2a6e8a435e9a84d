"""The guest user's side: ``bulkhead-rpc TARGET SERVICE[+ARG]``, ``bulkhead-copy TARGET FILE...``.

Both talk to the local ``bulkhead-rpcd`` over its unix socket with the same frames it speaks to
the host: CALL, then our DATA and EOF, while RESULT, the service's DATA and its EXIT come back.
Exit status: the remote service's; 126 when the call was refused; 255 when the call was cut (the
channel to bulkhead-rpcd broke, or rpcd passed on the 255 of a lost host or target channel, see
docs/rpc.md); 1 for a local error. A cut call says so in one line on stderr, never a traceback,
and no thread of ours outlives the call: one still running at interpreter exit would end by
pthread_exit, which aborts a process whose glibc cannot load libgcc_s.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

from ..rpcwire.frames import FrameError, FrameReader, Kind, data_frames, encode
from ..rpcwire.messages import CallRequest, MessageError, parse_exit, parse_result
from .daemon import LOCAL_SOCKET

REFUSED_RC = 126
CUT_RC = 255
FILECOPY_SERVICE = "qubes.Filecopy"


class CallCut(Exception):
    """The call ended without the service's exit status: a channel on the way was lost."""


def _feed(sock: socket.socket, chunks: Iterable[bytes], errors: list[BaseException]) -> None:
    try:
        for chunk in chunks:
            for frame in data_frames(chunk):
                if not _send(sock, frame):
                    return
        _send(sock, encode(Kind.EOF))
    except Exception as exc:  # the data's source failed (FileCopyError, stdin): stop sending;
        errors.append(exc)  # the receiver discards a truncated stream
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)  # rpcd passes it on as our EOF; the EXIT still comes


def _send(sock: socket.socket, frame: bytes) -> bool:
    """False once the channel is closed: the reading side says how the call ended."""
    try:
        sock.sendall(frame)
    except OSError:
        return False
    return True


def _allowed(reader: FrameReader) -> bool:
    """Whether the broker let the call through (False: refused)."""
    first = reader.next()
    if first is None:
        raise CallCut("bulkhead-rpcd closed the channel before the answer")
    if first.kind is Kind.EXIT:  # rpcd lost the host while the broker decided
        raise CallCut(f"no answer, exit {parse_exit(first.payload)} from bulkhead-rpcd")
    if first.kind is not Kind.RESULT:
        raise CallCut(f"bulkhead-rpcd answered with {first.kind.name}")
    return parse_result(first.payload) is not None


def _relay(reader: FrameReader, out: BinaryIO, errors: list[BaseException]) -> int:
    """The service's output to ``out`` until its EXIT; its exit status."""
    writing = True
    while True:
        frame = reader.next()
        if frame is None:
            raise CallCut("bulkhead-rpcd closed the channel before the exit status")
        if frame.kind is Kind.DATA and writing:
            try:
                out.write(frame.payload)
                out.flush()
            except OSError as exc:  # our output is gone; the call still runs to its EXIT
                errors.append(OSError(f"writing the output failed: {exc.strerror}"))
                writing = False
        elif frame.kind is Kind.EXIT:
            rc = parse_exit(frame.payload)
            if rc == CUT_RC:
                raise CallCut("the broker or the target went away")
            return rc


def call(target: str, service_call: str, chunks: Iterable[bytes], out: BinaryIO,
         local_socket: str = LOCAL_SOCKET, err: TextIO | None = None) -> int:
    """Run the call; its exit status (see the module's docstring), having said on ``err``
    in one line each what went wrong."""
    err = sys.stderr if err is None else err
    request = CallRequest.from_call(service_call, target)
    errors: list[BaseException] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        feeder = threading.Thread(target=_feed, args=(sock, chunks, errors), daemon=True)
        try:
            sock.connect(local_socket)
            sock.sendall(request.encode())
            reader = FrameReader(sock)
            if not _allowed(reader):
                print(f"{service_call} to {target}: request refused", file=err)
                return REFUSED_RC
            feeder.start()
            rc = _relay(reader, out, errors)
        except (CallCut, FrameError, MessageError, OSError) as exc:
            rc = CUT_RC
            errors.insert(0, exc if isinstance(exc, CallCut) else CallCut(f"bulkhead-rpcd: {exc}"))
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the feeder should it be blocked sending
            if feeder.is_alive():
                getattr(chunks, "stop", lambda: None)()  # and should it be waiting for stdin
                feeder.join()
    for exc in errors[:1] if rc == CUT_RC else errors:
        what = f"cut, exit {CUT_RC} ({exc})" if isinstance(exc, CallCut) else str(exc)
        print(f"{service_call} to {target}: {what}", file=err)
    return rc if not errors else max(rc, 1)


class StdinChunks:
    """stdin in chunks, until it ends or ``stop`` is called (a read of it may never return)."""

    def __init__(self) -> None:
        self._wake_r, self._wake_w = os.pipe()

    def __iter__(self) -> Iterator[bytes]:
        while self._wake_r not in select.select([0, self._wake_r], [], [])[0]:
            data = os.read(0, 65536)
            if not data:
                return
            yield data

    def stop(self) -> None:
        os.close(self._wake_w)  # the end of the pipe wakes the select


def rpc_main(argv: list[str] | None = None, local_socket: str = LOCAL_SOCKET) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: bulkhead-rpc TARGET SERVICE[+ARGUMENT]  (stdin and stdout are the service's)",
              file=sys.stderr)
        return 2
    try:
        return call(args[0], args[1], StdinChunks(), sys.stdout.buffer, local_socket)
    except (MessageError, OSError) as exc:
        print(f"bulkhead-rpc: {exc}", file=sys.stderr)
        return 1


def copy_main(argv: list[str] | None = None, local_socket: str = LOCAL_SOCKET) -> int:
    from ..filecopy import send

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: bulkhead-copy TARGET FILE...", file=sys.stderr)
        return 2
    try:
        return call(
            args[0], FILECOPY_SERVICE + "+", send(args[1:]), sys.stdout.buffer, local_socket
        )
    except (MessageError, OSError) as exc:
        print(f"bulkhead-copy: {exc}", file=sys.stderr)
        return 1
