"""bulkhead_domain.running asks bulkhead-memd before it starts a domain (Salt loaders, test:///default).

The daemon's socket server and request path run in a thread of this process with their own
test:///default connections, so they see the domains the states define (the test driver's default
host is shared within a process). Only the balancing loop is not run; requests do what it would.
"""

from __future__ import annotations

import itertools

import libvirt
import pytest

from saltext.bulkhead.memd.daemon import DaemonState
from saltext.bulkhead.memd.daemon_config import DaemonConfig
from saltext.bulkhead.memd.daemon_main import socket_server
from saltext.bulkhead.memd.server import serve_in_thread
from saltext.bulkhead.memd_client import ask
from tests.guests import IMAGE, driver_host

MiB = 1024
pytestmark = pytest.mark.usefixtures("default_driver")
_serial = itertools.count()


@pytest.fixture
def names():
    n = next(_serial)
    return {"pool": f"mpool{n}", "tpl": f"mtpl{n}", "a": f"mapp{n}a", "b": f"mapp{n}b"}


def pillar_for(names, tmp_path, host_mib: int | None) -> dict:
    pillar = {
        "host": driver_host(names["pool"], tmp_path / "pool"),
        "domains": {
            names["tpl"]: {"class": "template", "image": IMAGE, "netvm": "none"},
            names["a"]: {
                "class": "app",
                "template": names["tpl"],
                "memory": {"initial": 200, "max": 400},
            },
            names["b"]: {
                "class": "app",
                "template": names["tpl"],
                "memory": {"initial": 300, "max": 600},
            },
        },
    }
    if host_mib is not None:
        pillar["memory"] = {
            "socket": str(tmp_path / "memd.sock"),
            "host_mib": host_mib,
            "reserve_mib": 256,
        }
    return pillar


@pytest.fixture
def memd(tmp_path):
    """A daemon on the socket the pillar names; ``start(host_mib)`` runs it with that host size."""
    servers = []

    def start(host_mib: int) -> DaemonState:
        config = DaemonConfig(uri="test:///default", host_kib=host_mib * MiB, reserve_kib=256 * MiB,
                              socket_path=tmp_path / "memd.sock", request_wait=0.0)
        state = DaemonState()
        server = socket_server(config, state)
        serve_in_thread(server)
        servers.append(server)
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def cleanup(loaders, names):
    yield
    for name in (names["a"], names["b"], names["tpl"]):
        loaders.states.bulkhead_domain.absent(name=name, purge=True)
    libvirt.open("test:///default").storagePoolLookupByName(names["pool"]).destroy()


def prepare(loaders, names):
    assert loaders.states.bulkhead_pool.present(name=names["pool"]).result is True
    assert loaders.states.bulkhead_domain.present(name=names["tpl"]).result is True


def is_running(name: str) -> bool:
    return bool(libvirt.open("test:///default").lookupByName(name).isActive())


def test_start_with_enough_memory_asks_and_starts(
    loaders, set_pillar, names, tmp_path, memd, cleanup
):
    set_pillar(pillar_for(names, tmp_path, host_mib=1024))
    state = memd(1024)
    prepare(loaders, names)
    preview = loaders.states.bulkhead_domain.running(name=names["a"], test=True)
    assert preview.result is None and "ask bulkhead-memd for 200 MiB" in preview.comment
    assert state.held == {}, "test mode asked the daemon"
    ret = loaders.states.bulkhead_domain.running(name=names["a"])
    assert ret.result is True, ret.comment
    assert "ask bulkhead-memd for 200 MiB" in ret.comment
    assert is_running(names["a"])
    assert ask(tmp_path / "memd.sock", {"op": "status"})["held_kib"] == {names["a"]: 200 * MiB}
    assert loaders.states.bulkhead_domain.running(name=names["a"]).changes == {}  # no second ask


def test_start_that_would_overcommit_fails_and_starts_nothing(
    loaders, set_pillar, names, tmp_path, memd, cleanup
):
    # capacity 624 - 256 = 368 MiB. a runs with 200 (the test driver reports it using half, so it
    # prefers 130 and can give 70); 168 are free: 238 MiB can be freed for b's 300.
    set_pillar(pillar_for(names, tmp_path, host_mib=624))
    memd(624)
    prepare(loaders, names)
    assert loaders.states.bulkhead_domain.running(name=names["a"]).result is True
    a_before = libvirt.open("test:///default").lookupByName(names["a"]).info()[2]
    ret = loaders.states.bulkhead_domain.running(name=names["b"])
    assert ret.result is False
    assert (
        f"not enough memory to start {names['b']}: asked 300 MiB, 238 MiB available" in ret.comment
    )
    assert "start domain" not in ret.comment  # defined (as present would), never started
    assert not is_running(names["b"])
    assert (
        libvirt.open("test:///default").lookupByName(names["a"]).info()[2] == a_before
    )  # not shrunk


def test_a_configured_but_silent_daemon_blocks_the_start(
    loaders, set_pillar, names, tmp_path, cleanup
):
    set_pillar(pillar_for(names, tmp_path, host_mib=1024))  # no daemon listens on the socket
    prepare(loaders, names)
    ret = loaders.states.bulkhead_domain.running(name=names["a"])
    assert ret.result is False
    assert (
        f"cannot ask bulkhead-memd at {tmp_path / 'memd.sock'} for 200 MiB for {names['a']}"
        in ret.comment
    )
    assert not is_running(names["a"])


def test_without_a_balancer_in_pillar_domains_start_as_before(
    loaders, set_pillar, names, tmp_path, cleanup
):
    set_pillar(pillar_for(names, tmp_path, host_mib=None))
    prepare(loaders, names)
    ret = loaders.states.bulkhead_domain.running(name=names["a"])
    assert ret.result is True, ret.comment
    assert "bulkhead-memd" not in ret.comment
    assert is_running(names["a"])
