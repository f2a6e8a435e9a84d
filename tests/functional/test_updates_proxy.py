"""Updates without a network, end to end on the host: a real apt (the template's) talks to
bulkhead-updates-forwarder, each connection goes as a qubes.UpdatesProxy call through the real
broker and policy to the netvm's guest daemon, whose service fetches from a signed repository on
127.0.0.1 (the outside). Guest daemons on socketpairs stand in for the booted domains
(tests/unit/rpc/rpc_harness.py); apt runs with its own root (the template's apt state).

apt's verification is the trust anchor: one update goes through; a tampered package and a
tampered Release are each refused and leave the template's apt state exactly as it was."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from saltext.bulkhead.guest.client import REFUSED_RC
from saltext.bulkhead.guest.updates_forwarder import SERVICE, forward, serve
from saltext.bulkhead.policy import System
from saltext.bulkhead.rpc.host import StaticHost
from saltext.bulkhead.rpc.prompt import RefusePrompt
from tests.functional import apt_repo
from tests.unit.rpc.rpc_harness import MODULES, Harness

# The policy line docs/image.md gives: templates reach the netvm's proxy, nothing else does.
POLICY = "qubes.UpdatesProxy * @type:TemplateVM sys-net allow\n" \
         "qubes.UpdatesProxy * @anyvm @anyvm deny\n"
SERVICE_SCRIPT = (f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {MODULES!r})\n"
                  "from saltext.bulkhead.guest.updates_proxy import main\nsys.exit(main())\n")


@pytest.fixture
def world(tmp_path):
    repo = apt_repo.make_repo(tmp_path)
    apt_repo.add_package(repo, "1.0")
    server = apt_repo.serve(repo)
    system = System.from_json({"domains": {
        "dom0": {"type": "AdminVM", "power_state": "Running"},
        "tpl": {"type": "TemplateVM", "power_state": "Running"},
        "work": {"type": "AppVM", "power_state": "Running"},
        "sys-net": {"type": "AppVM", "power_state": "Running"}}})
    (tmp_path / "rpc").mkdir()
    harness = Harness(tmp_path / "rpc", RefusePrompt(), host=StaticHost(system), policy=POLICY)
    for name in ("tpl", "work", "sys-net"):
        harness.guest(name)
    service = tmp_path / "rpc" / "services-sys-net" / SERVICE
    service.write_text(SERVICE_SCRIPT)
    service.chmod(0o755)
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=serve, args=(listener, "sys-net", harness.socket_of("tpl")),
                     daemon=True).start()
    apt = AptRoot(tmp_path / "template", repo, listener.getsockname()[1])
    yield repo, apt, harness
    harness.close()
    server.shutdown()
    listener.close()
    apt_repo.stop_agent(repo)


class AptRoot:
    """The template's apt: its own configuration, lists, cache and (empty) dpkg status."""

    def __init__(self, root: Path, repo: apt_repo.Repo, port: int):
        self.root = root
        for sub in ("etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/trusted.gpg.d",
                    "etc/apt/sources.list.d", "var/lib/apt/lists/partial",
                    "var/cache/apt/archives/partial", "var/lib/dpkg"):
            (root / sub).mkdir(parents=True)
        (root / "var/lib/dpkg/status").write_text("")
        (root / "etc/apt/sources.list").write_text(
            f"deb [signed-by={repo.key}] {repo.url} {apt_repo.SUITE} main\n")
        (root / "apt.conf").write_text(
            f'Dir "{root}/";\nDir::State::status "{root}/var/lib/dpkg/status";\n'
            'APT::Architecture "amd64";\nAPT::Sandbox::User "root";\nDebug::NoLocking "true";\n'
            f'Acquire::http::Proxy "http://127.0.0.1:{port}/";\nAcquire::Retries "0";\n')

    def get(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "APT_CONFIG": str(self.root / "apt.conf"), "LC_ALL": "C"}
        return subprocess.run(["apt-get", "-q", *args], env=env, capture_output=True, text=True,
                              check=False, timeout=300)

    def state(self) -> dict[str, str]:
        """Every file of the template's apt state and its digest, after ``apt-get clean`` (as the
        update script ends: a refused download's debris and the derived caches go)."""
        assert self.get("clean").returncode == 0
        return {str(p.relative_to(self.root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.root.rglob("*")) if p.is_file()}


def _update(apt: AptRoot) -> subprocess.CompletedProcess[str]:
    return apt.get("--error-on=any", "update")


def test_one_update_goes_through(world):
    repo, apt, harness = world
    updated = _update(apt)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    fetched = apt.get("install", "--download-only", "-y", apt_repo.PACKAGE)
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert (apt.root / "var/cache/apt/archives/bulkhead-hello_1.0_all.deb").read_bytes() == \
        repo.deb("1.0").read_bytes()
    assert "qubes.UpdatesProxy" in harness.log()


def test_a_tampered_package_is_refused(world):
    repo, apt, _ = world
    assert _update(apt).returncode == 0
    before = apt.state()
    deb = repo.deb("1.0")
    data = bytearray(deb.read_bytes())
    data[-1] ^= 0xFF  # same size, one byte changed: only the signed hash can tell
    deb.write_bytes(bytes(data))
    fetched = apt.get("install", "--download-only", "-y", apt_repo.PACKAGE)
    assert fetched.returncode != 0
    assert "Hash Sum mismatch" in fetched.stdout + fetched.stderr
    assert apt.state() == before


def test_a_tampered_release_is_refused(world):
    repo, apt, _ = world
    assert _update(apt).returncode == 0
    before = apt.state()
    apt_repo.add_package(repo, "2.0")  # a newer version, but its InRelease no longer verifies:
    in_release = repo.root / "dists" / apt_repo.SUITE / "InRelease"
    signed = in_release.read_text()
    in_release.write_text(signed.replace("Origin: bulkhead-test", "Origin: bulkhead-tEst"))
    later = in_release.stat().st_mtime + 60  # newer than apt's copy: it is fetched, not "Hit"
    os.utime(in_release, (later, later))
    refused = _update(apt)
    assert refused.returncode != 0
    assert "signature" in (refused.stdout + refused.stderr).lower()
    assert apt.state() == before
    assert apt.get("install", "--download-only", "-y", f"{apt_repo.PACKAGE}=2.0").returncode != 0


def test_only_templates_reach_the_proxy(world):
    _, _, harness = world
    ours, theirs = socket.socketpair()
    with ours:
        ours.sendall(b"GET http://127.0.0.1:9/ HTTP/1.1\r\n\r\n")
        ours.shutdown(socket.SHUT_WR)
        assert forward(theirs, "sys-net", harness.socket_of("work")) == REFUSED_RC

