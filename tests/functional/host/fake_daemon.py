"""A stand-in for libvirtd/virtlogd as scripts/start-libvirt.sh drives them: ``-d -p PIDFILE``
daemonizes, listens on the unix socket the script is told to probe, writes the pidfile once it
listens, and appends a line to ``PIDFILE.starts`` per start (so tests count starts).

Installed by the tests as ``<tmp>/bin/libvirtd`` (or virtlogd) with a direct shebang, so the
process is named like the daemon. ``--exit`` ends at once (a zombie when nobody reaps it);
``--silent`` lives without listening (a hung daemon).
"""

import os
import socket
import sys
import time

NAME = os.path.basename(sys.argv[0])
SOCKET_ENV = {"libvirtd": "BULKHEAD_LIBVIRTD_SOCK", "virtlogd": "BULKHEAD_VIRTLOGD_SOCK"}


def serve(sock_path: str, pidfile: str, ready: int) -> None:
    os.setsid()
    if os.path.exists(sock_path):
        os.unlink(sock_path)  # a dead daemon's socket file, as libvirtd replaces it
    server = socket.socket(socket.AF_UNIX)
    server.bind(sock_path)
    server.listen(8)
    with open(pidfile, "w") as out:
        out.write(f"{os.getpid()}\n")
    with open(pidfile + ".starts", "a") as out:
        out.write(f"{os.getpid()}\n")
    os.write(ready, b"ok")
    os.close(ready)
    while True:
        conn, _ = server.accept()
        conn.close()


def main() -> None:
    if "--exit" in sys.argv:
        return
    if "--silent" in sys.argv:
        while True:
            time.sleep(60)
    pidfile = sys.argv[sys.argv.index("-p") + 1]
    sock_path = os.environ[SOCKET_ENV[NAME]]
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        for fd in (0, 1, 2):  # like a daemon: the caller's pipes are not held open
            os.dup2(os.open(os.devnull, os.O_RDWR), fd)
        serve(sock_path, pidfile, write)
        os._exit(0)
    os.close(write)
    sys.exit(0 if os.read(read, 2) == b"ok" else 1)


main()
