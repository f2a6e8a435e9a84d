"""The ``qubes.UpdatesProxy`` service in the domain with network (by default sys-net): one HTTP
request from a template's apt (stdin) is sent to the repository its URL names and the answer
comes back (stdout), as Qubes' tinyproxy does for its templates.

Nothing here is trusted: apt in the template verifies every index against the signed Release file
and every package against those indices, so this only carries bytes. It still takes no more than
it must: GET or HEAD of an ``http://`` URL, a bounded request head, one request per call
(``Connection: close``: apt opens the next connection, which is the next call).
"""

from __future__ import annotations

import contextlib
import socket
import sys
from typing import BinaryIO
from urllib.parse import urlsplit

MAX_HEAD = 16 << 10
METHODS = (b"GET", b"HEAD")
CONNECT_TIMEOUT_S = 30
DROPPED = (b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"host")


class ProxyRefusal(Exception):
    """The request is not one this proxy carries: the caller gets an HTTP error instead."""


def read_head(stream: BinaryIO) -> list[bytes]:
    """The request line and header lines, without their line ends."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = stream.readline(MAX_HEAD + 1)
        size += len(line)
        if size > MAX_HEAD:
            raise ProxyRefusal("request head too large")
        if not line.endswith(b"\n"):
            raise ProxyRefusal("request ended inside its head")
        line = line.rstrip(b"\r\n")
        if not line:
            if not lines:
                raise ProxyRefusal("empty request")
            return lines
        lines.append(line)


def upstream_request(lines: list[bytes]) -> tuple[str, int, bytes]:
    """(host, port, the request in origin form) for the request ``lines`` of an absolute URL."""
    parts = lines[0].split(b" ")
    if len(parts) != 3 or parts[0] not in METHODS or not parts[2].startswith(b"HTTP/1."):
        raise ProxyRefusal("only GET and HEAD requests are carried")
    try:
        url = urlsplit(parts[1].decode("ascii"))
        port = url.port or 80
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProxyRefusal(f"bad URL: {exc}") from None
    if url.scheme != "http" or not url.hostname or url.username or url.password:
        raise ProxyRefusal("only http:// URLs without credentials are carried")
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    host = url.netloc.encode("ascii")
    kept = [line for line in lines[1:] if line.split(b":", 1)[0].strip().lower() not in DROPPED]
    head = [b"%s %s HTTP/1.1" % (parts[0], path.encode("ascii")), b"Host: " + host, *kept,
            b"Connection: close"]
    return url.hostname, port, b"\r\n".join(head) + b"\r\n\r\n"


def _refuse(out: BinaryIO, why: str) -> None:
    body = f"bulkhead updates proxy: {why}\n".encode()
    out.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    out.flush()


def serve(stdin: BinaryIO, out: BinaryIO) -> int:
    """Carry one request; 0 when the repository answered, 1 when it was refused or unreachable."""
    try:
        host, port, request = upstream_request(read_head(stdin))
        upstream = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
    except (ProxyRefusal, OSError) as exc:
        _refuse(out, str(exc))
        print(f"qubes.UpdatesProxy: {exc}", file=sys.stderr)
        return 1
    with upstream:
        upstream.settimeout(None)
        upstream.sendall(request)
        with contextlib.suppress(OSError):
            upstream.shutdown(socket.SHUT_WR)  # one request: the repository may close when done
        while data := upstream.recv(65536):
            out.write(data)
            out.flush()
    return 0


def main() -> int:
    return serve(sys.stdin.buffer, sys.stdout.buffer)
