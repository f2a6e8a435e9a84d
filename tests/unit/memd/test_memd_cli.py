import json

from typer.testing import CliRunner

from saltext.bulkhead.cli import app

runner = CliRunner()


def test_generate_then_simulate_with_both_strategies(tmp_path):
    generated = runner.invoke(
        app, ["memory", "generate", "--domains", "4", "--steps", "30", "--seed", "2"]
    )
    assert generated.exit_code == 0, generated.output
    path = tmp_path / "trace.json"
    path.write_text(generated.stdout)
    for strategy in ("bulkhead", "qmemman"):
        result = runner.invoke(app, ["memory", "simulate", str(path), "--strategy", strategy])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["policy"] == strategy and report["steps"] == 30
        assert {"mib_moved", "oscillations", "overcommitted_steps", "mean_decision_us"} <= set(
            report
        )


def test_bad_trace_and_bad_options_exit_with_2(tmp_path):
    path = tmp_path / "trace.json"
    path.write_text(json.dumps({"host_mib": 10, "reserve_mib": 20, "domains": {}, "steps": []}))
    result = runner.invoke(app, ["memory", "simulate", str(path)])
    assert result.exit_code == 2 and "reserve_mib" in result.output
    path.write_text(json.dumps({"host_mib": 100, "reserve_mib": 20, "domains": {}, "steps": []}))
    assert (
        runner.invoke(app, ["memory", "simulate", str(path), "--strategy", "greedy"]).exit_code == 2
    )
    assert (
        runner.invoke(app, ["memory", "simulate", str(path), "--cache-factor", "0.5"]).exit_code
        == 2
    )


def test_the_old_policy_option_still_works_with_a_warning_and_is_not_in_the_help(tmp_path):
    path = tmp_path / "trace.json"
    path.write_text(
        runner.invoke(app, ["memory", "generate", "--domains", "2", "--steps", "3"]).stdout
    )
    result = runner.invoke(app, ["memory", "simulate", str(path), "--policy", "qmemman"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["policy"] == "qmemman"
    assert "bulkhead: warning: --policy is deprecated: use --strategy" in result.stderr
    shown = runner.invoke(app, ["memory", "simulate", "-h"]).stdout
    assert "--strategy" in shown and "--policy" not in shown
    bad = runner.invoke(app, ["memory", "simulate", str(path), "--strategy", "greedy"])
    assert "bulkhead: error: --strategy 'greedy': choose one of bulkhead, qmemman" in bad.stderr
