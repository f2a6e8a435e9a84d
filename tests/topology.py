"""The example workstation provisioned under a name prefix, its own pool and its own daemon files
(bulkhead:formula:paths, the memd socket, the policy directory under a test directory), so it
coexists with an installed workstation and never stops, rewrites or removes anything of it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import libvirt

from saltext.bulkhead.memd.service import ServicePaths, running_daemon, stop
from saltext.bulkhead.model import Pillar, load_pillar_file
from saltext.bulkhead.model.pillar import FormulaPaths
from saltext.bulkhead.plan import names
from saltext.bulkhead.rpc.broker_service import BrokerPaths, broker_stopped
from saltext.bulkhead.virt import (
    connect,
    domain_absent,
    domain_present,
    domain_running,
    network_absent,
    pool_present,
)

from .guests import IMG, URI, wait_ready

DEBIAN_DIR = "/var/cache/bulkhead/images/debian-12"  # the example's Debian template
# The example workstation as the integration and isolation tiers boot it (one, shared).
EXAMPLE_PREFIX, EXAMPLE_POOL = "it-", "bhit"
LAB_NETWORK = "lab-internet"  # the example's stand-in for the internet (scripts/lab-network.sh)
REPO = Path(__file__).resolve().parent.parent
POLICY_SECTION = "  policy:\n"  # bulkhead:policy, as the example pillar writes it


def own_files(root: Path) -> str:
    """Pillar text (under ``bulkhead:``) putting every daemon file, socket and state directory
    of a test workstation under ``root``: none of them is an installed workstation's."""
    run = root / "run"
    run.mkdir(mode=0o700, parents=True, exist_ok=True)  # the memd socket's folder: root's, 0700
    paths = {
        "memd_config": "etc/memd.json",
        "memd_pidfile": "run/memd.pid",
        "memd_log": "log/memd.log",
        "broker_pillar": "etc/broker-pillar.json",
        "broker_pidfile": "run/broker.pid",
        "broker_log": "log/broker.log",
        "dispvm_registry": "lib/dispvms",
        "firewall_records": "lib/firewall",
        "image_records": "lib/images",
        "plan_cache": "cache/plans",
        "locks": "run/locks",
        "exclusive": "lib/exclusive.json",
    }
    lines = ["  formula:", "    paths:", *(f"      {k}: {root / v}" for k, v in paths.items())]
    return "\n".join(lines) + "\n" + POLICY_SECTION + own_policy_dir(root)


def own_policy_dir(root: Path) -> str:
    """The ``bulkhead:policy:dir`` line of a test workstation's own policy directory."""
    return f"    dir: {root / 'etc/policy.d'}\n"


def prefixed_pillar_text(example: Path, prefix: str, pool: str, root: Path) -> str:
    """The example pillar with every domain name (and every reference to one) prefixed, and its
    daemons' files under ``root`` (a duplicate key, should the example set them, is an error)."""
    text = example.read_text()
    domains = sorted(load_pillar_file(example).domains, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, domains)) + r")(?![\w.-])")
    text = pattern.sub(lambda m: prefix + m.group(1), text)
    text = text.replace(f"network: {LAB_NETWORK}", f"network: {prefix}{LAB_NETWORK}")
    text = text.replace("  memory:\n", f"  memory:\n    socket: {root / 'run/memd.sock'}\n", 1)
    own = own_files(root)
    if (
        "\n" + POLICY_SECTION in text
    ):  # the example's policy (its lines prefixed above) gets the dir
        text = text.replace("\n" + POLICY_SECTION, "\n" + POLICY_SECTION + own_policy_dir(root), 1)
        own = own.replace(POLICY_SECTION + own_policy_dir(root), "")
    text = text.replace("\nbulkhead:\n", "\nbulkhead:\n" + own, 1)
    return text.replace(
        "  host:\n", f"  host:\n    workstation: test-{pool}\n    pool: {pool}\n"
        f"    pool_path: /var/lib/bulkhead/{pool}-pool\n", 1)


# The example gives the vault's core (1) to black alone and five running guests share core 0;
# TCG is CPU bound, so the tests move green and yellow (sys-firewall, personal) to core 1: three
# running guests per core. Two partitions, enforced and verified as before;
# test_cpu_partitions_real checks partitions as a workstation sets them.
EXAMPLE_PARTITIONS = (
    '      secret: {cpus: "1", labels: [black]}\n',
    '      general: {cpus: "0", labels: [red, orange, yellow, green, gray, blue, purple]}\n',
)
SPREAD_PARTITIONS = ('      secret: {cpus: "1", labels: [black, green, yellow]}\n',
                     '      general: {cpus: "0", labels: [red, orange, gray, blue, purple]}\n')


def spread_cpu_partitions(text: str) -> str:
    """The example pillar's text with its guests spread over both cores (see above)."""
    example = "".join(EXAMPLE_PARTITIONS)
    assert example in text, "the example's cpu_partitions changed: update tests/topology.py"
    return text.replace(example, "".join(SPREAD_PARTITIONS), 1)


def salt_apply(conf: Path, *extra: str, timeout: float = 900) -> dict:
    """state.apply bulkhead through salt-call (``extra``: test=True...); its state returns."""
    out = subprocess.run(["salt-call", "--local", "-c", str(conf), "--out=json", "state.apply",
                          "bulkhead", *extra], capture_output=True, text=True, timeout=timeout,
                         check=False)
    assert out.stdout, out.stderr
    return next(iter(json.loads(out.stdout).values()))


def failed_states(ret: dict) -> list[str]:
    """The states of a state.apply that failed, with their comments."""
    return [f"{k}: {v['comment']}" for k, v in ret.items() if v["result"] is False]


def stop_own_daemons(model: Pillar) -> None:
    """Stop the RPC broker and bulkhead-memd the formula started for this test pillar, found by
    its own pidfiles; never the daemons of the default paths (an installed workstation's)."""
    own, default = model.formula.paths, FormulaPaths()
    assert own != default, "refusing to stop the daemons of the default paths"
    if own.broker_pidfile != default.broker_pidfile:  # a pillar may set only some of its paths
        broker_stopped(BrokerPaths(pidfile=Path(own.broker_pidfile)))
    paths = ServicePaths(Path(own.memd_config), Path(own.memd_pidfile), Path(own.memd_log))
    memd = running_daemon(paths) if own.memd_pidfile != default.memd_pidfile else None
    if memd is not None:
        stop(memd, paths)


def purge(model: Pillar) -> None:
    """Remove every domain, network, volume, the pool and its directory, dependents first; when
    the pillar has its own daemon files, stop the RPC broker and memory balancer the formula
    started for it. Only for a test's pillar (its own names and pool)."""
    if model.formula.paths != FormulaPaths():
        stop_own_daemons(model)
    order = sorted(model.domains, key=lambda n: (
        model.domains[n].class_.value == "template", model.domains[n].template_for_dispvms,
        model.domains[n].provides_network))
    with connect(URI) as conn:
        for name in order:
            domain_absent(conn, model, name, purge=True)
        for name, dom in model.domains.items():
            if dom.provides_network:
                network_absent(conn, model, name)
        for lab in {d.uplink.network for d in model.domains.values() if d.uplink is not None}:
            try:
                net = conn.networkLookupByName(lab)
            except libvirt.libvirtError:
                continue
            if net.isActive():
                net.destroy()
            net.undefine()
        remove_pool(conn, model.host.pool, model.host.pool_path)


def remove_pool(conn, name: str, path: str) -> None:
    """A test's own storage pool and directory, after the domains' purge (any volume left over,
    e.g. from an interrupted run, goes with it)."""
    for pool in conn.listAllStoragePools(0):
        if pool.name() == name:
            if pool.isActive():
                for vol in pool.listAllVolumes():
                    vol.delete()
                pool.destroy()
            pool.undefine()
    shutil.rmtree(path, ignore_errors=True)


def on_the_tiny_template(text: str) -> str:
    """The example pillar's text with its Debian template booting the tiny image and no
    ``bulkhead:images`` to build: a test-only override, so that the tiers booting the whole example
    (five app domains) stay as quick as before. The example's Debian side is booted by
    tests/integration/test_example_debian.py."""
    head, images = text.split("\n  images:\n", 1)
    text = head + "\n" + images.split("\n\n", 1)[1]
    return text.replace(f'set debian = "{DEBIAN_DIR}"', f'set debian = "{IMG}"').replace(
        "{{ debian }}/root.qcow2", "{{ debian }}/root.img")


def salt_workspace(root: Path, repo: Path, prefix: str, pool: str) -> tuple[Path, Path]:
    """A masterless Salt config whose only pillar is the prefixed example with its daemon files
    under ``root/files``, and the prefixed lab network its uplinks need; (config dir, pillar
    file)."""
    pillar_dir = root / "pillar"
    pillar_dir.mkdir()
    pillar_file = pillar_dir / "workstation.sls"
    example = repo / "pillar/examples/workstation.sls"
    text = prefixed_pillar_text(example, prefix, pool, root / "files")
    pillar_file.write_text(on_the_tiny_template(spread_cpu_partitions(text)))
    (pillar_dir / "top.sls").write_text("base:\n  '*':\n    - workstation\n")
    subprocess.run([repo / "scripts/salt-config.sh", root / "conf", pillar_dir], check=True)
    subprocess.run(
        [repo / "scripts/lab-network.sh", prefix + LAB_NETWORK], check=True, capture_output=True
    )
    return root / "conf", pillar_file


def start_outside(prefix: str) -> None:
    """HTTP on 80 and 8080 and the DNS stand-in on 53 inside the prefixed 'outside' domain."""
    subprocess.run(
        [REPO / "scripts/lab-outside.sh", prefix + "outside"],
        check=True,
        capture_output=True,
        timeout=300,
    )


def define_and_start(conn, model: Pillar, defined: tuple[str, ...], started: str | tuple[str, ...],
                     timeout: float) -> None:
    """The pool, ``defined`` (in that order: templates first) and ``started`` (one name or
    several) booted until their agents are ready; every console log of the pillar's domains
    starts empty. Several boot side by side: all are started before the first is waited for."""
    assert pool_present(conn, model).result is True
    for name in defined:
        out = domain_present(conn, model, name)
        assert out.result is True, out.comment
    for name in model.domains:
        Path(names.console_log(name)).unlink(missing_ok=True)
    booting = (started,) if isinstance(started, str) else started
    for name in booting:
        out = domain_running(conn, model, name)
        assert out.result is True, out.comment
    wait_ready(booting, timeout)
