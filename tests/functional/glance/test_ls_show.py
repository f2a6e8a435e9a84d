"""`bulkhead ls` and `bulkhead show` through CliRunner on test:///default, as a user runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from saltext.bulkhead.cli import app

from .workstation import DOMAINS


def run(*args):
    return CliRunner().invoke(app, [*map(str, args)])


def test_ls_lists_every_domain_with_state_class_label_netvm_ip_and_memory(workstation):
    result = run("ls", "--pillar", workstation)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:7] == ["NAME", "STATE", "CLASS", "LABEL", "TEMPLATE", "NETVM", "IP"]
    by_name = {line.split()[0]: line.split() for line in lines[1:]}
    assert sorted(by_name) == sorted(DOMAINS)  # the test driver's own "test" domain is not ours
    work = by_name["gl-work"]
    assert work[1:6] == ["running", "app", "blue", "gl-tpl", "gl-fw"]
    # memory now, min, max (MiB), then the CPU partition (none in this pillar)
    assert work[6].startswith("10.137.") and work[7:] == ["256", "128", "512", "-"]
    assert by_name["gl-vault"][1:6] == ["shutoff", "app", "black", "gl-tpl", "-"]
    assert by_name["gl-vault"][7] == "-"  # no memory "now" for a halted domain


def test_ls_json_is_data_and_matches_the_table(workstation):
    result = run("ls", "--json", "--pillar", workstation)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["workstation"] == "glancetest"
    work = {d["name"]: d for d in data["domains"]}["gl-work"]
    assert {k: work[k] for k in ("state", "class", "label", "netvm", "memory_now_mib",
                                 "memory_min_mib", "memory_max_mib", "declared")} == {
        "state": "running", "class": "app", "label": "blue", "netvm": "gl-fw",
        "memory_now_mib": 256, "memory_min_mib": 128, "memory_max_mib": 512, "declared": True}


def test_ls_tree_puts_each_client_below_its_netvm(workstation):
    result = run("ls", "--tree", "--pillar", workstation)
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.output.splitlines()[1:]]
    indents = {line.split()[0]: len(line) - len(line.lstrip()) for line in result.output.splitlines()[1:]}
    assert names.index("gl-net") < names.index("gl-fw") < names.index("gl-work")
    assert indents["gl-net"] == 0 and indents["gl-fw"] == 2 and indents["gl-work"] == 4
    data = json.loads(run("ls", "--tree", "--json", "--pillar", workstation).output)
    assert {d["name"]: d["depth"] for d in data["domains"]}["gl-work"] == 2


def test_a_domain_the_pillar_dropped_is_listed_as_not_in_pillar(workstation, tmp_path):
    text = workstation.read_text().replace("  gl-vault:", "  gl-gone:").replace(
        "gl-vault", "gl-gone")
    dropped = tmp_path / "dropped.sls"
    dropped.write_text(text)
    lines = run("ls", "--pillar", dropped).output.splitlines()
    assert any(line.startswith("gl-vault (not in pillar)") and "shutoff" in line for line in lines)
    assert any(line.startswith("gl-gone ") and "undefined" in line for line in lines)


def test_show_names_each_property_and_its_source(workstation):
    result = run("show", "gl-work", "--pillar", workstation)
    assert result.exit_code == 0, result.output
    props = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert props["label"][1:] == ["blue", "pillar"]
    assert props["vcpus"][1:] == ["2", "pillar"]
    assert props["memory.max"][1:] == ["512", "pillar"]
    assert props["memory.min"][1:] == ["128", "default,", "derived"]
    assert props["private_mib"][1:] == ["1024", "default"]
    assert props["state"][1:] == ["running", "libvirt"]
    assert props["memory.now"][1:] == ["256", "libvirt"]
    data = json.loads(run("show", "gl-work", "--json", "--pillar", workstation).output)
    firewall = {p["name"]: p for p in data["properties"]}["firewall"]
    assert firewall == {"name": "firewall", "source": "pillar",
                        "value": ["accept tcp 198.51.100.1:443", "accept dns"]}


def test_show_of_an_unknown_domain_is_an_error_on_stderr(workstation):
    result = run("show", "nosuch", "--pillar", workstation)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("bulkhead: error: no domain 'nosuch'")
