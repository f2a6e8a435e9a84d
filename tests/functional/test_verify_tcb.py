"""`bulkhead verify`'s TCB check on test:///default: it fails on a deviation the pillar does not
accept, names it with why it matters, and passes once the pillar accepts it with a reason."""

from __future__ import annotations

from saltext.bulkhead.verify.runner import run_suite

CHECK = "host_tcb: every_tcb_deviation_is_accepted_by_the_pillar [local]"
IMAGE = {"kind": "kernel", "root": "/i/r", "kernel": "/i/k", "initrd": "/i/i"}


def pillar(tmp_path, accept: list) -> dict:
    (tmp_path / "policy.d").mkdir(exist_ok=True)
    (tmp_path / "policy.d" / "50.policy").write_text("qubes.GetDate * work @adminvm allow\n")
    return {"host": {"uri": "test:///default", "workstation": "tcbverify"},
            "domains": {"tpl": {"class": "template", "image": IMAGE},
                        "work": {"class": "app", "template": "tpl", "label": "blue"}},
            "policy": {"dir": str(tmp_path / "policy.d")}, "tcb": {"accept": accept},
            "formula": {"paths": {"broker_pidfile": str(tmp_path / "broker.pid"),
                                  "memd_pidfile": str(tmp_path / "memd.pid")}}}


def outcome(tmp_path, accept: list):
    run = run_suite(pillar_data=pillar(tmp_path, accept), extra=("-k", "tcb"), timeout=300)
    return {r.check: r for r in run.results}[CHECK]


def test_an_unaccepted_deviation_fails_verify(tmp_path):
    result = outcome(tmp_path, [])
    assert result.outcome == "failed"
    assert "allow_to_admin [work]: qubes.GetDate from work to dom0" in result.message
    assert "why: an allow into the admin domain" in result.message


def test_an_accepted_deviation_passes(tmp_path):
    accept = [{"deviation": "allow_to_admin", "domain": "work", "reason": "the clock service"}]
    assert outcome(tmp_path, accept).outcome == "passed"
