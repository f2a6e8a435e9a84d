"""``bulkhead policy eval|check`` on what the host has: its pillar and libvirt (the test driver
here) by default, a clear word for a refused argument and for a host without a policy."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from saltext.bulkhead.cli import app

from .policy_helpers import write_policy

IMAGE = {"kind": "kernel", "root": "/i/root.img", "kernel": "/i/vmlinuz", "initrd": "/i/initrd.img"}
OURS = "<metadata><bh:domain xmlns:bh='https://bulkhead.invalid/xmlns/domain/1'/></metadata>"
NODE = "<node>" + "".join(
    f"<domain type='test'><name>{name}</name><memory>65536</memory><os><type>hvm</type></os>"
    f"{OURS}</domain>" for name in ("work", "vault")) + "</node>"


def run(*args: str):
    return CliRunner().invoke(app, ["policy", *args])


def host(tmp_path: Path) -> str:
    (tmp_path / "node.xml").write_text(NODE)
    pillar = {"host": {"uri": f"test://{tmp_path / 'node.xml'}"}, "domains": {
        "tpl": {"class": "template", "image": IMAGE},
        "work": {"class": "app", "template": "tpl", "tags": ["office"]},
        "vault": {"class": "app", "template": "tpl", "netvm": "none"},
        "mail": {"class": "app", "template": "tpl"}}}  # in the pillar, not defined: no domain
    path = tmp_path / "pillar.json"
    path.write_text(json.dumps(pillar))
    return str(path)


def test_eval_decides_against_the_hosts_pillar_and_libvirt(tmp_path):
    policy = write_policy(tmp_path / "policy.d", {"50.policy": (
        "qubes.Filecopy * @tag:office vault ask\nqubes.Filecopy * @anyvm @anyvm deny\n")})
    common = ("--policy-dir", str(policy), "--pillar-json", host(tmp_path))
    asked = run("eval", "qubes.Filecopy", "work", "vault", *common)
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.stdout.splitlines()[0])["decision"] == "ask"
    assert "50.policy:1" in asked.stdout
    to_undefined = run("eval", "qubes.Filecopy", "work", "mail", *common)
    assert json.loads(to_undefined.stdout.splitlines()[0])["decision"] == "deny"


def test_eval_without_a_readable_host_pillar_says_so_and_points_at_system(tmp_path):
    result = run("eval", "qubes.Filecopy", "work", "vault", "--pillar-json", str(tmp_path / "no.json"))
    assert result.exit_code == 2
    assert "bulkhead: error: cannot read the host's pillar" in result.stderr
    assert "--system" in result.stderr


def test_a_refused_argument_names_its_characters(tmp_path):
    policy = write_policy(tmp_path / "policy.d", {"50.policy": "* * @anyvm @anyvm allow\n"})
    result = run("eval", "qubes.OpenURL+https://x", "work", "@dispvm", "--policy-dir",
                 str(policy), "--pillar-json", host(tmp_path))
    assert "must start with" not in result.output
    assert "':' '/' not allowed" in result.stdout
    assert json.loads(result.stdout.splitlines()[0])["decision"] == "deny"


def test_check_on_a_host_without_policy_says_every_call_is_denied(tmp_path):
    result = run("check", "--policy-dir", str(tmp_path / "policy.d"))
    assert result.exit_code == 0
    assert "no policy installed: the broker denies every call" in result.stdout
