"""Exclusive mode on the real libvirtd with three TCG guests (and their template, never started):
``bulkhead exclusive`` pauses the others while its command runs and resumes exactly them; a
SIGKILL of the bulkhead process in the middle leaves them paused with its record, and the next
``bulkhead`` command resumes exactly those (the one the user paused before stays paused)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import libvirt
import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import connect, domain_running

from ..guests import URI, app, template_and_app, wait_ready
from ..topology import define_and_start, purge

pytestmark = pytest.mark.integration

PREFIX = "bhexcl"
TPL, VAULT, WORK, USER = (f"{PREFIX}-{n}" for n in ("tpl", "app", "work", "user"))
BOOT_TIMEOUT_S = 300
REPO = Path(__file__).resolve().parents[2]


def pillar_data(root: Path) -> dict:
    data = template_and_app(PREFIX)
    data["host"]["workstation"] = f"{PREFIX}-ws"
    data["domains"][WORK] = app(TPL, memory={"initial": 112})
    data["domains"][USER] = app(TPL, memory={"initial": 112})
    data["formula"] = {"paths": {"exclusive": str(root / "exclusive.json"),
                                 "locks": str(root / "locks")}}
    return data


@pytest.fixture
def world(prebuilt_image, tmp_path):
    model = load_pillar(pillar_data(tmp_path))
    purge(model)
    try:
        with connect(URI) as conn:
            define_and_start(conn, model, (TPL, VAULT, WORK, USER), VAULT, BOOT_TIMEOUT_S)
            for name in (WORK, USER):
                assert domain_running(conn, model, name).result is True
            wait_ready([WORK, USER], BOOT_TIMEOUT_S)
            conn.lookupByName(USER).suspend()  # the user's own pause, before exclusive mode
            pillar_file = tmp_path / "pillar.json"
            pillar_file.write_text(json.dumps(model.model_dump(mode="json", by_alias=True)))
            yield conn, model, pillar_file
    finally:
        purge(model)


def bulkhead(model, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO / "modules"),
           "BULKHEAD_EXCLUSIVE_RECORD": model.formula.paths.exclusive}
    return subprocess.Popen([sys.executable, "-c", "from saltext.bulkhead.cli import main; main()",
                             *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def state(conn, name: str) -> tuple[int, int]:
    return tuple(conn.lookupByName(name).state(0))


def wait_for(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.2)


PAUSED_USER = (libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER)
RESUMED = (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNPAUSED)


def test_exclusive_pauses_the_others_and_survives_a_sigkill(world) -> None:
    conn, model, pillar_file = world
    record = Path(model.formula.paths.exclusive)

    # (1) A run to its end: WORK paused while the command runs, resumed after; USER untouched.
    run = bulkhead(model, "exclusive", "--pillar-json", str(pillar_file), VAULT, "--",
                   "sleep 3; echo isolated")
    wait_for(lambda: state(conn, WORK) == PAUSED_USER or run.poll() is not None, "WORK paused")
    assert state(conn, WORK) == PAUSED_USER and state(conn, VAULT)[0] == libvirt.VIR_DOMAIN_RUNNING
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert out == "isolated\n" and f"{WORK} resumed" in err and f"{USER} was already" in err
    assert state(conn, WORK) == RESUMED and state(conn, USER) == PAUSED_USER
    assert not record.exists()

    # (2) SIGKILL in the middle: WORK stays paused and the record names it.
    run = bulkhead(model, "exclusive", "--pillar-json", str(pillar_file), "--timeout", "60", VAULT,
                   "--", "sleep 40")
    wait_for(lambda: record.exists() and state(conn, WORK) == PAUSED_USER, "WORK paused")
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    assert state(conn, WORK) == PAUSED_USER
    assert [p["name"] for p in json.loads(record.read_text())["paused"]] == [WORK]

    # (3) The next bulkhead command resumes exactly what the killed run paused.
    nxt = bulkhead(model, "pillar", "docs")
    _, err = nxt.communicate(timeout=120)
    assert nxt.returncode == 0, err
    assert f"pause of {WORK}: resumed" in err
    assert state(conn, WORK) == RESUMED and state(conn, USER) == PAUSED_USER
    assert not record.exists()
    assert AgentClient(names.agent_socket(WORK)).request("ping", timeout=30)["name"] == WORK
