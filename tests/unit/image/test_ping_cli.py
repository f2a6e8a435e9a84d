"""``bulkhead image ping DOMAIN`` as a user drives it: the domain named like ``run`` names it, the
socket an option; the socket path it took before still works, with a warning."""

from __future__ import annotations

from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from tests.unit.agent.test_agent_client import agent, reply  # noqa: F401


def _answering(agent):  # noqa: F811
    return agent(lambda conn, request: reply(conn, {"id": request["id"], "ok": True,
                                                    "name": "work", "uptime": 7}))


def test_ping_a_domain_through_the_socket_option(agent):  # noqa: F811
    socket = _answering(agent)
    result = CliRunner().invoke(app, ["image", "ping", "work", "--socket", socket])
    assert result.exit_code == 0, result.output
    assert '"name": "work"' in result.stdout and result.stderr == ""


def test_a_domain_without_an_agent_socket_is_named_in_words(tmp_path):
    result = CliRunner().invoke(app, ["image", "ping", "nosuch-x1"])
    assert result.exit_code == 1
    assert result.stderr.startswith("bulkhead: error: nosuch-x1: no agent socket at "
                                    "/run/bulkhead/agent/nosuch-x1.sock (the domain is not running")
    missing = CliRunner().invoke(app, ["image", "ping", "work", "--socket", str(tmp_path / "a")])
    assert missing.exit_code == 1 and f"no agent socket at {tmp_path / 'a'}" in missing.stderr


def test_the_old_socket_argument_still_works_with_a_warning(agent):  # noqa: F811
    socket = _answering(agent)
    result = CliRunner().invoke(app, ["image", "ping", socket])
    assert result.exit_code == 0, result.output
    assert '"uptime": 7' in result.stdout
    assert f"bulkhead: warning: a socket path as DOMAIN is deprecated: use --socket {socket}" \
        in result.stderr
    assert "DOMAIN" in CliRunner().invoke(app, ["image", "ping", "-h"]).stdout
