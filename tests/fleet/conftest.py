"""The fleet tier: a real salt-master and two real salt-minions (salt-factories daemons on
loopback, each with its own root_dir and ports) on this host, one pillar per user through
``top.sls`` (``pillar/users/<minion id>.sls``), the formula from this checkout.

ws "alice" boots a netvm and one client (TCG guests); ws "bob" only defines its domains. Every
name carries this run's prefix and every daemon file is under the test's directory, so a
workstation installed on this host is never touched; everything is purged at the end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from saltext.bulkhead.image.build import build_image
from saltext.bulkhead.model import Pillar
from saltext.bulkhead.virt import connect
from tests.conftest import REPO
from tests.fleet.users import IMAGES, model_of, user_pillar_text
from tests.topology import purge


@dataclass
class User:
    minion_id: str
    short: str  # the prefix of its libvirt names
    root: Path  # its daemons' files
    booted: bool
    pillar_file: Path
    minion: object = None

    def write_pillar(self, **changes: int) -> Pillar:
        text = user_pillar_text(
            self.minion_id, self.short, self.root, booted=self.booted, **changes
        )
        self.pillar_file.write_text(text)
        return model_of(text, self.minion_id)


@dataclass
class Fleet:
    master: object
    salt: object  # the salt CLI of the master
    users: dict[str, User]

    def run(self, *args: str, target: str = "*", timeout: int = 900) -> dict:
        """``salt <target> <args>`` from the master; {minion id: its return}."""
        ret = self.salt.run(*args, minion_tgt=target, _timeout=timeout)
        assert isinstance(ret.data, dict), ret
        return ret.data if target == "*" else {target: ret.data}


def _top(users: list[User]) -> str:
    lines = ["base:"]
    for user in users:
        lines += [f"  '{user.minion_id}':", f"    - users.{user.minion_id}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def fleet(salt_factories, tmp_path_factory) -> Iterator[Fleet]:
    if os.geteuid() != 0:
        pytest.skip("the fleet provisions workstations on qemu:///system: needs root")
    build_image(cache=IMAGES.parent)  # the template both workstations use (a no-op when current)
    run = "fl" + secrets.token_hex(2)  # e.g. fl3a9c: every name of this run starts with it
    pillar_dir = tmp_path_factory.mktemp("fleet-pillar")
    (pillar_dir / "users").mkdir()
    users = {}
    for name, booted in (("alice", True), ("bob", False)):
        minion_id = f"{run}-{name}"
        root = tmp_path_factory.mktemp(f"fleet-{name}")
        users[name] = User(minion_id, f"{run}{name[0]}", root, booted,
                           pillar_dir / "users" / f"{minion_id}.sls")
    models = {name: user.write_pillar() for name, user in users.items()}
    (pillar_dir / "top.sls").write_text(_top(list(users.values())))
    state_top = tmp_path_factory.mktemp("fleet-states")  # the formula for every workstation
    (state_top / "top.sls").write_text("base:\n  '*':\n    - bulkhead\n")
    master = salt_factories.salt_master_daemon(
        f"{run}-master", overrides={"file_roots": {"base": [str(state_top), str(REPO / "states")]},
                                    "pillar_roots": {"base": [str(pillar_dir)]},
                                    "interface": "127.0.0.1", "timeout": 900})
    try:
        with master.started():
            for user in users.values():
                user.minion = master.salt_minion_daemon(
                    user.minion_id, overrides={"master": "127.0.0.1"}
                )
            with users["alice"].minion.started(), users["bob"].minion.started():
                yield Fleet(master, master.salt_cli(timeout=900), users)
    finally:
        for name, user in users.items():  # the pillar as last written: what was applied last
            model = (model_of(user.pillar_file.read_text(), user.minion_id)
                     if user.pillar_file.exists() else models[name])
            purge(model)
            with contextlib.suppress(OSError):  # the pool's folder, empty once purged
                Path(model.host.pool_path).rmdir()
        assert leftovers(run) == [], "the fleet tier left objects of its own behind"


def leftovers(prefix: str) -> list[str]:
    """This run's libvirt objects still defined (the footprint guard only sees the host's)."""
    with connect("qemu:///system") as conn:
        found = [f"domain {d.name()}" for d in conn.listAllDomains()]
        found += [f"network {n.name()}" for n in conn.listAllNetworks()]
        found += [f"pool {p.name()}" for p in conn.listAllStoragePools()]
    return sorted(f for f in found if f.split(" ", 1)[1].startswith(prefix))
