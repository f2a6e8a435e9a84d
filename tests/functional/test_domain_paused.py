"""A paused domain through the real bulkhead_domain states on test:///default (issue 16, part 3).

libvirt's test driver suspends and resumes as libvirt does (``virsh suspend`` gives the reason
"paused by a user"). A paused domain is not running: ``running`` resumes it (test mode only
reports that), ``halted`` shuts it down without waiting for a guest that cannot answer.
"""

from __future__ import annotations

import itertools

import libvirt
import pytest

from tests.guests import IMAGE, driver_host

_serial = itertools.count()


@pytest.fixture
def conn():
    held = libvirt.open("test:///default")  # keeps the driver's state between the states' own
    yield held
    held.close()


@pytest.fixture
def names(loaders, set_pillar, tmp_path, conn):
    n = next(_serial)
    names = {"pool": f"ppool{n}", "tpl": f"ptpl{n}", "app": f"papp{n}"}
    set_pillar({
        "host": driver_host(names["pool"], tmp_path / "pool"),
        "domains": {names["tpl"]: {"class": "template", "image": IMAGE, "netvm": "none"},
                    names["app"]: {"class": "app", "template": names["tpl"], "netvm": "none"}},
    })
    st = loaders.states
    assert st.bulkhead_pool.present(name=names["pool"])["result"] is True
    assert st.bulkhead_domain.present(name=names["tpl"])["result"] is True
    assert st.bulkhead_domain.running(name=names["app"])["result"] is True
    conn.lookupByName(names["app"]).suspend()
    yield names
    for name in (names["app"], names["tpl"]):
        st.bulkhead_domain.absent(name=name, purge=True)


def state_of(conn, name):
    return conn.lookupByName(name).state(0)[0]


def run(loaders, fun, name, test=False):
    loaders.reload_all()  # loaded state modules keep the opts they were loaded with
    loaders.opts["test"] = test
    try:
        return getattr(loaders.states.bulkhead_domain, fun)(name=name)
    finally:
        loaders.reload_all()  # back to the original opts (test=False)


def test_running_resumes_a_domain_a_user_paused(loaders, names, conn):
    app = names["app"]
    preview = run(loaders, "running", app, test=True)
    assert preview["result"] is None, preview["comment"]
    assert preview["changes"] == {"state": {"old": "paused", "new": "running"}}
    assert state_of(conn, app) == libvirt.VIR_DOMAIN_PAUSED  # test mode did nothing

    done = run(loaders, "running", app)
    assert done["result"] is True, done["comment"]
    assert done["changes"] == preview["changes"]
    assert f"resume domain {app}" in done["comment"]
    assert state_of(conn, app) == libvirt.VIR_DOMAIN_RUNNING

    again = run(loaders, "running", app)
    assert (again["result"], again["changes"]) == (True, {}), again["comment"]


def test_halted_shuts_a_paused_domain_down(loaders, names, conn):
    app = names["app"]
    preview = run(loaders, "halted", app, test=True)
    assert preview["result"] is None
    assert preview["changes"]["state"] == {"old": "paused", "new": "shutoff"}
    assert state_of(conn, app) == libvirt.VIR_DOMAIN_PAUSED

    done = run(loaders, "halted", app)
    assert done["result"] is True, done["comment"]
    assert done["changes"]["state"] == {"old": "paused", "new": "shutoff"}
    assert "resumed to shut down" in done["comment"]
    assert state_of(conn, app) == libvirt.VIR_DOMAIN_SHUTOFF

    again = run(loaders, "halted", app)
    assert (again["result"], again["changes"]) == (True, {}), again["comment"]
