"""`bulkhead verify`'s report and exit status when checks had nothing to check.

The real CLI runs the real suite in its child pytest against libvirt's test:///default, where no
domain of the pillar runs and no RPC broker does (its pidfile is a path nothing writes). The child
runs only the checks named below (PYTEST_ADDOPTS=-k, which it inherits): each one's outcome here
depends on the pillar and libvirt alone, not on this machine's own workstation.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

CHECKS = ("clients_of_one_netvm", "netvms_enforce", "calls_the_policy_denies", "netvm_none_domains")
RPC = "guest_rpc: calls_the_policy_denies_are_refused [local]"
PAIRS = "guest_network: clients_of_one_netvm_cannot_reach_each_other [local]"
RULESET = "guest_network: netvms_enforce_their_compiled_ruleset [local]"
IMAGE = {"kind": "kernel", "root": "/img/root.img", "kernel": "/img/vmlinuz",
         "initrd": "/img/initrd.img"}


def pillar(tmp_path, *, running: bool, policy: bool) -> dict:
    app = {"class": "app", "template": "tpl", "netvm": "sys-firewall", "running": running}
    data = {
        "host": {"uri": "test:///default", "domain_type": "auto", "workstation": "test-report"},
        "domains": {
            "tpl": {"class": "template", "netvm": "none", "image": IMAGE},
            "sys-firewall": {"class": "app", "template": "tpl", "provides_network": True,
                             "running": running},
            "work": app,
            "personal": app,
        },
        "policy": {"dir": str(tmp_path / "policy.d")},
        "formula": {"paths": {"broker_pidfile": str(tmp_path / "broker.pid"),
                              "dispvm_registry": str(tmp_path / "dispvms")}},
    }
    if policy:
        data["policy"]["files"] = {"50-files.policy": "qubes.Filecopy * work personal allow\n"}
    return data


def verify(tmp_path, data: dict, checks: tuple[str, ...] = CHECKS) -> subprocess.CompletedProcess:
    path = tmp_path / "pillar.sls"
    path.write_text(yaml.safe_dump({"bulkhead": data}))
    env = {**os.environ, "PYTEST_ADDOPTS": "-k '" + " or ".join(checks) + "'"}
    cli = [sys.executable, "-c", "from saltext.bulkhead.cli import main; main()"]
    return subprocess.run([*cli, "verify", "--pillar", str(path)], capture_output=True, text=True,
                          env=env, timeout=300, check=False)


@pytest.mark.parametrize("policy_in", ["pillar", "directory"])
def test_a_skipped_check_is_counted_named_and_fails_the_run(tmp_path, policy_in):
    data = pillar(tmp_path, running=True, policy=policy_in == "pillar")
    if policy_in == "directory":  # the admin's own file: the broker reads it all the same
        (tmp_path / "policy.d").mkdir()
        admin = tmp_path / "policy.d" / "70-admin.policy"
        admin.write_text("qubes.Filecopy * work personal deny\n")
    run = verify(tmp_path, data)
    out = run.stdout
    assert run.returncode == 3, out + run.stderr
    assert "checks passed" not in out
    assert "1 passed, 3 skipped:" in out
    lines = out.splitlines()
    skipped = [line for line in lines if line.startswith("  skipped ")]
    assert len(skipped) == 3, out
    assert f"  skipped {RPC}: no RPC broker runs (formula bulkhead.rpc)" in out
    pairs = (f"  skipped {PAIRS}: no netvm has two running clients; not running, though the pillar "
             "runs them: personal, sys-firewall, work")
    assert pairs in lines
    assert any(line.startswith(f"  skipped {RULESET}: no netvm is running") for line in lines)


def test_a_check_the_pillar_gives_nothing_to_check_is_not_applicable(tmp_path):
    run = verify(tmp_path, pillar(tmp_path, running=False, policy=False))
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert "1 passed, 3 not applicable" in out
    assert sum(line.startswith("N/A ") for line in out.splitlines()) == 3
    assert "SKIP" not in out and "skipped" not in out
    assert "no RPC policy is configured" in out


def test_a_failure_still_wins_over_skips(tmp_path):
    # fails: the pillar's domains do not run
    checks = (*CHECKS, "running_domains_answer_agent_ping")
    run = verify(tmp_path, pillar(tmp_path, running=True, policy=True), checks)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 of 5 checks failed (1 passed, 1 failed, 3 skipped)" in run.stdout
    assert sum(line.startswith("  skipped ") for line in run.stdout.splitlines()) == 3
