"""memd and the RPC broker wait while exclusive mode holds (bounded), and not for a stale record."""

from __future__ import annotations

import dataclasses
import threading

import libvirt
import pytest

from saltext.bulkhead.exclusive import holder, wait_while_held
from saltext.bulkhead.exclusive import record as records
from saltext.bulkhead.memd.daemon import exclusive_holds
from saltext.bulkhead.memd.daemon_config import DaemonConfig
from saltext.bulkhead.memd.daemon_state import DaemonState
from saltext.bulkhead.memd.start_request import request
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.rpc import dispvm_factory
from saltext.bulkhead.rpc.dispvm_factory import DispvmError, DispvmFactory
from tests.functional.virt.virt_fixtures import pillar_data

from .world import URI, WORKSTATION, dead_holder


def held(path, holder_=None) -> records.Record:
    taken = records.Record(holder_ or records.this_process(), URI, str(path.parent / "lock"),
                           WORKSTATION, "vault", 0.0, ())
    records.write(path, taken)
    return taken


def test_a_live_record_holds_a_dead_ones_does_not(tmp_path):
    path = tmp_path / "exclusive.json"
    assert holder(path) is None and wait_while_held(path, 0.1) is None
    taken = held(path)
    assert "running a command in vault" in wait_while_held(path, 0.2)
    records.write(path, dataclasses.replace(taken, holder=dead_holder()))
    assert wait_while_held(path, 5) is None


def test_an_unreadable_record_holds(tmp_path):
    path = tmp_path / "exclusive.json"
    path.write_text("{")
    assert "unreadable exclusive-mode record" in holder(path)


def test_the_wait_ends_when_the_run_does(tmp_path):
    path = tmp_path / "exclusive.json"
    held(path)
    threading.Timer(0.5, records.remove, [path]).start()
    assert wait_while_held(path, 60, poll=0.05) is None


def test_memd_balances_nothing_and_refuses_a_start_while_it_holds(tmp_path):
    path = tmp_path / "exclusive.json"
    config = DaemonConfig(uri=URI, request_wait=0.2, exclusive_record=path)
    assert not exclusive_holds(config)
    held(path)
    assert exclusive_holds(config)
    with libvirt.open(URI) as conn:
        admission = request(conn, config, DaemonState(), "disp1", 1024)
    assert not admission.granted and admission.short_kib == 1024


def test_the_broker_creates_no_disposable_while_it_holds(tmp_path, monkeypatch):
    path = tmp_path / "exclusive.json"
    data = pillar_data(str(tmp_path / "pool"))
    data["formula"] = {"paths": {"exclusive": str(path)}}
    pillar = load_pillar(data)
    monkeypatch.setattr(dispvm_factory, "BROKER_LOCK_WAIT_S", 0.2)
    held(path)
    factory = DispvmFactory(URI, lambda: pillar, tmp_path / "dispvms")
    with pytest.raises(DispvmError, match="creating a disposable of dvm: bulkhead exclusive"):
        factory.create("dvm")
    assert factory.live() == []
