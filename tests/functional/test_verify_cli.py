"""`bulkhead verify` through CliRunner on test:///default: a line per check as it finishes,
`-k` selecting checks, `--json` the report as data, a failure's finding after the live lines."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from saltext.bulkhead.cli import app

TCB = "host_tcb: every_tcb_deviation_is_accepted_by_the_pillar [local]"
IMAGE = {"kind": "kernel", "root": "/i/r", "kernel": "/i/k", "initrd": "/i/i"}


def pillar(tmp_path, policy: str = "") -> str:
    (tmp_path / "policy.d").mkdir(exist_ok=True)
    (tmp_path / "policy.d" / "50.policy").write_text(policy)
    data = {"host": {"uri": "test:///default", "workstation": "verifycli"},
            "domains": {"tpl": {"class": "template", "image": IMAGE},
                        "work": {"class": "app", "template": "tpl", "label": "blue"}},
            "policy": {"dir": str(tmp_path / "policy.d")},
            "formula": {"paths": {"broker_pidfile": str(tmp_path / "broker.pid"),
                                  "memd_pidfile": str(tmp_path / "memd.pid")}}}
    path = tmp_path / "pillar.sls"
    path.write_text(yaml.safe_dump({"bulkhead": data}))
    return str(path)


def verify(*args):
    return CliRunner().invoke(app, ["verify", *args])


def test_k_selects_checks_and_each_is_one_line_then_the_summary(tmp_path):
    result = verify("--pillar", pillar(tmp_path), "-k", "tcb or no_host_address")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == ["PASS  host_bridges: no_host_address_on_bulkhead_bridges [local]",
                     f"PASS  {TCB}", "all 2 checks passed"]


def test_json_is_the_report_as_data_with_the_same_check_names(tmp_path):
    result = verify("--pillar", pillar(tmp_path), "-k", "tcb", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["result"] is True and data["exit_code"] == 0 and data["summary"] == "1 passed"
    seconds = data["checks"][0].pop("seconds")
    assert data["checks"] == [{"name": TCB, "result": True, "outcome": "passed", "message": ""}]
    assert isinstance(seconds, float) and seconds >= 0


def test_durations_lists_the_slowest_checks_after_the_summary(tmp_path):
    result = verify("--pillar", pillar(tmp_path), "-k", "tcb or no_host_address",
                    "--durations", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2:4] == ["all 2 checks passed", "slowest 1 checks:"]
    seconds, unit, check = lines[4].split(None, 2)
    assert float(seconds) >= 0 and unit == "s" and check in (TCB, lines[0].split(None, 1)[1])
    assert len(lines) == 5


def test_a_failed_check_shows_live_then_its_finding_unwrapped(tmp_path):
    path = pillar(tmp_path, "qubes.GetDate * work @adminvm allow\n")
    result = verify("--pillar", path, "-k", "tcb")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"FAIL  {TCB}"  # printed as the check finished
    assert lines[1] == f"  {TCB}:" and lines[-1] == "1 of 1 checks failed (1 failed)"
    finding = next(line for line in lines if "allow_to_admin [work]" in line)
    assert len(finding) > 80  # piped: one line, not wrapped at 80 columns


def test_an_invalid_pillar_is_an_error_on_stderr(tmp_path):
    bad = tmp_path / "bad.sls"
    bad.write_text("bulkhead:\n  host: {workstation: test-verify-cli}\n"
                   "  domains:\n    x: {class: nosuch}\n")
    result = verify("--pillar", str(bad))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("bulkhead: error: ")
