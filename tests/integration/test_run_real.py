"""``bulkhead run`` as a user types it, against one real TCG guest of its own (prefix ``bhrun``,
its own pool): arguments with dashes, stdin, exit codes, timeout, --user, unknown and halted
domains, --autostart."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import connect, domain_halted

from ..guests import URI, own_host, template
from ..guests import app as app_domain
from ..topology import define_and_start, purge

pytestmark = pytest.mark.integration

TPL, APP = "bhrun-tpl", "bhrun-app"
BOOT_TIMEOUT_S = 300


@pytest.fixture
def guest(guest_image, tmp_path):
    data = {"host": own_host("bhrun"), "domains": {
        TPL: template(guest_image.directory, memory={"initial": 112}),
        APP: app_domain(TPL, memory={"initial": 112})}}
    model = load_pillar(data)
    pillar_file = tmp_path / "pillar.json"
    pillar_file.write_text(json.dumps(data))
    with connect(URI) as conn:
        purge(model)
        try:
            define_and_start(conn, model, (TPL, APP), APP, BOOT_TIMEOUT_S)
            yield conn, model, str(pillar_file)
        finally:
            purge(model)


def test_run_as_a_qubes_user_knows_it(guest):
    conn, model, pillar_file = guest

    def run(*args: str, stdin: str | None = None):
        return CliRunner().invoke(app, ["run", "--pillar-json", pillar_file, *args], input=stdin)

    addr = run(APP, "ip", "-4", "addr")
    assert addr.exit_code == 0 and "127.0.0.1" in addr.stdout, addr.output
    assert run(APP, "--", "ip", "-4", "addr").exit_code == 0
    assert run(APP, "cat", stdin="hello\n").stdout == "hello\n"
    assert run(APP, "exit 3").exit_code == 3
    assert run("--user", "user", APP, "id -u").stdout == "1000\n"
    late = run("--timeout", "2", APP, "sleep 30")
    assert late.exit_code == 124 and "ran over 2 s" in late.stderr and "Killed" not in late.stderr
    unknown = run("bhrun-nosuch", "true")
    assert unknown.exit_code == 126 and "no domain named bhrun-nosuch" in unknown.stderr

    assert domain_halted(conn, model, APP).result is True
    halted = run(APP, "true")
    assert halted.exit_code == 126 and f"domain {APP} is halted" in halted.stderr
    started = run("--autostart", APP, "echo", "up")
    assert started.exit_code == 0 and started.stdout == "up\n", started.output
