"""Reading who is connected to a channel socket from ``ss -xapH``: recorded output of a QEMU
chardev with the broker connected, an intruder waiting in the backlog, a live socket made here."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from saltext.bulkhead.verify.unix_sockets import connections_to, parse_ss

PATH = "/run/bulkhead/rpc/work.sock"
# Shapes as ss 6.1 prints them: QEMU listens and accepted the broker (python3, pid 700); a second
# client (nc, pid 900) connected and waits unaccepted; an unrelated socket; a netlink line.
RECORDED = f"""\
u_str LISTEN 1      1                      {PATH} 5001 * 0        users:(("qemu-system-x86",pid=600,fd=31))
u_str ESTAB  0      0                      {PATH} 5003 * 5002 users:(("qemu-system-x86",pid=600,fd=33))
u_str ESTAB  0      0                                     * 5002 * 5003 users:(("python3",pid=700,fd=9))
u_str ESTAB  0      0                                     * 5004 * 0        users:(("nc",pid=900,fd=3))
u_str ESTAB  0      0                      /run/other.sock 6001 * 6002 users:(("sshd",pid=10,fd=4),("sshd",pid=11,fd=4))
u_dgr UNCONN 0      0                      /run/systemd/notify 7001 * 0
nl    UNCONN 0      0                      rtnl:kernel       *
"""


def test_recorded_broker_and_a_waiting_intruder():
    sockets = parse_ss(RECORDED)
    seen = connections_to(sockets, PATH)
    assert seen.listening
    assert seen.waiting == 1
    assert seen.clients == ((("python3", 700),),)


def test_several_holders_and_unknown_paths():
    sockets = parse_ss(RECORDED)
    assert [s.processes for s in sockets if s.path == "/run/other.sock"] == [
        (("sshd", 10), ("sshd", 11))
    ]
    nothing = connections_to(sockets, "/run/bulkhead/rpc/vault.sock")
    assert not nothing.listening and nothing.waiting == 0 and nothing.clients == ()


def test_a_client_whose_end_is_not_listed_has_no_holders():
    text = f"u_str ESTAB 0 0 {PATH} 5003 * 5002 users:((\"qemu-system-x86\",pid=600,fd=33))\n"
    assert connections_to(parse_ss(text), PATH).clients == ((),)


@pytest.mark.skipif(
    not os.path.exists("/usr/bin/ss") and not os.path.exists("/bin/ss"), reason="no ss"
)
def test_a_live_socket_read_through_ss(tmp_path):
    path = str(tmp_path / "chan.sock")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    client = socket.socket(socket.AF_UNIX)
    client.connect(path)
    accepted, _ = server.accept()
    waiting = socket.socket(socket.AF_UNIX)
    waiting.connect(path)
    try:
        seen = connections_to(
            parse_ss(
                subprocess.run(["ss", "-xapH"], capture_output=True, text=True, check=True).stdout
            ),
            path,
        )
        assert seen.listening and seen.waiting == 1
        assert len(seen.clients) == 1 and {pid for _, pid in seen.clients[0]} == {os.getpid()}
    finally:
        for s in (waiting, accepted, client, server):
            s.close()
