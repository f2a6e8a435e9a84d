"""``bulkhead policy check|eval|lint`` through the real command-line app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.policy.lint import UNKNOWN_TARGET

from .policy_helpers import SYSTEM, write_policy

POLICY = {
    "10-local.policy": "qubes.Filecopy * work vault deny\n"
    "!include-service qubes.Gpg * include/gpg\n",
    "include/gpg": "work @default allow target=vault\n",
    "90-default.policy": "qubes.Filecopy * @anyvm @anyvm ask\nqubes.GetDate * @anyvm dom0 allow\n"
    "* * @anyvm @anyvm deny\n",
}


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    policy_dir = write_policy(tmp_path / "policy.d", POLICY)
    system = tmp_path / "system.json"
    system.write_text(json.dumps(SYSTEM))
    return {"dir": str(policy_dir), "system": str(system), "tmp": str(tmp_path)}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, ["policy", *args], input=input)


def test_check_ok_and_with_errors(paths):
    result = run("check", "--policy-dir", paths["dir"])
    assert result.exit_code == 0 and "5 rules in 3 files" in result.output
    Path(paths["dir"], "50-bad.policy").write_text("# x\nqubes.X * work vault allw\n")
    result = run("check", "--policy-dir", paths["dir"])
    assert result.exit_code == 1
    assert f"{paths['dir']}/50-bad.policy:2: unknown action 'allw'" in result.output


def test_eval_batch_prints_one_decision_per_line_in_order(paths):
    requests = [
        {"service": "qubes.Gpg", "argument": "+", "source": "work", "target": "@default"},
        {"service": "qubes.Filecopy", "argument": "+", "source": "work", "target": "vault"},
        {"service": "qubes.Filecopy", "argument": "+", "source": "disp7", "target": "@default"},
        {"service": "qubes.GetDate", "argument": "+", "source": "work", "target": "dom0"},
        {"service": "qubes.Other", "argument": "+x", "source": "work", "target": "vault"},
    ]
    batch = Path(paths["tmp"], "requests.jsonl")
    batch.write_text("".join(json.dumps(r) + "\n" for r in requests) + "not json\n")
    result = run(
        "eval", "--batch", str(batch), "--system", paths["system"], "--policy-dir", paths["dir"]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    shown = ("decision", "target", "targets", "default_target")
    lines = [{k: v for k, v in r.items() if k in shown} for r in records]
    others = [
        "@dispvm:dvm",
        "@dispvm:otherdvm",
        "dvm",
        "otherdvm",
        "personal",
        "tpl",
        "vault",
        "work",
    ]
    gpg = f"{paths['dir']}/include/gpg:1"
    assert records[0] == {"decision": "allow", "target": "vault", "rule": gpg,
                          "notify": False, "autostart": True, "user": None}
    assert records[5]["rule"] is None and records[5]["notify"] is True  # not a request
    assert lines == [
        {"decision": "allow", "target": "vault"},
        {"decision": "deny"},
        {"decision": "ask", "targets": others, "default_target": None},
        {"decision": "allow", "target": "dom0"},
        {"decision": "deny"},
        {"decision": "deny"},
    ]


def test_eval_batch_from_stdin_and_invalid_policy_denies_everything(paths):
    request = json.dumps(
        {"service": "qubes.Gpg", "argument": "+", "source": "work", "target": "@default"}
    )
    result = run("eval", "--batch", "-", "--system", paths["system"], "--policy-dir", paths["dir"],
                 input=request + "\n")
    assert json.loads(result.stdout)["target"] == "vault"
    Path(paths["dir"], "00-bad.policy").write_text("qubes.Gpg * work vault allow colour=red\n")
    result = run("eval", "--batch", "-", "--system", paths["system"], "--policy-dir", paths["dir"],
                 input=request + "\n")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"decision": "deny", "rule": None, "notify": True}
    assert "00-bad.policy:1: unknown parameter 'colour'" in result.stderr


def test_eval_single_request_explains_the_deciding_rule(paths):
    result = run("eval", "qubes.Gpg", "work", "@default", "--system", paths["system"],
                 "--policy-dir", paths["dir"])
    assert result.exit_code == 0
    decided, explained = result.stdout.splitlines()
    assert json.loads(decided)["target"] == "vault"
    gpg = f"{paths['dir']}/include/gpg:1"
    assert explained == f"decided by: {gpg}: work @default allow target=vault"
    result = run("eval", "qubes.Filecopy+", "work", "@tag:x", "--system", paths["system"],
                 "--policy-dir", paths["dir"])
    assert "invalid target" in result.stdout


def test_eval_refuses_a_bad_system(paths):
    Path(paths["system"]).write_text('{"domains": {"x": {"type": 5}}}')
    result = run(
        "eval", "s", "work", "vault", "--system", paths["system"], "--policy-dir", paths["dir"]
    )
    assert result.exit_code == 2 and "type must be a domain type" in result.stderr


def test_lint_reports_open_admin_bound_and_shadowed_rules(paths):
    Path(paths["dir"], "95-open.policy").write_text("* * @anyvm @anyvm allow\n")
    result = run("lint", "--policy-dir", paths["dir"])
    assert result.exit_code == 1
    d = paths["dir"]
    assert result.stdout.splitlines() == [
        f"{d}/include/gpg:1: warning: {UNKNOWN_TARGET}",
        f"{d}/90-default.policy:1: warning: {UNKNOWN_TARGET}",
        f"{d}/90-default.policy:2: warning: allows calls into the admin domain (@adminvm/dom0)",
        f"{d}/95-open.policy:1: warning: allows every domain to call every service on every domain",
        f"{d}/95-open.policy:1: warning: never used: {d}/90-default.policy:3 matches first",
    ]


def test_lint_clean_policy(tmp_path):
    policy_dir = write_policy(
        tmp_path / "p", {"a.policy": "s * work vault allow\ns * @anyvm @anyvm deny\n"}
    )
    result = run("lint", "--policy-dir", str(policy_dir))
    assert result.exit_code == 0 and "no warnings" in result.stdout
