"""Reading the suite's JUnit report and building its command line."""

from __future__ import annotations

import json
import sys

from saltext.bulkhead.verify.runner import (
    SUITE_DIR,
    CheckResult,
    SuiteRun,
    read_junit,
    report_data,
    slowest,
    suite_command,
)

JUNIT = b"""<?xml version="1.0" encoding="utf-8"?><testsuites>
<testsuite name="pytest" errors="1" failures="1">
<testcase classname="test_host_bridges" name="test_no_host_address_on_bulkhead_bridges[local]"
 time="0.1"/>
<testcase classname="test_host_ports" name="test_no_unmanaged_domain_on_bulkhead_networks[local]">
<failure message="AssertionError: domain intruder (no bulkhead metadata) has an interface on \
bulkhead-sys-net&#10;assert not ['x']">trace</failure></testcase>
<testcase classname="test_host_domains" name="test_persistent_definitions_match_the_plan">
<error message="failed on setup with &quot;cannot connect&quot;">trace</error></testcase>
</testsuite></testsuites>"""

SKIPS = b"""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" skipped="2">
<testcase classname="test_host_rpc" name="test_running_domains_have_their_rpc_channel[local]"/>
<testcase classname="test_guest_rpc" name="test_calls_the_policy_denies_are_refused[local]">
<skipped type="pytest.skip" message="no RPC broker runs (formula bulkhead.rpc)">x.py:41</skipped>
</testcase>
<testcase classname="test_guest_network" name="test_netvms_enforce_their_compiled_ruleset[local]">
<skipped type="pytest.skip" message="not applicable: no netvm is running">x.py:9</skipped>
</testcase>
</testsuite></testsuites>"""


def test_read_junit_names_each_check_and_keeps_only_the_message():
    passed, failed, error = read_junit(JUNIT)
    assert (passed.check, passed.outcome, passed.message) == (
        "host_bridges: no_host_address_on_bulkhead_bridges [local]", "passed", "")
    assert failed.outcome == "failed"
    assert (
        failed.message
        == "domain intruder (no bulkhead metadata) has an interface on bulkhead-sys-net"
    )
    assert (error.check, error.outcome) == (
        "host_domains: persistent_definitions_match_the_plan",
        "error",
    )


def test_each_check_keeps_its_seconds_from_the_report():
    passed, failed, error = read_junit(JUNIT.replace(b'time="0.1"', b'time="12.345"'))
    assert (passed.seconds, failed.seconds, error.seconds) == (12.345, 0.0, 0.0)  # none: 0
    assert read_junit(JUNIT.replace(b'time="0.1"', b'time="x"'))[0].seconds == 0.0
    assert report_data(SuiteRun(0, (passed,), ""))["checks"][0]["seconds"] == 12.35


def test_slowest_lists_the_longest_checks_first():
    checks = tuple(CheckResult(f"c{n}", "passed", "", s) for n, s in enumerate((1.0, 9.5, 3.0)))
    run = SuiteRun(0, checks, "")
    assert [r.check for r in slowest(run, 2)] == ["c1", "c2"]
    assert len(slowest(run, 10)) == 3


def test_a_run_is_ok_only_when_every_check_passed():
    results = read_junit(JUNIT)
    assert not SuiteRun(1, results, "").ok
    assert SuiteRun(0, results[:1], "").ok
    assert not SuiteRun(0, (), "").ok  # nothing ran: not a pass
    assert (SuiteRun(1, results, "").exit_code, SuiteRun(0, (), "").exit_code) == (1, 1)


def test_a_skip_is_not_a_pass_and_not_applicable_is_no_skip():
    passed, skip, not_applicable = read_junit(SKIPS)
    assert (skip.outcome, skip.message) == ("skipped", "no RPC broker runs (formula bulkhead.rpc)")
    assert (not_applicable.outcome, not_applicable.message) == ("n/a", "no netvm is running")
    assert SuiteRun(0, (passed, not_applicable), "").exit_code == 0
    run = SuiteRun(0, (passed, skip, not_applicable), "")  # pytest itself exits 0 on skips
    assert not run.ok and run.exit_code == 3
    assert SuiteRun(1, (*read_junit(JUNIT), skip), "").exit_code == 1  # a failure wins


def test_salt_pillar_data_is_handed_over_as_json(tmp_path):
    cmd = suite_command(hosts="local://", pillar_file=None, pillar_data={"domains": {}}, uri="test:///default",
                        workdir=tmp_path)
    assert cmd[:4] == [sys.executable, "-m", "pytest", str(SUITE_DIR)]
    at = cmd.index("--bulkhead-pillar-json")
    assert json.loads((tmp_path / "pillar.json").read_text()) == {"domains": {}}
    assert cmd[at + 1] == str(tmp_path / "pillar.json")
    assert cmd[cmd.index("--bulkhead-uri") + 1] == "test:///default"
