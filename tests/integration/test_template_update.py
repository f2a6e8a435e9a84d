"""A Debian template updated without a network, on real TCG guests: ``update_template`` starts
the template, its apt goes through bulkhead-updates-forwarder, the real broker (``bulkhead rpc
broker``) and the policy to qubes.UpdatesProxy in the proxy domain, and the template is shut down.

The outside is the proxy domain itself: the signed test repository (tests/functional/apt_repo.py)
is served there on 127.0.0.1 by busybox httpd, so no lab uplink is needed; the proxy domain is
only defined, the broker starts it on the template's first call (as sys-net would be). The
template trusts the test key as its build or pillar would make it (written by the admin through
the agent). One update goes through; a tampered package and a tampered Release are each refused
and the template's packages are unchanged."""

from __future__ import annotations

import base64
import io
import tarfile
import time
from pathlib import Path

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.template_update.run import update_template
from saltext.bulkhead.template_update.state import template_updated
from saltext.bulkhead.virt import connect, domain_halted, domain_running

from ..functional import apt_repo
from ..guests import URI, app, own_host, template, wait_ready
from .rpc_broker import broker_running, caller_booted

pytestmark = pytest.mark.integration

TPL, TINY, NET = "bhupd-tpl", "bhupd-tiny", "bhupd-net"
DEBIAN_MEMORY = {"initial": 512, "max": 512}
BOOT_TIMEOUT_S = 300
UPDATE_TIMEOUT_S = 900
PORT = 8080
POLICY = f"""\
# docs/image.md, "Updating templates": templates reach the proxy domain, nothing else does.
qubes.UpdatesProxy * @type:TemplateVM {NET} allow
qubes.UpdatesProxy * @anyvm @anyvm deny
"""


def pillar_data(debian: Path, tiny: Path) -> dict:
    return {"host": own_host("bhupd"), "domains": {
        TINY: template(tiny), NET: app(TINY),
        TPL: template(debian, root=debian / "root.qcow2", memory=DEBIAN_MEMORY)}}


def run(domain: str, cmd: str, timeout: int = 60) -> str:
    out = AgentClient(names.agent_socket(domain)).run(cmd, timeout=timeout)
    assert out.rc == 0, (cmd[:200], out.stdout, out.stderr)
    return out.stdout.decode()


def push(domain: str, files: dict[str, bytes], into: str) -> None:
    """``files`` (relative path: bytes) into the directory ``into`` of ``domain``, emptied first
    (not replaced: busybox httpd serves the directory it changed into at its start)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for rel, data in files.items():
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    b64 = base64.b64encode(buffer.getvalue()).decode()
    run(
        domain,
        f"mkdir -p {into} && rm -rf {into}/* && echo {b64} | base64 -d | tar -xf - -C {into}",
    )


def publish(repo: apt_repo.Repo) -> None:
    """The repository as it is now, served in the proxy domain (the outside world)."""
    files = {str(p.relative_to(repo.root)): p.read_bytes()
             for p in sorted(repo.root.rglob("*")) if p.is_file()}
    push(NET, files, "/srv/repo")
    run(NET, f"netstat -ltn | grep -q ':{PORT} ' || httpd -p 127.0.0.1:{PORT} -h /srv/repo")


def package_version(conn, model) -> str:
    """The template's installed bulkhead-hello (it is booted and shut down again)."""
    assert domain_running(conn, model, TPL).result is True
    wait_ready([TPL], BOOT_TIMEOUT_S)
    try:
        return run(TPL, "dpkg-query -W -f='${Version}' bulkhead-hello")
    finally:
        assert domain_halted(conn, model, TPL, timeout=90).result is True


@pytest.fixture
def world(guest_image, debian_image, tmp_path):
    data = pillar_data(debian_image.directory, guest_image.directory)
    with caller_booted(data, (TINY, NET, TPL), NET, BOOT_TIMEOUT_S), \
            broker_running(tmp_path, POLICY, data, NET) as log:
        yield load_pillar(data), log, tmp_path


def trust_test_repo(conn, model, repo: apt_repo.Repo) -> None:
    """The admin's setup of the template: the test key and source only, bulkhead-hello 1.0."""
    assert domain_running(conn, model, TPL).result is True
    wait_ready([TPL], BOOT_TIMEOUT_S)
    push(TPL, {"bulkhead-test.gpg": repo.key.read_bytes(),
               "hello.deb": repo.deb("1.0").read_bytes()}, "/root/setup")
    run(TPL, "install -m 644 /root/setup/bulkhead-test.gpg /etc/apt/keyrings/ && "
             "rm -f /etc/apt/sources.list.d/* && echo 'deb [signed-by=/etc/apt/keyrings/"
             f"bulkhead-test.gpg] http://127.0.0.1:{PORT}/ {apt_repo.SUITE} main' "
             "> /etc/apt/sources.list.d/bulkhead-test.list && dpkg -i /root/setup/hello.deb && "
             "rm -r /root/setup", timeout=120)
    assert domain_halted(conn, model, TPL, timeout=90).result is True


def test_update_goes_through_and_tampering_changes_nothing(world, request):
    model, log, tmp_path = world
    repo = apt_repo.make_repo(tmp_path / "r")
    request.addfinalizer(lambda: apt_repo.stop_agent(repo))
    apt_repo.add_package(repo, "1.0")
    publish(repo)
    with connect(URI) as conn:
        trust_test_repo(conn, model, repo)

        apt_repo.add_package(repo, "2.0")
        publish(repo)
        would = template_updated(model, TPL, test=True, proxy=NET)  # the state in test mode
        assert would.result is None and would.changes == {}, would
        assert not conn.lookupByName(TPL).isActive()
        started = time.monotonic()
        report = update_template(conn, model, TPL, NET, UPDATE_TIMEOUT_S)
        print(f"timing: one template update (start, apt, shut down): "
              f"{time.monotonic() - started:.0f} s")
        assert report.ok, report
        # 1.0 was still there: test mode installed nothing
        assert any(line.startswith("< bulkhead-hello 1.0 ii") for line in report.changed), report
        assert any(line.startswith("> bulkhead-hello 2.0 ii") for line in report.changed), report
        assert not conn.lookupByName(TPL).isActive()
        assert f"call qubes.UpdatesProxy+ from {TPL} to {NET}: allowed" in log.read_text()

        again = template_updated(model, TPL, test=False, proxy=NET, timeout=UPDATE_TIMEOUT_S)
        assert again.result is True and again.changes == {}, again  # a second apply: no changes

        apt_repo.add_package(repo, "3.0")
        deb = repo.deb("3.0")
        deb.write_bytes(deb.read_bytes()[:-1] + bytes([deb.read_bytes()[-1] ^ 0xFF]))
        publish(repo)
        refused = update_template(conn, model, TPL, NET, UPDATE_TIMEOUT_S)
        assert not refused.ok and refused.changed == (), refused
        assert any("Hash Sum mismatch" in line for line in refused.apt_tail), refused

        apt_repo.add_package(repo, "4.0")
        in_release = repo.root / "dists" / apt_repo.SUITE / "InRelease"
        signed = in_release.read_text()
        in_release.write_text(signed.replace("Origin: bulkhead-test", "Origin: bhtest"))
        publish(repo)
        refused = update_template(conn, model, TPL, NET, UPDATE_TIMEOUT_S)
        assert not refused.ok and refused.changed == (), refused
        assert any("signature" in line.lower() for line in refused.apt_tail), refused

        assert package_version(conn, model) == "2.0"
