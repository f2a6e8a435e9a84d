"""``bulkhead boot`` as bulkhead-boot.service runs it, after a simulated host reboot (test:///default).

Every domain is defined and shut off, as libvirt has them after a reboot. The command reads the
pillar file the formula writes for the host daemons and starts, in netvm order, exactly the
autostart domains and the netvms they need, each admitted by a real bulkhead-memd request handler
(in a thread of this process, sharing the test driver's default host). The start order is read
from libvirt: the test driver numbers domains in the order they start.
"""

from __future__ import annotations

import libvirt
import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.memd.daemon import DaemonState, request
from saltext.bulkhead.memd.daemon_config import DaemonConfig
from saltext.bulkhead.memd.server import MemdServer, serve_in_thread
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.rpc.broker_service import facts_file
from saltext.bulkhead.virt import domain_absent, domain_present
from tests.guests import DRIVER_URI as URI
from tests.guests import IMAGE

MiB = 1024


def app_domain(netvm: str = "none", **more) -> dict:
    return {"class": "app", "template": "btpl", "netvm": netvm, "memory": {"initial": 64}, **more}


DOMAINS = {
    "btpl": {"class": "template", "image": IMAGE, "netvm": "none"},
    # declared clients first: the order must come from the netvm chain, not the pillar or names
    "bwork": app_domain("bfirewall", autostart=True),
    "bvault": app_domain(),  # autostart absent: false, not a netvm
    "bmail": app_domain("bfirewall", autostart=False),
    "bfirewall": app_domain("bnet", provides_network=True, autostart=False),  # pulled in by bwork
    "bnet": app_domain(provides_network=True),  # a netvm: autostart by default
    "bspare": app_domain(provides_network=True, autostart=False),  # needed by no one: stays off
}


@pytest.fixture
def host(tmp_path):
    conn = libvirt.open(URI)  # keeps the default host's state between connections
    pillar = load_pillar({
        "host": {"uri": URI, "workstation": "test-boot", "pool": "bootpool",
                 "pool_path": str(tmp_path / "pool")},
        "memory": {"socket": str(tmp_path / "memd.sock"), "host_mib": 4096, "reserve_mib": 256},
        "domains": DOMAINS,
    })
    config = DaemonConfig(uri=URI, host_kib=4096 * MiB, reserve_kib=256 * MiB,
                          socket_path=tmp_path / "memd.sock", request_wait=0.0)
    state, asked = DaemonState(), []

    def admit(name: str, need_kib: int):  # memd's own admission, and a record of who asked
        asked.append(name)
        with libvirt.open(URI) as memd_conn:
            return request(memd_conn, config, state, name, need_kib)

    server = MemdServer(config.socket_path, admit, state)
    serve_in_thread(server)
    for name in DOMAINS:  # what the last apply left defined; the reboot left all of it off
        assert domain_present(conn, pillar, name).result is True
    pillar_file = tmp_path / "broker-pillar.json"
    pillar_file.write_bytes(facts_file(pillar))  # exactly what the formula writes
    yield conn, asked, pillar_file
    server.shutdown()
    server.server_close()
    for name in [n for n in DOMAINS if n != "btpl"] + ["btpl"]:
        domain_absent(conn, pillar, name, purge=True)
    pool = conn.storagePoolLookupByName("bootpool")
    pool.destroy()
    pool.undefine()  # the test driver keeps it between connections: the next test's path differs
    conn.close()


def started_in_order(conn) -> list[str]:
    running = [conn.lookupByName(name) for name in DOMAINS if conn.lookupByName(name).isActive()]
    return [dom.name() for dom in sorted(running, key=lambda dom: dom.ID())]


def test_boot_starts_autostart_domains_after_their_netvms_and_nothing_else(host):
    conn, asked, pillar_file = host
    result = CliRunner().invoke(app, ["boot", "--pillar-json", str(pillar_file)])
    assert result.exit_code == 0, result.output
    assert started_in_order(conn) == ["bnet", "bfirewall", "bwork"]
    for halted in ("bvault", "bmail", "bspare", "btpl"):
        assert not conn.lookupByName(halted).isActive(), halted
    assert asked == ["bnet", "bfirewall", "bwork"]  # each start admitted by memd first


def test_a_second_boot_changes_nothing(host):
    conn, asked, pillar_file = host
    assert CliRunner().invoke(app, ["boot", "--pillar-json", str(pillar_file)]).exit_code == 0
    ids = {name: conn.lookupByName(name).ID() for name in started_in_order(conn)}
    again = CliRunner().invoke(app, ["boot", "--pillar-json", str(pillar_file)])
    assert again.exit_code == 0, again.output
    assert {name: conn.lookupByName(name).ID() for name in started_in_order(conn)} == ids
    assert len(asked) == 3  # running domains are not asked for again


def test_without_memd_nothing_starts_and_the_command_fails(host, tmp_path):
    conn, _asked, pillar_file = host
    (tmp_path / "memd.sock").unlink()  # memd not serving: no domain may start without admission
    result = CliRunner().invoke(app, ["boot", "--pillar-json", str(pillar_file)])
    assert result.exit_code == 1
    assert started_in_order(conn) == []
    assert "FAILED bnet: " in result.output
    assert "FAILED bwork: not started: its netvm bfirewall did not start" in result.output


def test_dry_run_prints_the_order_and_starts_nothing(host):
    conn, _asked, pillar_file = host
    result = CliRunner().invoke(app, ["boot", "--pillar-json", str(pillar_file), "--dry-run"])
    assert result.exit_code == 0
    assert result.output.strip() == '["bnet", "bfirewall", "bwork"]'
    assert started_in_order(conn) == []


def test_an_unreadable_pillar_file_is_an_error(tmp_path):
    result = CliRunner().invoke(app, ["boot", "--pillar-json", str(tmp_path / "absent.json")])
    assert result.exit_code == 2 and "cannot read" in result.output
