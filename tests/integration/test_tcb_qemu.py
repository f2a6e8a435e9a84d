"""A real QEMU on qemu:///system, as the TCB report sees it from /proc: who it runs as, whether
seccomp filters it, and that with exactly its credentials another domain's volume does not open
while its own (handed over by dynamic_ownership) does. No guest boots: the domain starts paused.
Nothing of the host's configuration changes (qemu.conf, libvirtd)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import libvirt
import pytest

from saltext.bulkhead.tcb.collect import QEMU_RUN, _qemu
from saltext.bulkhead.tcb.dac import opens_as, qemu_groups
from saltext.bulkhead.tcb.qemu_conf import read_qemu_conf
from saltext.bulkhead.virt import connect

from ..guests import URI

NAME = "bhtcb-probe"
XML = """<domain type='qemu'><name>{name}</name><uuid>{uuid}</uuid><memory unit='MiB'>32</memory>
<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>
<source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
<controller type='usb' model='none'/><memballoon model='none'/></devices></domain>"""


@pytest.fixture
def pool():
    path = Path(tempfile.mkdtemp(prefix="bulkhead-tcb-", dir="/tmp"))
    path.chmod(0o711)  # traversable by QEMU's user, as a libvirt pool directory
    yield path
    shutil.rmtree(path)


def test_a_running_qemu_cannot_open_another_domains_volume(pool):
    own, other = pool / "own.img", pool / "other.img"
    for path in (own, other):
        path.write_bytes(b"\0" * 1024 * 1024)
        path.chmod(0o600)  # root's, as every volume of a stopped domain
    xml = XML.format(name=NAME, uuid=uuid.uuid4(), disk=own)
    with connect(URI) as conn:
        dom = conn.createXML(xml, libvirt.VIR_DOMAIN_START_PAUSED)
        try:
            qemu = _qemu(NAME, QEMU_RUN)
            assert qemu is not None, "the report reads the QEMU process of a running domain"
            conf = read_qemu_conf()
            if qemu.uid == 0:  # DAC gives nothing: the report flags it (qemu_as_root)
                assert conf.user in ("root", "0") or not conf.read
                pytest.fail("QEMU runs as root here: set user = \"libvirt-qemu\" (docs/tcb.md)")
            assert qemu.seccomp == "filter" or conf.seccomp_sandbox <= 0
            groups = qemu_groups(qemu.pid)
            assert own.stat().st_uid == qemu.uid, "dynamic_ownership hands the volume to QEMU"
            assert opens_as(own, qemu.uid, qemu.gid, groups)
            assert not opens_as(other, qemu.uid, qemu.gid, groups)
        finally:
            dom.destroy()
    assert own.stat().st_uid == 0, "dynamic_ownership gives the volume back to root"
