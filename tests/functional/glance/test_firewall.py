"""`bulkhead firewall DOMAIN` on test:///default: the rules as the pillar orders them, and the
verdict on the netvm's enforcement from what its agent reports (the agent is the guest's side:
here a function answering as a netvm would)."""

from __future__ import annotations

import json

import libvirt
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.glance.firewall_view import firewall_view
from saltext.bulkhead.model import load_pillar_file


def test_firewall_lists_the_rules_in_order_then_the_final_drop(workstation):
    result = CliRunner().invoke(app, ["firewall", "gl-work", "--pillar", str(workstation)])
    lines = result.stdout.splitlines()
    assert lines[0].startswith("gl-work (10.137.") and lines[0].endswith("through gl-fw:")
    assert lines[1:4] == ["  1. accept tcp 198.51.100.1:443", "  2. accept dns",
                          "  3. drop (everything else)"]
    # The test driver runs no agent: the netvm cannot say what it enforces, so not "enforced".
    assert result.exit_code == 1
    assert lines[4].startswith("gl-fw's agent did not say what it enforces:")


def test_enforced_only_when_the_netvm_reports_exactly_the_compiled_ruleset(workstation):
    pillar = load_pillar_file(workstation)
    conn = libvirt.open("test:///default")
    try:
        unknown = firewall_view(conn, pillar, "gl-work", lambda netvm: None)
        compiled = unknown.compiled_sha256
        assert compiled is not None and not unknown.enforced
        assert "enforces no ruleset of ours" in unknown.status
        same = firewall_view(conn, pillar, "gl-work", lambda netvm: compiled)
        assert same.enforced and same.status == (
            f"gl-fw enforces exactly these rules (ruleset {compiled[:12]})")
        other = firewall_view(conn, pillar, "gl-work", lambda netvm: "0" * 64)
        assert not other.enforced and "the pillar compiles to" in other.status
        conn.lookupByName("gl-fw").destroy()
        halted = firewall_view(conn, pillar, "gl-work", lambda netvm: compiled)
        assert not halted.enforced and halted.status.startswith("gl-fw is shutoff")
    finally:
        conn.close()


def test_json_and_a_domain_without_network(workstation):
    result = CliRunner().invoke(
        app, ["firewall", "gl-work", "--json", "--pillar", str(workstation)]
    )
    data = json.loads(result.stdout)
    assert data["rules"] == ["accept tcp 198.51.100.1:443", "accept dns"]
    assert data["netvm"] == "gl-fw" and data["enforced"] is False
    vault = CliRunner().invoke(app, ["firewall", "gl-vault", "--pillar", str(workstation)])
    assert vault.exit_code == 2 and vault.stdout == ""
    assert vault.stderr == ("bulkhead: error: gl-vault has netvm: none: it has no network "
                            "interface, so no firewall\n")


def test_an_unknown_domain_is_an_error_as_in_show(workstation):
    """firewall and show find DOMAIN the same way (glance/source.py pillar_with)."""
    said = [CliRunner().invoke(app, [command, "nosuch", "--pillar", str(workstation)])
            for command in ("firewall", "show")]
    assert [(r.exit_code, r.stdout) for r in said] == [(2, ""), (2, "")]
    assert said[0].stderr == said[1].stderr == (
        "bulkhead: error: no domain 'nosuch' in the pillar of workstation 'glancetest' "
        "(bulkhead ls lists them)\n")
