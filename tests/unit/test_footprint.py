"""The session guard's footprint (tests/footprint.py) on a stand-in workstation under tmp_path:
real processes behind pidfiles, real files and sockets; each kind of interference is caught. And
every host path the product names is one the guard watches (or leaves out, saying why)."""

from __future__ import annotations

import dataclasses
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from saltext.bulkhead.apply_lock import hold, lock_path
from saltext.bulkhead.gui.clipboard_buffer import DEFAULT_BUFFER
from saltext.bulkhead.gui.names import SESSION_DIR, control_socket
from saltext.bulkhead.model.gui import HostGui
from saltext.bulkhead.model.memory_balancer import MemoryBalancer
from saltext.bulkhead.model.pillar import FormulaPaths
from saltext.bulkhead.model.rpc_policy import PolicyConfig
from saltext.bulkhead.model.workstation_paths import own_paths, own_policy
from saltext.bulkhead.plan import names
from saltext.bulkhead.systemd import UNIT_DIR
from saltext.bulkhead.systemd_units import unit_names
from tests import footprint

REPO = Path(__file__).resolve().parents[2]
HOST_PATH = re.compile(r"(?:/etc|/run|/var/lib|/var/log)/bulkhead(?:/[\w.-]*\w)*(?=[^\w.-]|\.|$)")
GUEST_SIDE = REPO / "modules/saltext/bulkhead/image/guest"  # paths inside the guests


def _under(root: Path, where: footprint.Watched) -> footprint.Watched:
    def moved(value):
        if isinstance(value, Path):
            return root / value.relative_to("/")
        return type(value)(moved(v) for v in value)

    return footprint.Watched(**{f.name: moved(getattr(where, f.name))
                                for f in dataclasses.fields(where)})


@pytest.fixture
def installed(tmp_path, monkeypatch):
    where = _under(tmp_path, footprint.HOST)
    etc, run = tmp_path / "etc/bulkhead", tmp_path / "run/bulkhead"
    lib = tmp_path / "var/lib/bulkhead"
    for folder in (etc / "policy.d", run / "clipboard", run / "workstations/bob", run / "locks",
                   lib / "images", where.units / "multi-user.target.wants"):
        folder.mkdir(parents=True)
    (etc / "memd.json").write_text('{"interval": 2.0}\n')
    (etc / "policy.d" / "30-user.policy").write_text("qubes.Filecopy * work vault deny\n")
    (lib / "images" / "debian-12.json").write_text('{"fingerprint": "1"}\n')
    (run / "clipboard" / "buffer").write_text("work\ncopied text\n")
    (where.units / "bulkhead-memd.service").write_text("[Service]\n")
    (where.units / "multi-user.target.wants/bulkhead-memd.service").symlink_to(
        where.units / "bulkhead-memd.service")
    daemons = [subprocess.Popen(["sleep", "600"]) for _ in range(2)]
    for daemon in daemons:
        _wait_for_exec(daemon.pid, b"sleep")
    (run / "memd.pid").write_text(f"{daemons[0].pid}\n")
    (run / "workstations/bob/broker.pid").write_text(f"{daemons[1].pid}\n")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(run / "memd.sock"))
    monkeypatch.setattr(footprint, "_libvirt", dict)  # qemu:///system is the integration tier's
    yield {"etc": etc, "run": run, "lib": lib, "where": where, "daemons": daemons}
    listener.close()
    for daemon in daemons:
        daemon.kill()
        daemon.wait()


def _wait_for_exec(pid: int, command: bytes, timeout: float = 10.0) -> None:
    """Until ``pid`` runs ``command``: just after the fork it is still a copy of pytest, and a
    snapshot taken then would see its command line change."""
    deadline = time.monotonic() + timeout
    while not Path(f"/proc/{pid}/cmdline").read_bytes().startswith(command):
        assert time.monotonic() < deadline, f"pid {pid} never ran {command!r}"
        time.sleep(0.005)


def _changed(installed, act) -> list[str]:
    before = footprint.snapshot(installed["where"])
    act()
    return [line.split(": ")[0] for line in footprint.changes(
        before, footprint.snapshot(installed["where"]))]


def test_an_untouched_workstation_shows_no_change(installed):
    before = footprint.snapshot(installed["where"])
    assert sum("started at tick" in v for v in before.values()) == 2
    assert footprint.changes(before, footprint.snapshot(installed["where"])) == []


def test_a_rewritten_file_and_a_new_one_are_changes(installed):
    etc = installed["etc"]
    assert _changed(installed, lambda: (
        (etc / "memd.json").write_text('{"interval": 0.5}\n'),
        (etc / "broker-pillar.json").write_text("{}\n"),
    )) == [f"file {etc / 'memd.json'}", f"file {etc / 'broker-pillar.json'}"]


def test_a_removed_policy_file_is_a_change(installed):
    policy = installed["etc"] / "policy.d" / "30-user.policy"
    before = footprint.snapshot(installed["where"])
    policy.unlink()
    assert footprint.changes(before, footprint.snapshot(installed["where"])) == [
        f"file {policy}: {before['file ' + str(policy)]} -> gone"
    ]


def test_the_exclusive_record_is_compared_and_the_shared_image_cache_is_not(installed):
    lib = installed["lib"]
    assert _changed(installed, lambda: (
        (lib / "images" / "debian-12.json").write_text('{"fingerprint": "2"}\n'),
        (lib / "images" / "debian-min.json").write_text('{"fingerprint": "1"}\n'),
        (lib / "exclusive.json").write_text("{}\n"),
    )) == [f"file {lib / 'exclusive.json'}"]


def test_a_rewritten_clipboard_buffer_is_a_change(installed):
    buffer = installed["run"] / "clipboard" / "buffer"
    assert _changed(installed, lambda: buffer.write_text("vault\nsecret\n")) == [
        f"entry {buffer}"]


def test_a_rewritten_unit_and_a_removed_enabling_link_are_changes(installed):
    units = installed["where"].units
    assert _changed(installed, lambda: (
        (units / "bulkhead-memd.service").write_text("[Service]\nExecStart=/bin/false\n"),
        (units / "multi-user.target.wants/bulkhead-memd.service").unlink(),
        (units / "bulkhead-memd-0123abcd.service").write_text("[Service]\n"),  # a test's own
    )) == [f"unit {units / 'bulkhead-memd.service'}",
           f"unit {units / 'multi-user.target.wants/bulkhead-memd.service'}"]


def test_another_workstations_broker_stopped_is_a_change(installed):
    def stop():
        installed["daemons"][1].kill()
        installed["daemons"][1].wait()

    assert _changed(installed, stop) == [
        f"daemon {installed['run'] / 'workstations/bob/broker.pid'}"]


def test_taking_the_apply_lock_is_no_change_but_replacing_its_file_is(installed):
    lock, other = lock_path(installed["run"] / "locks"), installed["run"] / "locks" / "other"

    def take():
        with hold(lock, timeout=0):
            pass

    take()
    assert _changed(installed, take) == []
    assert _changed(installed, lambda: (other.write_text(""), other.replace(lock))) == [
        f"entry {lock}"]


def test_a_stopped_daemon_is_a_change_even_when_restarted_with_its_pidfile(installed):
    before = footprint.snapshot(installed["where"])
    installed["daemons"][0].kill()
    installed["daemons"][0].wait()
    successor = subprocess.Popen(["sleep", "600"])
    try:
        (installed["run"] / "memd.pid").write_text(f"{successor.pid}\n")
        found = footprint.changes(before, footprint.snapshot(installed["where"]))
    finally:
        successor.kill()
        successor.wait()
    assert any(
        line.startswith(f"daemon {installed['run'] / 'memd.pid'}: pid ") for line in found
    ), found


def test_a_replaced_socket_is_a_change(installed):
    sock = installed["run"] / "memd.sock"
    before = footprint.snapshot(installed["where"])
    sock.unlink()
    with socket.socket(socket.AF_UNIX) as impostor:
        impostor.bind(str(sock))
        found = footprint.changes(before, footprint.snapshot(installed["where"]))
    assert [line.split(":")[0] for line in found] == [f"entry {sock}"]


def _covered(path: Path) -> bool:
    return footprint.watches(path) or any(
        path == p or p in path.parents for p in footprint.UNWATCHED)


def test_every_host_path_the_product_names_is_watched():
    sources = [p for p in (REPO / "modules").rglob("*.py") if GUEST_SIDE not in p.parents]
    sources += [*(REPO / "states").rglob("*.sls"), REPO / "pillar.example"]
    named = {Path(m.rstrip(".")) for p in sources for m in HOST_PATH.findall(p.read_text())}
    assert len(named) > 20, sorted(named)
    assert sorted(str(p) for p in named if not _covered(p)) == []


def test_every_default_path_of_the_host_and_of_another_workstation_is_watched():
    host = FormulaPaths()
    other = own_paths(host, "bob", "this-host")
    paths = [Path(v) for p in (host, other) for v in p.model_dump().values()]
    paths += [Path(own_policy(PolicyConfig(), w, "this-host").dir) for w in ("this-host", "bob")]
    paths += [Path(p.broker_pidfile).parent / "ask.sock" for p in (host, other)]  # the broker's
    paths += [UNIT_DIR / name for name in dataclasses.astuple(unit_names(host))]
    paths += [Path(MemoryBalancer().socket), Path(HostGui().sway_config), DEFAULT_BUFFER,
              control_socket("work", SESSION_DIR), lock_path(Path(host.locks))]
    paths += [Path(d) / "work.sock" for d in (names.AGENT_SOCKET_DIR, names.RPC_SOCKET_DIR,
                                               names.GUI_SOCKET_DIR)]
    assert sorted(str(p) for p in paths if not _covered(p)) == []
