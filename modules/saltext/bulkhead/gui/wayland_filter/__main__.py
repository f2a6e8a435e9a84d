"""``python3 -m saltext.bulkhead.gui.wayland_filter --listen SOCKET --upstream COMPOSITOR_SOCKET
--domain NAME``: the Wayland filter between one domain's ``waypipe client`` and the compositor.

It listens on SOCKET (a unix socket it creates, mode 0600; a stale socket there is replaced,
anything else is an error) and serves until killed. Point ``waypipe client`` at it with
``WAYLAND_DISPLAY=SOCKET`` (an absolute path), and run both as the domain's unprivileged user.
``--control SOCKET``: also serve ``bulkhead clipboard copy`` and ``paste`` there (root only).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import stat
import sys

from .pair import Limits
from .relay import Relay


def listen(path: str) -> socket.socket:
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(16)
    return listener


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m saltext.bulkhead.gui.wayland_filter",
                                     description="Wayland filter for one domain's windows")
    parser.add_argument("--listen", required=True, metavar="SOCKET")
    parser.add_argument("--upstream", required=True, metavar="COMPOSITOR_SOCKET")
    parser.add_argument("--domain", required=True, metavar="NAME")
    parser.add_argument("--max-connections", type=int, default=Limits.max_connections)
    parser.add_argument("--control", metavar="SOCKET",
                        help="root's clipboard control socket (bulkhead clipboard copy/paste)")
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    # Plain: every message of relay.py is escaped where it is made (untrusted.text.printable).
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    sockets = []
    for path in (args.listen, args.control):
        try:
            sockets.append(listen(path) if path else None)
        except OSError as exc:
            parser.error(f"cannot listen on {path}: {exc.strerror}")
    relay = Relay(sockets[0], args.upstream, args.domain,
                  Limits(max_connections=args.max_connections), sockets[1])
    try:
        relay.serve_forever()
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
