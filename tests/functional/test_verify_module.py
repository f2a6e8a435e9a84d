"""``bulkhead.verify`` through the real Salt loaders: the isolation report as data, with a
retcode; the check functions' retcode; Salt's own pillar read unmasked for ``bulkhead verify``.

The suite runs for real in its child pytest against libvirt's test:///default, limited to the
checks of tests/functional/test_verify_report.py (PYTEST_ADDOPTS=-k, which the child inherits).
"""

from __future__ import annotations

import pytest

from saltext.bulkhead.verify.pillar_source import salt_pillar
from tests.functional.test_verify_report import CHECKS, RPC, pillar

POLICY_OK = "qubes.Filecopy * work personal allow\n"


@pytest.fixture
def only_known_checks(monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", "-k '" + " or ".join(CHECKS) + "'")


@pytest.fixture
def fresh(loaders, set_pillar):
    def _use(data: dict):
        set_pillar(data)
        loaders.context.clear()
        return loaders.modules

    return _use


def test_verify_returns_every_check_as_data(tmp_path, fresh, loaders, only_known_checks):
    data = pillar(tmp_path, running=False, policy=False)
    del data["host"]["workstation"]  # so that the minion's id names it
    out = fresh(data).bulkhead.verify()
    assert out["result"] is True and out["exit_code"] == 0, out
    assert out["summary"] == "1 passed, 3 not applicable"
    assert out["workstation"] == "bulkhead-functional"  # the minion id
    assert len(out["checks"]) == 4
    assert all(set(c) == {"name", "result", "outcome", "message", "seconds"} for c in out["checks"])
    assert {c["outcome"] for c in out["checks"]} == {"passed", "n/a"}
    assert "retcode" not in loaders.context


def test_a_check_nobody_could_make_sets_a_retcode(tmp_path, fresh, loaders, only_known_checks):
    out = fresh(pillar(tmp_path, running=True, policy=True)).bulkhead.verify()
    assert out["result"] is False and out["exit_code"] == 3, out
    rpc = next(c for c in out["checks"] if c["name"] == RPC)
    assert (rpc["result"], rpc["outcome"]) == (None, "skipped")
    assert rpc["message"].startswith("no RPC broker runs (formula bulkhead.rpc)")
    assert loaders.context["retcode"] == 3


def test_verify_of_an_invalid_pillar_checks_nothing_and_fails(fresh, loaders):
    out = fresh({"host": {"workstation": "test-verify"},
                 "domains": {"vault": {"class": "app", "netvm": False}}}).bulkhead.verify()
    assert out["result"] is False and "checks" not in out
    assert any(e.startswith("bulkhead:domains:vault:netvm:") for e in out["errors"])
    assert loaders.context["retcode"] == 2


def test_pillar_check_sets_a_retcode_when_invalid(fresh, loaders):
    invalid = {"host": {"workstation": "test-verify"},
               "domains": {"vault": {"class": "app", "netvm": False}}}
    assert fresh(invalid).bulkhead_pillar.check()["valid"] is False
    assert loaders.context["retcode"] == 1
    assert fresh({}).bulkhead_pillar.check()["valid"] is True
    assert "retcode" not in loaders.context


def test_policy_check_sets_a_retcode_when_invalid(tmp_path, fresh, loaders):
    policy_dir = tmp_path / "policy.d"
    policy_dir.mkdir()
    (policy_dir / "50-x.policy").write_text("qubes.Filecopy * work\n")
    modules = fresh({"policy": {"dir": str(policy_dir)}})
    assert modules.bulkhead_policy.check()["valid"] is False
    assert loaders.context["retcode"] == 1
    (policy_dir / "50-x.policy").write_text(POLICY_OK)
    loaders.context.clear()
    assert modules.bulkhead_policy.check()["valid"] is True
    assert "retcode" not in loaders.context


def test_salt_pillar_is_read_unmasked_with_the_minion_id(tmp_path):
    """Salt 3008's pillar.get answers '**********' for every value; verify needs the values."""
    pillar_dir = tmp_path / "pillar"
    pillar_dir.mkdir()
    (pillar_dir / "top.sls").write_text("base:\n  '*':\n    - ws\n")
    (pillar_dir / "ws.sls").write_text("bulkhead:\n  host: {uri: 'test:///default'}\n")
    (tmp_path / "minion").write_text(
        f"id: ws-carol\nfile_client: local\npillar_roots: {{base: [{pillar_dir}]}}\n"
        f"cachedir: {tmp_path / 'cache'}\nlog_file: {tmp_path / 'log'}\n")
    found = salt_pillar(config_dir=str(tmp_path))
    assert (found.data, found.minion_id) == ({"host": {"uri": "test:///default"}}, "ws-carol")
