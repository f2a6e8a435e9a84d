"""A domain started by anyone between bulkhead's "is it running?" and its fresh root keeps the
root it runs on (test:///default, shared by every connection of this process).

The other starter is what the apply lock cannot stop (``virsh start``, another tool): it starts
the app while ``domain_running`` waits for bulkhead-memd's admission, the last step before the
root overlay is recreated. memd is the real socket server; its requester starts the domain.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import libvirt

from saltext.bulkhead.memd.daemon import DaemonState
from saltext.bulkhead.memd.server import MemdServer, serve_in_thread
from saltext.bulkhead.memory.admission import Admission
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import counting, domain_present, domain_running, pool_present
from tests.guests import IMAGE, driver_host

_serial = itertools.count()


def test_a_domain_started_meanwhile_is_never_given_a_new_root(tmp_path: Path) -> None:
    n = next(_serial)
    pool, tpl, app = f"rcpool{n}", f"rctpl{n}", f"rcapp{n}"
    socket = tmp_path / "run" / "memd.sock"
    pillar = load_pillar({
        "host": driver_host(pool, tmp_path / "pool"),
        "formula": {"paths": {"locks": str(tmp_path / "locks")}},
        "memory": {"socket": str(socket), "host_mib": 4096, "reserve_mib": 256},
        "domains": {tpl: {"class": "template", "image": IMAGE, "netvm": "none"},
                    app: {"class": "app", "template": tpl, "netvm": "none"}},
    })
    raw = libvirt.open("test:///default")
    conn, log = counting(raw)
    assert pool_present(conn, pillar).result is True
    for name in (tpl, app):
        assert domain_present(conn, pillar, name).result is True

    def admit_after_someone_else_started_it(name: str, kib: int) -> Admission:
        raw.lookupByName(name).create()
        return Admission(granted=True, need_kib=kib)

    server = MemdServer(socket, admit_after_someone_else_started_it, DaemonState())
    serve_in_thread(server)
    try:
        log.clear()
        out = domain_running(conn, pillar, app)
    finally:
        server.shutdown()
        server.server_close()
    root = names.root_volume(app)
    assert out.result is False
    assert f"{app} was started meanwhile" in out.comment and root in out.comment
    assert log.mutating == [], "the running domain's volumes were touched"
    assert raw.lookupByName(app).isActive()
