"""bulkhead-memd against hostile guests: a donor that never gives, balloon figures that lie, and a
socket folder others could write. memd is real (its loop, passes, admission and unix socket); only
the guests' balloon drivers are played (``memd_guests.py``) on libvirt's test driver."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path

import libvirt
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import saltext.bulkhead
from saltext.bulkhead.memd.daemon import DaemonState, balance_once, request, run
from saltext.bulkhead.memd.daemon_config import DaemonConfig
from saltext.bulkhead.memd.server import MemdServer, serve_in_thread
from saltext.bulkhead.memd_client import ask
from tests.functional.memd.memd_fixtures import domain_xml, private_host, start

from .memd_guests import Guest, GuestHost, MiB, NeverInflates, idle_stats

CAPACITY = 1536 * MiB  # host 2048 MiB less 512 reserved


def memd_config(**extra) -> DaemonConfig:
    extra = {"request_wait": 0.0, "host_kib": 2048 * MiB, "reserve_kib": 512 * MiB} | extra
    return DaemonConfig(uri="guests", interval=0.02, **extra)


@pytest.fixture
def host(tmp_path):
    """A liar holding 1000 of its 1024 MiB and saying it uses 10; an honest idle guest at 500."""
    conn = private_host(tmp_path)
    guests = GuestHost(conn)
    liar = guests.add(NeverInflates(start(conn, domain_xml("liar", 1024, 1000)), idle_stats(10)))
    idle = guests.add(Guest(start(conn, domain_xml("idle", 1024, 500)), idle_stats(100)))
    yield guests, liar, idle
    conn.close()


@pytest.fixture
def memd_socket(tmp_path):
    servers = []

    def serve(guests: GuestHost, config: DaemonConfig, state: DaemonState) -> Path:
        path = tmp_path / "run" / "memd.sock"
        server = MemdServer(path, partial(request, guests, config, state), state)
        serve_in_thread(server)
        servers.append(server)
        return path

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def run_loop_until(guests, config, state, monkeypatch, done, polls: int = 400) -> None:
    """The daemon's own loop (``run``), its libvirt connection being the guests' host."""
    monkeypatch.setattr(libvirt, "open", lambda uri: guests)
    stop = threading.Event()
    loop = threading.Thread(target=run, args=(config, state, stop))
    loop.start()
    try:
        for _ in range(polls):
            if done():
                break
            stop.wait(0.02)
    finally:
        stop.set()
        loop.join(10)
    assert done(), "the loop never got there"


def test_the_loop_stops_asking_a_donor_that_never_gives(host, monkeypatch):
    guests, liar, idle = host
    config, state = memd_config(stall_seconds=0.0), DaemonState()
    run_loop_until(guests, config, state, monkeypatch, lambda: liar.asked)
    asked = len(liar.asked)
    for _ in range(20):  # twenty more passes, as the loop makes them
        balance_once(guests, config, state)
    assert len(liar.asked) == asked, "a guest that never gave is asked again at every pass"
    assert liar.balloon_kib() == 1000 * MiB
    assert idle.balloon_kib() + liar.balloon_kib() <= CAPACITY


def test_a_start_is_planned_from_the_others_when_a_donor_never_gives(host, memd_socket):
    guests, liar, idle = host
    # stall 0.3 s, handover 5 s: before, the start waited out the 5 s and was refused
    config, state = memd_config(stall_seconds=0.3, handover_wait=5.0), DaemonState()
    path = memd_socket(guests, config, state)
    assert ask(path, {"op": "request", "domain": "new", "mib": 300}) == {"ok": True}
    assert liar.balloon_kib() == 1000 * MiB
    # the start fits in what really is free, and the honest guest gave exactly what it lacked
    assert idle.balloon_kib() + liar.balloon_kib() + 300 * MiB <= CAPACITY
    assert idle.balloon_kib() >= CAPACITY - 300 * MiB - liar.balloon_kib() - 4


def test_a_marked_donor_is_no_donor_and_the_honest_one_is_not_shrunk_for_nothing(
    host, memd_socket, monkeypatch
):
    guests, liar, idle = host
    config, state = memd_config(stall_seconds=0.0, handover_wait=5.0), DaemonState()
    run_loop_until(guests, config, state, monkeypatch, lambda: liar.asked)
    balance_once(guests, config, state)  # the pass after the unanswered request
    path = memd_socket(guests, config, state)
    before, asked = idle.balloon_kib(), len(liar.asked)
    # more than the honest guest can spare: only the liar's memory would do; refused at once
    reply = ask(path, {"op": "request", "domain": "big", "mib": 900})
    assert reply["ok"] is False
    assert idle.balloon_kib() == before, "the honest guest was shrunk for a start that was refused"
    assert len(liar.asked) == asked
    assert ask(path, {"op": "request", "domain": "new", "mib": 300}) == {"ok": True}
    assert len(liar.asked) == asked
    assert idle.balloon_kib() + liar.balloon_kib() + 300 * MiB <= CAPACITY


NUMBER = st.one_of(
    st.integers(-(2**63), 2**64 - 1),
    st.sampled_from([0, -1, 2**64 - 1, 2**63, 10**15]),
    st.integers(0, 4096 * MiB),
)
LIES = st.fixed_dictionaries(
    # libvirt always reports "actual" for a domain with a balloon (it keeps it itself, from the
    # guest's balloon events); the guest's own counters may be missing
    {"actual": NUMBER} | {k: st.none() | NUMBER for k in ("available", "unused", "usable",
                                                           "disk_caches")}
)


class Liar(Guest):
    """Sets its balloon as told (memd's targets are what is checked) but reports ``lies``."""

    def __init__(self, dom, lies: dict) -> None:
        super().__init__(dom, lambda actual: {k: v for k, v in lies.items() if v is not None})


@settings(max_examples=60, deadline=None)
@given(
    bounds=st.lists(st.tuples(st.integers(64, 512), st.integers(0, 1024)), min_size=1, max_size=4),
    lies=st.lists(LIES, min_size=4, max_size=4),
    spare_mib=st.integers(0, 5000),
)
@example(bounds=[(128, 512), (128, 512)], spare_mib=600, lies=[
    {"actual": -5, "available": 1, "unused": 1, "usable": 1, "disk_caches": None},
    {"actual": 2**64 - 1, "available": 2**64 - 1, "unused": 0, "usable": 0, "disk_caches": 0},
    {"actual": 0}, {"actual": 0}])
def test_lying_balloon_figures_never_assign_more_than_the_host_has(bounds, lies, spare_mib):
    with tempfile.TemporaryDirectory() as tmp:
        conn = private_host(Path(tmp))
        try:
            _lie_and_check(conn, bounds, lies, spare_mib)
        finally:
            conn.close()


def _lie_and_check(conn, bounds, lies, spare_mib) -> None:
    guests, limits = GuestHost(conn), {}
    for number, (min_mib, extra_mib) in enumerate(bounds):
        name, max_mib = f"d{number}", min_mib + extra_mib
        dom = start(conn, domain_xml(name, max_mib, max_mib, min_mib=min_mib))
        guests.add(Liar(dom, lies[number]))
        limits[name] = (min_mib * MiB, max_mib * MiB)
    # from the minimums alone (a domain pinned at its max may not fit) to every maximum
    most = sum(high for _, high in limits.values())
    guest_kib = min(sum(low for low, _ in limits.values()) + spare_mib * MiB, most + 100 * MiB)
    config = memd_config(host_kib=guest_kib + 100 * MiB, reserve_kib=100 * MiB)
    state = DaemonState()
    for _ in range(3):
        balance_once(guests, config, state)
        request(guests, config, state, "new", 64 * MiB)
    for name, guest in guests.guests.items():
        low, high = limits[name]
        assert all(low <= kib <= high for kib in guest.asked), (name, guest.asked)
    if state.last is None:  # legitimate only when domains pinned at their max may not fit
        assert guest_kib < most, "a lie made the balancer give up"
        return
    assert set(state.last.targets) == set(limits), "a lying domain went unaccounted"
    assert sum(state.last.targets.values()) <= state.capacity_kib
    for name, kib in state.last.targets.items():
        assert limits[name][0] <= kib <= limits[name][1]


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757, 0o1777])
def test_memd_refuses_a_socket_folder_others_can_write(tmp_path, mode):
    folder = tmp_path / "run"
    folder.mkdir()
    folder.chmod(mode)
    with pytest.raises(RuntimeError, match="refusing to serve"):
        MemdServer(folder / "memd.sock", lambda *_: None, DaemonState())
    assert not (folder / "memd.sock").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_memd_refuses_a_socket_folder_root_does_not_own(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    with pytest.raises(RuntimeError, match="not root"):
        MemdServer(folder / "memd.sock", lambda *_: None, DaemonState())
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(RuntimeError, match="not a directory"):
        MemdServer(link / "memd.sock", lambda *_: None, DaemonState())


def test_memd_accepts_a_root_only_folder_as_the_formula_makes_it(tmp_path):
    for mode in (0o700, 0o755):  # its own mkdir; /run/bulkhead as the pidfile's mkdir makes it
        folder = tmp_path / f"run{mode:o}"
        folder.mkdir()
        folder.chmod(mode)
        MemdServer(folder / "memd.sock", lambda *_: None, DaemonState()).server_close()


def test_the_daemon_exits_non_zero_with_a_clear_error_on_a_bad_socket_folder(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    folder.chmod(0o777)
    modules = Path(saltext.bulkhead.__file__).parents[2]
    command = [sys.executable, "-m", "saltext.bulkhead.memd", "daemon", "--uri",
               f"test://{tmp_path}/none.xml", "--host-mib", "2048",
               "--socket", str(folder / "memd.sock")]
    env = {**os.environ, "PYTHONPATH": str(modules)}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("memd served on a socket folder anyone can write")
    assert done.returncode == 1
    assert "refusing to serve" in done.stderr and "0777" in done.stderr
