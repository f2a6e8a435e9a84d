"""`bulkhead tcb` through typer's CliRunner against libvirt's test:///default: text, JSON, the
picture, and the exit status that follows the pillar's accepted deviations."""

from __future__ import annotations

import html
import json

import yaml
from typer.testing import CliRunner

from saltext.bulkhead.cli import app

IMAGE = {"kind": "kernel", "root": "/i/r", "kernel": "/i/k", "initrd": "/i/i"}


def pillar(tmp_path, policy: str, accept: list | None = None):
    data = {
        "host": {"uri": "test:///default", "workstation": "tcbtest"},
        "domains": {
            "tpl": {"class": "template", "label": "black", "image": IMAGE},
            "sys-net": {"class": "app", "template": "tpl", "provides_network": True,
                        "uplink": {"network": "default", "address": "192.168.122.5/24"}},
            "work": {"class": "app", "template": "tpl", "label": "blue", "netvm": "sys-net"},
        },
        "policy": {"dir": str(tmp_path / "policy.d")},
        "formula": {"paths": {"broker_pidfile": str(tmp_path / "broker.pid"),
                              "memd_pidfile": str(tmp_path / "memd.pid")}},
    }
    (tmp_path / "policy.d").mkdir(exist_ok=True)
    (tmp_path / "policy.d" / "50-test.policy").write_text(policy)
    if accept is not None:
        data["tcb"] = {"accept": accept}
    path = tmp_path / "pillar.sls"
    path.write_text(yaml.safe_dump({"bulkhead": data}))
    return path


def run(*args):
    return CliRunner().invoke(app, ["tcb", *map(str, args)])


def test_text_report_names_components_domains_edges_and_deviations(tmp_path):
    path = pillar(tmp_path, "qubes.GetDate * work @adminvm allow\n"
                            "qubes.Filecopy * work sys-net ask\n")
    result = run("--pillar", path)
    assert result.exit_code == 1, result.output
    out = result.output
    for text in ("libvirtd:", "virtlogd:", "bulkhead-rpc broker:", "lines of Python",
                 "libvirt security driver: testSecurity", "CPU partitions: not configured",
                 "network: work -> sys-net -> uplink:default",
                 "rpc allow: qubes.GetDate -> dom0 (", "rpc ask: qubes.Filecopy -> sys-net",
                 "allow_to_admin [work] NOT ACCEPTED"):
        assert text in out
    assert "graphics/sound/USB/passthrough: none" in out


def test_accepting_the_deviation_makes_the_exit_status_zero(tmp_path):
    path = pillar(tmp_path, "qubes.GetDate * work @adminvm allow\n",
                  [{"deviation": "allow_to_admin", "domain": "work", "reason": "the clock"}])
    result = run("--pillar", path)
    assert result.exit_code == 0, result.output
    assert "allow_to_admin [work] accepted: the clock" in result.output


def test_json_is_the_documented_form_and_the_same_twice(tmp_path):
    path = pillar(tmp_path, "qubes.Filecopy * work sys-net ask\n")
    first, second = run("--pillar", path, "--json"), run("--pillar", path, "--json")
    assert first.exit_code == 0, first.output
    data, again = json.loads(first.output), json.loads(second.output)
    # The host's processes may come and go between the runs (other daemons); the rest may not.
    assert {**data, "components": None} == {**again, "components": None}
    assert list(data) == sorted(data)  # keys sorted
    assert data["schema"] == "bulkhead-tcb/1" and data["deviations"] == []
    assert [d["name"] for d in data["domains"]] == ["sys-net", "tpl", "work"]
    assert data["edges"] == [{"source": "work", "target": "sys-net", "service": "qubes.Filecopy",
                              "verdict": "ask",
                              "rule": f"{tmp_path}/policy.d/50-test.policy:1"}]


def test_svg_picture_is_drawn(tmp_path):
    path = pillar(tmp_path, "qubes.Filecopy * work sys-net ask\n")
    result = run("--pillar", path, "--svg", tmp_path / "ws.svg")
    assert result.exit_code == 0, result.output
    svg = html.unescape((tmp_path / "ws.svg").read_text())
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for name in ("work", "sys-net", "dom0", "uplink:default", "ask: qubes.Filecopy"):
        assert name in svg


def test_a_policy_that_does_not_parse_is_an_error(tmp_path):
    path = pillar(tmp_path, "qubes.Filecopy * work\n")
    result = run("--pillar", path)
    assert result.exit_code == 2
