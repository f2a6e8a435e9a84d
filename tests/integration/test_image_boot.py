"""Boot the built template under TCG on qemu:///system, exactly as the guest contract says, and
check the agent answers and the private volume is formatted once and persists across a reset."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.image.build import BuildResult

from ..guests import URI

libvirt = pytest.importorskip("libvirt")

pytestmark = pytest.mark.integration

AGENT_DIR = Path("/run/bulkhead/agent")
WORK_ROOT = Path("/var/lib/bulkhead/test-image-boot")
BOOT_TIMEOUT = 90.0


def domain_xml(name: str, image: Path, work: Path, cmdline: str) -> str:
    def disk(path: Path, fmt: str, dev: str, readonly: bool = False) -> str:
        return (f"<disk type='file' device='disk'><driver name='qemu' type='{fmt}'/>"
                f"<source file={quoteattr(str(path))}/><target dev='{dev}' bus='virtio'/>"
                f"{'<readonly/>' if readonly else ''}</disk>")

    full_cmdline = f"console=ttyS0 quiet no_timer_check bulkhead.name={name} {cmdline}".strip()
    return f"""<domain type='qemu'>
  <name>{escape(name)}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{escape(str(image / 'vmlinuz'))}</kernel>
    <initrd>{escape(str(image / 'initrd.img'))}</initrd>
    <cmdline>{escape(full_cmdline)}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
  <devices>
    {disk(work / 'root.qcow2', 'qcow2', 'vda')}
    {disk(work / 'private.qcow2', 'qcow2', 'vdb')}
    {disk(work / 'config.tar', 'raw', 'vdc', readonly=True)}
    <serial type='file'><source path={quoteattr(str(work / 'console.log'))}/>
      <target port='0'/></serial>
    <console type='file'><source path={quoteattr(str(work / 'console.log'))}/>
      <target type='serial' port='0'/></console>
    <channel type='unix'><source mode='bind' path={quoteattr(str(AGENT_DIR / f'{name}.sock'))}/>
      <target type='virtio' name='org.bulkhead.agent.0'/></channel>
    <memballoon model='virtio'><stats period='5'/></memballoon>
  </devices>
</domain>"""


def write_config_tar(path: Path, name: str) -> None:
    config = {"name": name, "label": "gray", "interfaces": [], "dns": []}
    staging = path.parent / "config"
    staging.mkdir()
    (staging / "name").write_text(f"{name}\n")
    (staging / "config.json").write_text(json.dumps(config))
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        for member in ("name", "config.json"):
            tar.add(staging / member, arcname=member)


def qemu_img(*args: str) -> None:
    subprocess.run(["qemu-img", *args], check=True, capture_output=True)


def wait_for_console(log: Path, needle: str, count: int, dom, timeout: float = BOOT_TIMEOUT) -> str:
    """Wait until ``needle`` has appeared ``count`` times on the console; fail fast on a boot
    failure message or a vanished domain, showing the console either way."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if text.count(needle) >= count:
            return text
        if "bulkhead-guest: boot failed" in text or not dom.isActive():
            break
        time.sleep(0.2)
    pytest.fail(f"no {needle!r} (x{count}) on the console within {timeout}s:\n{text[-4000:]}")


def private_file(private_qcow2: Path, scratch: Path, guest_path: str) -> str:
    """Read a file from the private volume's filesystem on the host, without mounting it."""
    raw = scratch / "private.raw"
    qemu_img("convert", "-O", "raw", str(private_qcow2), str(raw))
    out = subprocess.run(["debugfs", "-R", f"cat {guest_path}", str(raw)],
                         check=True, capture_output=True, text=True)
    raw.unlink()
    return out.stdout


@pytest.fixture
def conn() -> Iterator[object]:
    try:
        connection = libvirt.open(URI)
    except libvirt.libvirtError as exc:
        pytest.skip(f"{URI} not reachable: {exc}")
    yield connection
    connection.close()


@pytest.fixture
def workdir(request) -> Iterator[Path]:
    # Under /var/lib so the unprivileged QEMU user can reach the disks through 0755 parents.
    work = WORK_ROOT / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    for directory in (WORK_ROOT.parent, WORK_ROOT, work):
        directory.chmod(0o755)
    yield work
    shutil.rmtree(work, ignore_errors=True)


def test_template_boots_answers_and_keeps_rw(guest_image: BuildResult, conn, workdir: Path):
    name = f"bh-imgtest-{uuid.uuid4().hex[:8]}"
    image = guest_image.directory
    qemu_img("create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(image / "root.img"),
             str(workdir / "root.qcow2"))
    qemu_img("create", "-q", "-f", "qcow2", str(workdir / "private.qcow2"), "64M")
    write_config_tar(workdir / "config.tar", name)
    AGENT_DIR.mkdir(parents=True, exist_ok=True)
    sock = AGENT_DIR / f"{name}.sock"
    log = workdir / "console.log"

    started = time.monotonic()
    dom = conn.createXML(domain_xml(name, image, workdir, guest_image.manifest["cmdline"]), 0)
    created = time.monotonic()
    try:
        first = wait_for_console(log, f"bulkhead-guest: ready {name}", 1, dom)
        # libvirt's own start-up cost is reported apart from the guest's boot.
        print(f"\ncreateXML {created - started:.1f} s; QEMU start to ready line "
              f"{time.monotonic() - created:.1f} s (TCG, 128 MiB, 1 vCPU)")
        assert "bulkhead-guest: formatted /rw" in first
        assert "bulkhead-guest: rw boot 1" in first

        client = AgentClient(sock)
        answer = client.request("ping", timeout=20)
        assert answer["ok"] is True and answer["name"] == name
        assert isinstance(answer["uptime"], (int, float)) and answer["uptime"] > 0

        # A hard reset: only what init synced to /rw may survive, and /rw must not be reformatted.
        dom.reset(0)
        second = wait_for_console(log, f"bulkhead-guest: ready {name}", 2, dom)
        after_reset = second[second.index(f"bulkhead-guest: ready {name}") + 1:]
        assert "bulkhead-guest: mounted /rw" in after_reset
        assert "formatted /rw" not in after_reset
        assert "bulkhead-guest: rw boot 2" in after_reset
        assert client.request("ping", timeout=20)["name"] == name
    finally:
        if dom.isActive():
            dom.destroy()
    with pytest.raises(libvirt.libvirtError):
        conn.lookupByName(name)  # transient: gone once destroyed
    assert private_file(workdir / "private.qcow2", workdir, "/.bulkhead/boot-count").strip() == "2"
    sock.unlink(missing_ok=True)
