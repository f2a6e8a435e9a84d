"""Exclusive mode's bookkeeping on libvirt's test driver: what is paused while the command runs,
what is resumed after it (and what is not), and a killed run's record recovered by the next
``bulkhead`` command."""

from __future__ import annotations

import dataclasses

import libvirt
import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.exclusive import ExclusiveError, recover, run_exclusive
from saltext.bulkhead.exclusive import record as records
from saltext.bulkhead.exclusive.cli import RECORD_ENV
from saltext.bulkhead.exclusive.pausing import pause_others

from .world import URI, WORKSTATION, agent, dead_holder, world

RUNNING = (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED)
RESUMED = (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNPAUSED)
USER_PAUSED = (libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER)


@pytest.fixture
def w(tmp_path, request):
    yield from world(tmp_path, f"ex{abs(hash(request.node.name)) % 10**6}")


def test_the_others_are_paused_while_the_command_runs_and_exactly_they_are_resumed(w, tmp_path):
    target, a, b = w.domain("vault"), w.domain("a"), w.domain("b")
    foreign = w.domain("foreign", workstation="someone-else")
    w.domain("user").suspend()  # paused by the user before exclusive mode started
    w.domain("off", run=False)
    seen = agent(tmp_path / "agent.sock", lambda: (w.states(), records.read(w.where.record)))

    done = run_exclusive(
        w.where, target.name(), "gpg --gen-key", agent_socket=tmp_path / "agent.sock"
    )

    assert done.result is not None and done.result.rc == 0 and done.error == ""
    during, record = seen[0]
    assert during[a.name()] == during[b.name()] == USER_PAUSED
    assert during[target.name()] == during[foreign.name()] == RUNNING
    assert [p.name for p in record.paused] == [a.name(), b.name()]  # never the user's pause
    assert done.already_paused == {w.made[4]: "paused by a user (virsh suspend)"}
    assert foreign.name() in done.foreign
    after = w.states()
    assert after[a.name()] == after[b.name()] == RESUMED
    assert after[w.made[4]] == USER_PAUSED and after[foreign.name()] == RUNNING
    assert not w.where.record.exists()


def test_a_command_that_cannot_run_still_resumes_what_was_paused(w, tmp_path):
    target, a = w.domain("vault"), w.domain("a")
    done = run_exclusive(w.where, target.name(), "true", agent_socket=tmp_path / "no-agent.sock")
    assert done.result is None and "no-agent.sock" in done.error
    assert [r.done for r in done.resumed] == ["resumed"]
    assert w.states()[a.name()] == RESUMED and not w.where.record.exists()


def test_a_target_that_is_not_running_pauses_nothing(w, tmp_path):
    target, a = w.domain("vault"), w.domain("a")
    target.suspend()
    with pytest.raises(ExclusiveError, match="paused by a user"):
        run_exclusive(w.where, target.name(), "true", agent_socket=tmp_path / "agent.sock")
    assert w.states()[a.name()] == RUNNING and not w.where.record.exists()


def _killed_run(w) -> records.Record:
    """What a run killed while its command ran leaves: the others paused, its record, its
    process gone."""
    taken, _ = pause_others(w.conn, w.where.record, w.where.uri, w.where.lock, "ws-exclusive",
                            w.made[0])
    killed = dataclasses.replace(taken, holder=dead_holder())
    records.write(w.where.record, killed)
    return killed


def test_the_next_bulkhead_command_resumes_what_a_killed_run_paused(w, tmp_path):
    w.domain("vault")
    a, b = w.domain("a"), w.domain("b")
    w.domain("user").suspend()
    _killed_run(w)
    assert w.states()[a.name()] == USER_PAUSED

    out = CliRunner().invoke(app, ["pillar", "docs"], env={RECORD_ENV: str(w.where.record)})

    assert out.exit_code == 0, out.output
    after = w.states()
    assert after[a.name()] == after[b.name()] == RESUMED
    assert after[w.made[3]] == USER_PAUSED  # it was paused before: not the run's to resume
    assert f"pause of {a.name()}: resumed" in out.output
    assert not w.where.record.exists()


def test_a_domain_restarted_since_the_pause_is_left_as_it_is(w, tmp_path):
    w.domain("vault")
    a = w.domain("a")
    _killed_run(w)
    a.destroy()
    a.create()
    a.suspend()  # the user's pause of its new run
    assert [r.done for r in recover(w.where.record)] == [
        "was restarted since it was paused: left as it is"]
    assert w.states()[a.name()] == USER_PAUSED and not w.where.record.exists()


def test_a_live_holders_record_is_not_recovered_and_refuses_a_second_run(w, tmp_path):
    target, a = w.domain("vault"), w.domain("a")
    taken, _ = pause_others(w.conn, w.where.record, w.where.uri, w.where.lock, "ws-exclusive",
                            target.name())  # held by this process, which runs
    assert recover(w.where.record) is None
    with pytest.raises(ExclusiveError, match="already holds"):
        run_exclusive(w.where, target.name(), "true", agent_socket=tmp_path / "agent.sock")
    assert w.states()[a.name()] == USER_PAUSED and records.read(w.where.record) == taken
    a.resume()
    records.remove(w.where.record)


def test_the_salt_function_runs_the_same_mode(w, tmp_path, loaders, set_pillar, monkeypatch):
    target, a = w.domain("vault"), w.domain("a")
    sockets = tmp_path / "agents"
    sockets.mkdir()
    monkeypatch.setattr("saltext.bulkhead.plan.names.AGENT_SOCKET_DIR", str(sockets))
    seen = agent(sockets / f"{target.name()}.sock", lambda: w.states()[a.name()])
    set_pillar({"host": {"uri": URI, "workstation": WORKSTATION},
                "formula": {"paths": {"exclusive": str(w.where.record),
                                      "locks": str(tmp_path / "locks")}}})
    out = loaders.modules.bulkhead_exclusive.run(target.name(), "true")
    assert out == {
        "rc": 0,
        "stdout": "",
        "stderr": "",
        "error": "",
        "paused": {a.name(): "resumed"},
        "already_paused": {},
        "kept_running": out["kept_running"],
    }
    assert seen == [USER_PAUSED] and w.states()[a.name()] == RESUMED
    refused = loaders.modules.bulkhead_exclusive.run(f"{w.prefix}-nosuch", "true")
    assert refused["rc"] is None and "no domain" in refused["error"]
