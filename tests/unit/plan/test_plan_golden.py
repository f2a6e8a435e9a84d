"""The plan is deterministic and its XML is exactly what was reviewed (goldens in golden/).

Regenerate after an intended change with ``BULKHEAD_UPDATE_GOLDEN=1 pytest tests/unit/plan`` and
review the diff like code.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation

from .workstation_pillar import TOPOLOGY, WORKSTATION

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("BULKHEAD_UPDATE_GOLDEN") == "1"
IMPORT_SIZE = 64 * 1024 * 1024  # what apply passes for an imported image of that size


def rendered(domain_type: str) -> dict[str, str]:
    plan = plan_workstation(load_pillar(WORKSTATION), {}, domain_type=domain_type,
                            topology=TOPOLOGY)
    files = {f"{domain_type}/domain-{n}.xml": d.xml for n, d in plan.domains.items()}
    if domain_type == "qemu":
        files.update({f"network-{n}.xml": net.xml for n, net in plan.networks.items()})
        files["pool.xml"] = plan.pool.xml
        files.update({f"volume-{n}.xml": v.xml(plan.pool.path, IMPORT_SIZE if v.import_path else None)
                      for n, v in plan.volumes.items()})
        files.update({f"config-{n}.json": _config_json(d.volume("config").content)
                      for n, d in plan.domains.items()})
    return files


def _config_json(tar_bytes: bytes | None) -> str:
    assert tar_bytes is not None
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        member = tar.extractfile("config.json")
        assert member is not None
        return member.read().decode()


@pytest.mark.parametrize("domain_type", ["qemu", "xen"])
def test_plan_matches_golden(domain_type: str) -> None:
    files = rendered(domain_type)
    if UPDATE:
        for rel, text in files.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text)
    for rel, text in files.items():
        assert (GOLDEN / rel).read_text() == text, f"{rel} differs from its golden"
    expected = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    ours = {r for r in expected if r.startswith(f"{domain_type}/") or (domain_type == "qemu" and "/" not in r)}
    assert ours == set(files), "golden files without a rendered counterpart (or the reverse)"


def test_plan_is_byte_identical_when_repeated() -> None:
    pillar = load_pillar(WORKSTATION)
    first = plan_workstation(pillar, {}, topology=TOPOLOGY)
    second = plan_workstation(load_pillar(WORKSTATION), {}, topology=TOPOLOGY)
    assert first == second
    for name in first.domains:
        assert first.domains[name].xml == second.domains[name].xml
        assert first.domains[name].volume("config").content == second.domains[name].volume("config").content


def test_domain_facts_follow_the_pillar() -> None:
    plan = plan_workstation(load_pillar(WORKSTATION), {}, domain_type="kvm", topology=TOPOLOGY)
    work = plan.domains["work"]
    assert '<domain type="kvm">' in work.xml
    assert work.networks == ("bulkhead-sys-firewall",)
    assert [v.name for v in work.volumes] == ["work-root.qcow2", "work-private.qcow2", "work-config.tar"]
    assert work.volume("root").backing == "debian-root.raw"
    assert work.volume("private").capacity_bytes == 2048 * 1024 * 1024 and work.volume("private").keep
    assert plan.domains["vault"].networks == () and "<interface" not in plan.domains["vault"].xml
    fw = plan.domains["sys-firewall"]
    assert fw.networks == ("bulkhead-sys-net", "bulkhead-sys-firewall")
    disp = plan.domains["disp1"]
    assert disp.volume("private").backing == "dvm-private.qcow2" and disp.volume("private").fresh_on_start
    assert disp.volume("root").backing == "debian-root.raw"
    assert plan.domains["debian"].volume("root").import_path.endswith("root.img")
    assert "<boot dev=\"hd\"/>" in plan.domains["legacy"].xml and "<kernel>" not in plan.domains["legacy"].xml
    assert plan.volumes["legacy-root.qcow2"].import_path == "/srv/images/legacy.qcow2"
    net = plan.network_of("sys-net")
    assert net.bridge.startswith("bh-") and len(net.bridge) <= 15
    assert "<ip" not in net.xml and "<forward" not in net.xml


def test_config_volume_is_a_deterministic_posix_tar() -> None:
    plan = plan_workstation(load_pillar(WORKSTATION), {}, topology=TOPOLOGY)
    data = plan.domains["work"].volume("config").content
    assert data is not None and len(data) % 512 == 0
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["config.json", "name", "network"]
        assert all(m.mtime == 0 and m.uid == 0 and m.isreg() for m in members)
        config = json.loads(tar.extractfile("config.json").read())  # type: ignore[union-attr]
        network = tar.extractfile("network").read().decode()  # type: ignore[union-attr]
    fw_address = str(plan.domains["sys-firewall"].allocation.address)
    mac = plan.domains["work"].allocation.nics[0].mac
    assert config["interfaces"] == [{"name": "eth0", "mac": mac, "address": "10.137.0.50",
                                     "prefix": 32, "gateway": fw_address, "role": "uplink"}]
    assert config["dns"] == [fw_address] and config["name"] == "work" and config["label"] == "blue"
    assert network == f"iface eth0 {mac} uplink 10.137.0.50 32 {fw_address}\ndns {fw_address}\n"


def test_netvm_config_names_its_way_out_first_and_lists_its_clients() -> None:
    plan = plan_workstation(load_pillar(WORKSTATION), {}, topology=TOPOLOGY)
    with tarfile.open(fileobj=io.BytesIO(plan.domains["sys-net"].volume("config").content)) as tar:
        lines = tar.extractfile("network").read().decode().splitlines()  # type: ignore[union-attr]
    own = plan.domains["sys-net"].allocation
    firewall = plan.domains["sys-firewall"].allocation.address
    assert lines == [
        f"iface eth0 {own.nics[0].mac} external 192.168.122.2 24 192.168.122.1",
        f"iface eth1 {own.nics[1].mac} serving {own.address} 32 -",
        "dns 192.168.122.1",
        f"client {firewall}",
        "forward",
    ]


@pytest.mark.skipif(shutil.which("virt-xml-validate") is None, reason="virt-xml-validate (libvirt-clients) not installed")
@pytest.mark.parametrize("domain_type", ["qemu", "xen"])
def test_rendered_xml_passes_libvirt_schemas(tmp_path: Path, domain_type: str) -> None:
    schema = {"domain": "domain", "network": "network", "pool": "storagepool", "volume": "storagevol"}
    for rel, text in rendered(domain_type).items():
        kind = Path(rel).name.split("-")[0].removesuffix(".xml")
        if kind not in schema:
            continue
        path = tmp_path / Path(rel).name
        path.write_text(text)
        proc = subprocess.run(["virt-xml-validate", str(path), schema[kind]], capture_output=True, text=True)
        assert proc.returncode == 0, f"{rel}: {proc.stderr or proc.stdout}"
