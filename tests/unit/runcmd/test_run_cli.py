"""``bulkhead run`` as a user drives it: CliRunner, libvirt's test driver for the domain's state,
and the real guest protocol script (under busybox sh) behind the agent socket."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.runcmd.users import parse_user
from tests.unit.agent.test_agent_client import agent, guest_protocol  # noqa: F401

pytestmark = pytest.mark.skipif(shutil.which("busybox") is None, reason="no busybox")

NODE = """<node>
<domain type='test'><name>work</name><memory>65536</memory><os><type>hvm</type></os></domain>
<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>vault</name>
<memory>65536</memory><os><type>hvm</type></os><test:runstate>5</test:runstate></domain>
</node>"""


@pytest.fixture
def run(tmp_path, agent):  # noqa: F811
    node = tmp_path / "node.xml"
    node.write_text(NODE)
    socket = agent(guest_protocol(tmp_path))

    def invoke(*args: str, stdin: str | None = None):
        return CliRunner().invoke(app, ["run", "--connect", f"test://{node}", "--socket", socket,
                                        "--pillar-json", str(tmp_path / "none.json"), *args],
                                  input=stdin)
    return invoke


def test_words_after_the_domain_are_the_command_even_with_dashes(run):
    result = run("work", "printf", "%s|", "-4", "a b")
    assert result.exit_code == 0 and result.stdout == "-4|a b|"
    assert run("work", "--", "printf", "-n").exit_code == 0
    one_line = run("work", "echo one | tr o O")
    assert one_line.stdout == "One\n"


def test_the_guest_command_code_passes_through(run):
    assert run("work", "exit 3").exit_code == 3
    assert run("work", "sh", "-c", "exit 2").exit_code == 2


def test_unknown_and_halted_domains_are_named_in_words_with_exit_126(run):
    unknown = run("nosuch", "true")
    assert unknown.exit_code == 126
    assert "bulkhead: error: no domain named nosuch" in unknown.stderr
    halted = run("vault", "true")
    assert halted.exit_code == 126
    assert "domain vault is halted: not running (--autostart starts it)" in halted.stderr


def test_autostart_without_the_hosts_pillar_is_bulkheads_failure_125(run):
    result = run("--autostart", "vault", "true")
    assert result.exit_code == 125 and "cannot read the host's pillar" in result.stderr


def test_stdin_is_passed_and_can_be_withheld(run):
    assert run("work", "cat", stdin="hello\n").stdout == "hello\n"
    assert run("--no-pass-io", "work", "cat", stdin="hello\n").stdout == ""


def test_input_over_the_bound_is_refused_before_anything_runs(run):
    result = run("work", "cat", stdin="x" * (64 * 1024 + 1))
    assert result.exit_code == 125 and "input over 64 KiB" in result.stderr


def test_a_timeout_is_said_in_words_with_exit_124(run):
    result = run("--timeout", "1", "work", "sleep 5")
    assert result.exit_code == 124
    assert "timeout: the command ran over 1 s in work and was killed" in result.stderr
    assert "Killed" not in result.stderr


def test_a_command_killed_by_its_own_signal_is_not_a_timeout(run):
    assert run("work", "kill -9 $$").exit_code == 137


def test_user_drops_to_the_uid_and_gid(run):
    assert run("--user", "user", "work", "id -u; id -g").stdout == "1000\n1000\n"
    assert run("-u", "4242:77", "work", "id -u; id -g").stdout == "4242\n77\n"
    assert run("work", "id -u").stdout == "0\n"


def test_usage_errors_exit_2(run):
    assert run("work").exit_code == 2
    bad_user = run("--user", "alice", "work", "true")
    assert bad_user.exit_code == 2 and "use root, user or UID[:GID]" in bad_user.stderr


@pytest.mark.parametrize("text,expected", [
    ("root", None), ("0", None), ("user", (1000, 1000)), ("5", (5, 5)), ("5:6", (5, 6))])
def test_parse_user(text, expected):
    assert parse_user(text) == expected


@pytest.mark.parametrize("text", ["alice", "-1", "1:", ":1", "1:2:3", "1" * 10, ""])
def test_parse_user_refuses(text):
    with pytest.raises(ValueError):
        parse_user(text)


def test_a_socket_alone_is_used_without_asking_libvirt(tmp_path, agent):  # noqa: F811
    socket = agent(guest_protocol(tmp_path))
    result = CliRunner().invoke(app, ["run", "--socket", socket, "nosuch-in-libvirt", "echo ok"])
    assert result.exit_code == 0 and result.stdout == "ok\n"
