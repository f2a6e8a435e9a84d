"""The guest user's side: ``bulkhead-rpc TARGET SERVICE[+ARG]`` and ``bulkhead-copy TARGET FILE...``.

Both talk to the local ``bulkhead-rpcd`` over its unix socket with the same frames it speaks to
the host: CALL, then our DATA and EOF, while RESULT, the service's DATA and its EXIT come back.
Exit status: the remote service's, 126 when the call was refused, 1 for a local error.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterable
from typing import BinaryIO

from .frames import FrameError, FrameReader, Kind, data_frames, encode
from .guest_daemon import LOCAL_SOCKET
from .messages import CallRequest, MessageError, parse_exit, parse_result

REFUSED_RC = 126
FILECOPY_SERVICE = "qubes.Filecopy"


def _feed(sock: socket.socket, chunks: Iterable[bytes], errors: list[BaseException]) -> None:
    try:
        for chunk in chunks:
            for frame in data_frames(chunk):
                sock.sendall(frame)
        sock.sendall(encode(Kind.EOF))
    except Exception as exc:  # e.g. FileCopyError: stop; the receiver discards a truncated stream
        errors.append(exc)
        sock.close()


def call(target: str, service_call: str, chunks: Iterable[bytes], out: BinaryIO,
         local_socket: str = LOCAL_SOCKET, err: BinaryIO | None = None) -> int:
    request = CallRequest.from_call(service_call, target)
    errors: list[BaseException] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(local_socket)
        sock.sendall(request.encode())
        reader = FrameReader(sock)
        first = reader.next()
        if first is None or first.kind is not Kind.RESULT or parse_result(first.payload) is None:
            print(f"{service_call} to {target}: request refused", file=sys.stderr)
            return REFUSED_RC
        feeder = threading.Thread(target=_feed, args=(sock, chunks, errors), daemon=True)
        feeder.start()
        rc = 1
        try:
            while True:
                frame = reader.next()
                if frame is None:
                    break
                if frame.kind is Kind.DATA:
                    out.write(frame.payload)
                    out.flush()
                elif frame.kind is Kind.EXIT:
                    rc = parse_exit(frame.payload)
                    break
        except (FrameError, MessageError, OSError) as exc:
            if not errors:
                errors.append(exc)
    for exc in errors:
        print(f"{service_call} to {target}: {exc}", file=sys.stderr)
    return rc if not errors else max(rc, 1)


def _stdin_chunks() -> Iterable[bytes]:
    while True:
        data = os.read(0, 65536)
        if not data:
            return
        yield data


def rpc_main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: bulkhead-rpc TARGET SERVICE[+ARGUMENT]  (stdin and stdout are the service's)",
              file=sys.stderr)
        return 2
    try:
        return call(args[0], args[1], _stdin_chunks(), sys.stdout.buffer)
    except (MessageError, OSError) as exc:
        print(f"bulkhead-rpc: {exc}", file=sys.stderr)
        return 1


def copy_main(argv: list[str] | None = None) -> int:
    from ..filecopy import send

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: bulkhead-copy TARGET FILE...", file=sys.stderr)
        return 2
    try:
        return call(args[0], FILECOPY_SERVICE + "+", send(args[1:]), sys.stdout.buffer)
    except (MessageError, OSError) as exc:
        print(f"bulkhead-copy: {exc}", file=sys.stderr)
        return 1
