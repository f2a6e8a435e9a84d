"""An installed workstation for test_live_workstation: the one on this host, or a small one
provisioned exactly as a user does (the formula through salt-call --local, every default path),
removed afterwards down to the last file it created."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from pathlib import Path

import yaml

from saltext.bulkhead.memd.service import ServicePaths, running_daemon
from saltext.bulkhead.memd.service import stop as memd_stop
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.rpc.broker_service import BrokerPaths, broker_stopped, running_broker
from saltext.bulkhead.virt import connect, domain_absent

from ..guests import URI, kernel_image, wait_ready
from ..topology import failed_states, remove_pool, salt_apply

TPL, APPS = "livetpl", ("livea", "liveb")
# This host's kernel has no AppArmor: verify's TCB check must be told (docs/tcb.md).
ACCEPT = {"accept": [{"deviation": "security_driver_none",
                      "reason": "the test host's kernel is built without AppArmor"}]}
POLICY = "qubes.Filecopy * @anyvm @anyvm deny\n"  # the verify probe's call is denied
# Everything provisioning may create; what did not exist before is removed afterwards.
CREATED = [
    Path("/etc/bulkhead"),
    Path("/var/lib/bulkhead/pool"),
    Path("/var/log/bulkhead/memd.log"),
    Path("/var/log/bulkhead/broker.log"),
    *(Path(names.console_log(n)) for n in (TPL, *APPS)),
    *(Path(f(n)) for n in APPS for f in (names.agent_socket, names.rpc_socket)),
    Path("/run/bulkhead/memd.sock"),
    Path(names.AGENT_SOCKET_DIR),
    Path(names.RPC_SOCKET_DIR),
    Path("/run/bulkhead"),
    Path("/var/lib/bulkhead/images/debian-min.json"),
    Path("/var/lib/bulkhead/images"),
    Path("/var/log/bulkhead"),
    Path("/var/lib/bulkhead"),
]


def live_pillar() -> dict | None:
    """The installed workstation's pillar (the facts file its broker reads) when its daemons run."""
    if running_broker(BrokerPaths()) is None and running_daemon(ServicePaths()) is None:
        return None
    return json.loads(BrokerPaths().pillar.read_text())


def traces() -> list[str]:
    """What a half-present workstation would leave that provisioning could then overwrite."""
    found = [str(p) for p in (Path("/etc/bulkhead"), BrokerPaths().pidfile, ServicePaths().pidfile)
             if p.exists()]
    with connect(URI) as conn:
        found += [f"pool {p.name()}" for p in conn.listAllStoragePools(0) if p.name() == "bulkhead"]
        found += [f"domain {d.name()}" for d in conn.listAllDomains(0) if d.name() in (TPL, *APPS)]
    return found


def small_pillar(image: Path) -> dict:
    app = {"class": "app", "template": TPL, "netvm": "none", "running": True, "private_mib": 32,
           "memory": {"min": 96, "initial": 128, "max": 160}}
    return {"host": {"domain_type": "qemu"}, "memory": {"reserve_mib": 256}, "tcb": ACCEPT,
            "policy": {"files": {"30-live.policy": POLICY}},
            "domains": {TPL: {"class": "template", "image": kernel_image(image), "netvm": "none"},
                        **{name: dict(app) for name in APPS}}}


def provision(root: Path, repo: Path, data: dict) -> Path:
    """salt-call --local state.apply bulkhead with ``data`` as the only pillar; the pillar file."""
    pillar_dir = root / "pillar"
    pillar_dir.mkdir()
    pillar_file = pillar_dir / "workstation.sls"
    pillar_file.write_text(yaml.safe_dump({"bulkhead": data}))
    (pillar_dir / "top.sls").write_text("base:\n  '*':\n    - workstation\n")
    subprocess.run([repo / "scripts/salt-config.sh", root / "conf", pillar_dir], check=True)
    failed = failed_states(salt_apply(root / "conf", timeout=600))
    assert failed == [], failed
    wait_ready(list(APPS), timeout=150)
    return pillar_file


def remove(data: dict, existed: set[Path]) -> None:
    """Undo ``provision``: its daemons (the default pidfiles are its own), domains, pool, files."""
    broker_stopped(BrokerPaths())
    memd = running_daemon(ServicePaths())
    if memd is not None:
        memd_stop(memd, ServicePaths())
    model = load_pillar(data)
    with connect(URI) as conn:
        for name in (*APPS, TPL):
            domain_absent(conn, model, name, purge=True)
        remove_pool(conn, model.host.pool, model.host.pool_path)
    for path in CREATED:
        if path in existed or not path.exists():
            continue
        if path.is_dir() and path.parts[1] == "etc":
            shutil.rmtree(path)
        elif path.is_dir():
            _rmdir_if_empty(path)
        else:
            path.unlink()


def _rmdir_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):  # something else lives there now: not ours to remove
        path.rmdir()
