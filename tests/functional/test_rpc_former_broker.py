"""A workstation whose broker paths moved (it became, or stopped being, the host's own) gets one
broker: the one still running from its other default paths is stopped before its own starts,
in test mode only reported; another workstation's broker there is left alone. Real brokers,
started and stopped through the Salt state; their paths are the test's own (the defaults may be
a live workstation's)."""

from __future__ import annotations

import os
import signal

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.model.pillar import FormulaPaths
from saltext.bulkhead.rpc import former_broker
from saltext.bulkhead.rpc.broker_service import BrokerPaths, running_broker
from saltext.bulkhead.rpc.former_broker import former_paths, serves

from .test_rpc_state import pillar, running


def _broker_paths(root) -> BrokerPaths:
    return BrokerPaths(root / "broker-pillar.json", root / "broker.pid", root / "broker.log",
                       root.parent / "rpc", root / "dispvms")


@pytest.fixture
def old_and_new(tmp_path):
    both = _broker_paths(tmp_path / "old"), _broker_paths(tmp_path / "new")
    yield both
    for paths in both:
        found = running_broker(paths)
        if found is not None:  # a broker this test started
            os.kill(found.pid, signal.SIGKILL)


def _as_formula_paths(paths: BrokerPaths) -> FormulaPaths:
    return FormulaPaths(broker_pillar=str(paths.pillar), broker_pidfile=str(paths.pidfile),
                        broker_log=str(paths.log), dispvm_registry=str(paths.dispvm_registry),
                        firewall_records=str(paths.pillar.parent / "firewall"))


def _pillar_of(tmp_path, workstation: str, paths: BrokerPaths | None = None) -> dict:
    """The test pillar for ``workstation``, its broker's files ``paths`` (its formula paths)."""
    data = pillar(tmp_path)
    data["host"]["workstation"] = workstation
    if paths is not None:
        data["formula"] = {"paths": {
            "broker_pillar": str(paths.pillar), "broker_pidfile": str(paths.pidfile),
            "broker_log": str(paths.log), "dispvm_registry": str(paths.dispvm_registry),
            "firewall_records": str(paths.pillar.parent / "firewall")}}
    return data


def from_pillar(loaders, paths: BrokerPaths, test: bool = False):
    """The state with the broker's files from the pillar (as the formula runs it)."""
    return loaders.states.bulkhead_rpc.broker_running(
        name="bulkhead-rpc-broker", socket_dir=str(paths.socket_dir), test=test)


def test_the_broker_left_on_the_former_paths_is_stopped_first(loaders, set_pillar, tmp_path,
                                                              old_and_new, monkeypatch):
    old, new = old_and_new
    set_pillar(_pillar_of(tmp_path, "test-rpc", old))
    assert from_pillar(loaders, old).result is True
    before = running_broker(old)
    assert before is not None
    # The paths moved: its pillar now gives ``new``; ``old`` is its other default.
    set_pillar(_pillar_of(tmp_path, "test-rpc", new))
    monkeypatch.setattr(former_broker, "former_paths", lambda _p: _as_formula_paths(old))

    preview = from_pillar(loaders, new, test=True)
    assert preview.result is None, preview.comment
    assert preview.changes["former_broker"] == {"old": "running", "new": "stopped"}
    assert running_broker(old).pid == before.pid and running_broker(new) is None

    moved = from_pillar(loaders, new)
    assert moved.result is True, moved.comment
    assert set(moved.changes) == {"former_broker", "facts", "broker"}
    assert running_broker(old) is None and running_broker(new) is not None
    again = from_pillar(loaders, new)
    assert (again.result, again.changes) == (True, {}), again.comment


@pytest.mark.parametrize("case", ["another workstation's", "paths given to the state"])
def test_no_other_broker_is_stopped(loaders, set_pillar, tmp_path, old_and_new, monkeypatch,
                                    case):
    """Left running: a broker on the other default paths that served another workstation (the
    plain paths may be another's); and any, when the state was given its paths (as the tests'
    own): the pillar's paths, and their other default, may be a live workstation's."""
    old, new = old_and_new
    first = "the-hosts-own" if case == "another workstation's" else "test-rpc"
    set_pillar(_pillar_of(tmp_path, first, old))
    assert from_pillar(loaders, old).result is True
    monkeypatch.setattr(former_broker, "former_paths", lambda _p: _as_formula_paths(old))
    if case == "another workstation's":
        set_pillar(_pillar_of(tmp_path, "test-rpc", new))
        started = from_pillar(loaders, new)
    else:
        started = running(loaders, new)
    assert started.result is True and "former_broker" not in started.changes, started.changes
    assert running_broker(old) is not None and running_broker(new) is not None


def _loaded(workstation: str, host_own: str, **paths) -> object:
    data = {"host": {"uri": "test:///default", "workstation": workstation}}
    if paths:
        data["formula"] = {"paths": paths}
    return load_pillar(data, host_workstation=host_own)


def test_the_other_default_is_the_plain_paths_or_the_workstations_own():
    own = former_paths(_loaded("ws-alice", "ws-alice"))  # the host's own: it had its own folder
    assert own.broker_pidfile == "/run/bulkhead/workstations/ws-alice/broker.pid"
    assert own.broker_pillar == "/etc/bulkhead/workstations/ws-alice/broker-pillar.json"
    second = former_paths(_loaded("ws-bob", "ws-alice"))  # a second one: it had the plain paths
    assert second.broker_pidfile == FormulaPaths().broker_pidfile
    assert second.dispvm_registry == FormulaPaths().dispvm_registry
    assert former_paths(_loaded("ws-bob", "ws-alice", broker_pidfile="/run/x/b.pid")) is None


def test_only_a_facts_file_of_the_workstation_says_it_served_it(tmp_path):
    facts = tmp_path / "broker-pillar.json"
    facts.write_text('{"host": {"workstation": "ws-alice"}}')
    assert serves(facts, "ws-alice") and not serves(facts, "ws-bob")
    for text in ("", "[]", '{"host": 1}', "{not json", '{"host": {}}'):
        facts.write_text(text)
        assert not serves(facts, "ws-alice"), text
    assert not serves(tmp_path / "absent", "ws-alice")
