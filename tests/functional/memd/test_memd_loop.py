"""The daemon loop: balances a test-driver host it opens itself, and outlives libvirt errors."""

from __future__ import annotations

import logging
import threading

from saltext.bulkhead.backoff import Outage
from saltext.bulkhead.memd import daemon
from saltext.bulkhead.memd.daemon import DaemonState, run
from saltext.bulkhead.memd.daemon_config import DaemonConfig

from .memd_fixtures import NODE_XML, domain_xml

MiB = 1024


def run_for(config: DaemonConfig, state: DaemonState, until, polls: int = 100) -> bool:
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(config, state, stop))
    thread.start()
    done = False
    for _ in range(polls):
        if until():
            done = True
            break
        stop.wait(0.05)
    assert thread.is_alive(), "the loop ended on its own: an error escaped it"
    stop.set()
    thread.join(5)
    assert not thread.is_alive(), "the loop must end when told to stop"
    return done


def test_loop_balances_the_domains_of_the_host_it_connects_to(tmp_path):
    node = tmp_path / "node.xml"
    # domains listed in a test-driver node file start running
    node.write_text(NODE_XML.replace("</node>", domain_xml("work", 1024, 900) + "</node>"))
    config = DaemonConfig(uri=f"test://{node}", interval=0.05, host_kib=1024 * MiB,
                          reserve_kib=512 * MiB)
    state = DaemonState()
    assert run_for(config, state, lambda: state.last is not None)
    assert state.last.targets["work"] <= 512 * MiB


def test_loop_survives_an_unreachable_libvirt(tmp_path):
    config = DaemonConfig(uri=f"test://{tmp_path}/missing.xml", interval=0.05, host_kib=2048 * MiB)
    state = DaemonState()
    assert not run_for(config, state, lambda: state.last is not None, polls=10)


class SimulatedTime(threading.Event):
    """The loop's stop event, waiting in simulated time: each wait moves the clock on; at
    ``back_at`` libvirt returns (its test-driver node file appears); at ``end`` the loop stops."""

    def __init__(self, back_at: float, end: float, bring_back) -> None:
        super().__init__()
        self.now, self.back_at, self.end, self.bring_back = 0.0, back_at, end, bring_back
        self.tries_while_down = 0

    def clock(self) -> float:
        return self.now

    def wait(self, timeout: float | None = None) -> bool:
        if self.now < self.back_at:
            self.tries_while_down += 1
        self.now += timeout or 0.0
        if self.now >= self.back_at and self.bring_back:
            self.bring_back()
            self.bring_back = None
        if self.now >= self.end:
            self.set()
        return self.is_set()


def test_while_libvirt_is_down_the_loop_backs_off_and_logs_once(tmp_path, caplog):
    """Ten simulated minutes without libvirt at a 2 s interval: tries at doubling holds up to
    30 s (was one an interval: 300), one warning; then one line when it is back, and balancing."""
    node = tmp_path / "node.xml"
    config = DaemonConfig(uri=f"test://{node}", interval=2.0, host_kib=1024 * MiB,
                          reserve_kib=512 * MiB)
    state = DaemonState()
    xml = NODE_XML.replace("</node>", domain_xml("work", 1024, 900) + "</node>")
    time = SimulatedTime(back_at=600.0, end=660.0, bring_back=lambda: node.write_text(xml))
    caplog.set_level(logging.INFO, logger=daemon.log.name)
    run(config, state, time, Outage("reach libvirt", daemon.log, clock=time.clock))
    # 2 + 2 + 2 + 4 + 8 + 16 = 34 s for the first six tries, then one every 30 s
    assert time.tries_while_down <= 6 + (600 - 34) / 30 + 1
    lines = [r.getMessage() for r in caplog.records if r.name == daemon.log.name]
    assert sum(line.startswith("cannot reach libvirt") for line in lines) == 1
    assert sum(line.startswith("can reach libvirt again after") for line in lines) == 1
    assert state.last is not None and state.last.targets["work"] <= 512 * MiB
