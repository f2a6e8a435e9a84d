"""verify/reach.py: every probe of every guest, at once, read back as the guests answer.

The guests here are the host's shell with busybox's nc and ping (what the tiny guest image has),
so the probes really connect: to a listening socket, to a port nobody listens on."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from types import SimpleNamespace

import pytest

from saltext.bulkhead.verify.reach import reached
from saltext.bulkhead.verify.suite.test_guest_network import IP, _spoofer

BUSYBOX = shutil.which("busybox")
pytestmark = pytest.mark.skipif(BUSYBOX is None, reason="busybox (nc, ping) is not installed")


class ShellGuest:
    """A guest whose commands run in ``sh`` here, with busybox's nc and ping first on PATH."""

    def __init__(self, bin_dir):
        self.env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
        self.commands: list[str] = []

    def run(self, command: str):
        self.commands.append(command)
        out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30,
                             env=self.env, check=False)
        return SimpleNamespace(rc=out.returncode, stdout=out.stdout)


class Liar:
    """A guest that claims probes it was not asked, and garbage."""

    def run(self, command: str):
        return SimpleNamespace(rc=0, stdout="reached 0\nreached 7\nreached -1\nreached 1x\n")


@pytest.fixture
def bin_dir(tmp_path):
    for applet in ("nc", "ping"):
        (tmp_path / applet).symlink_to(BUSYBOX)
    return tmp_path


def _serve(listening: socket.socket) -> None:
    """Accept and hang up, as a web server does after its answer (nc then exits)."""
    while True:
        try:
            conn, _ = listening.accept()
        except OSError:
            return  # closed: the test is over
        conn.close()


@pytest.fixture
def ports():
    """A port with a server and one without (bound, then closed: nobody listens there)."""
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        server = threading.Thread(target=_serve, args=(listening,), daemon=True)
        server.start()
        closed.bind(("127.0.0.1", 0))
        free = closed.getsockname()[1]
        closed.close()
        yield listening.getsockname()[1], free
        listening.shutdown(socket.SHUT_RDWR)


def test_each_probe_of_each_guest_is_answered_in_one_command_per_guest(bin_dir, ports):
    open_, shut = ports
    guests = {"a": ShellGuest(bin_dir), "b": ShellGuest(bin_dir)}
    got = reached(guests.__getitem__, {
        "a": [("tcp", "127.0.0.1", open_), ("tcp", "127.0.0.1", shut)],
        "b": [("tcp", "127.0.0.1", shut), ("tcp", "127.0.0.1", shut)],  # asked twice: tried once
        "c": []})
    assert got == {("a", ("tcp", "127.0.0.1", open_)): True,
                   ("a", ("tcp", "127.0.0.1", shut)): False,
                   ("b", ("tcp", "127.0.0.1", shut)): False}
    assert [len(g.commands) for g in guests.values()] == [1, 1]
    assert guests["b"].commands[0].count("nc -w 3") == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="busybox ping needs a raw socket (root)")
def test_a_ping_that_is_answered_is_reached(bin_dir):
    got = reached(lambda _name: ShellGuest(bin_dir), {"a": [("ping", "127.0.0.1")]})
    assert got == {("a", ("ping", "127.0.0.1")): True}


def test_a_guest_can_only_say_which_of_its_own_probes_reached():
    got = reached(lambda _name: Liar(), {"a": [("tcp", "192.0.2.1", 80), ("ping", "192.0.2.2")]})
    assert got == {("a", ("tcp", "192.0.2.1", 80)): True, ("a", ("ping", "192.0.2.2")): False}


@pytest.mark.parametrize("probe", [("tcp", "192.0.2.1; reboot", 80), ("tcp", "192.0.2.1", "80; x"),
                                   ("udp", "192.0.2.1", 53)])
def test_a_probe_that_is_not_an_address_and_port_never_reaches_a_guest(probe):
    guest = Liar()
    with pytest.raises(ValueError):
        reached(lambda _name: guest, {"a": [probe]})


class Silent:
    """A guest that reaches nothing: every probe of its one command goes unanswered."""

    def __init__(self):
        self.commands: list[str] = []

    def run(self, command: str):
        self.commands.append(command)
        return SimpleNamespace(rc=0, stdout="")


@pytest.mark.skipif(os.geteuid() != 0, reason="busybox ping needs a raw socket (root)")
def test_the_spoof_check_takes_the_first_client_that_pings_a_target_all_asked_at_once(bin_dir):
    guests = {"a": Silent(), "b": ShellGuest(bin_dir), "c": ShellGuest(bin_dir)}
    targets = [IP("127.0.0.1"), IP("127.0.0.2")]
    clients = {name: (None, None) for name in guests}
    assert _spoofer(guests.__getitem__, clients, targets) == ("b", IP("127.0.0.1"))
    assert [len(g.commands) for g in guests.values()] == [1, 1, 1]  # one batch per guest
    assert _spoofer(guests.__getitem__, {"a": (None, None)}, targets) is None
