"""The daemon loop: balances a test-driver host it opens itself, and outlives libvirt errors."""

from __future__ import annotations

import threading

from saltext.bulkhead.memory.daemon import DaemonState, run
from saltext.bulkhead.memory.daemon_config import DaemonConfig

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
