"""A state that fails part-way reports as changes only what it did (Salt loaders, test:///default).

The failure is real: bulkhead:memory names a socket no bulkhead-memd listens on, so the start
stops at its "ask bulkhead-memd" step, after whatever converging the definition needed and before
the root overlay is recreated and the domain started.
"""

from __future__ import annotations

import itertools

import libvirt
import pytest

from tests.guests import IMAGE, driver_host

pytestmark = pytest.mark.usefixtures("default_driver")
_serial = itertools.count()


@pytest.fixture
def names():
    n = next(_serial)
    return {"pool": f"cpool{n}", "tpl": f"ctpl{n}", "app": f"capp{n}"}


@pytest.fixture
def silent_memd_pillar(names, tmp_path, set_pillar):
    set_pillar({
        "host": driver_host(names["pool"], tmp_path / "pool"),
        "domains": {
            names["tpl"]: {"class": "template", "image": IMAGE, "netvm": "none"},
            names["app"]: {"class": "app", "template": names["tpl"],
                           "memory": {"initial": 200, "max": 400}},
        },
        "memory": {"socket": str(tmp_path / "memd.sock"), "host_mib": 1024, "reserve_mib": 256},
    })


@pytest.fixture
def cleanup(loaders, names):
    yield
    for name in (names["app"], names["tpl"]):
        loaders.states.bulkhead_domain.absent(name=name, purge=True)
    libvirt.open("test:///default").storagePoolLookupByName(names["pool"]).destroy()


def prepare(loaders, names, *domains):
    assert loaders.states.bulkhead_pool.present(name=names["pool"]).result is True
    for key in domains:
        assert loaders.states.bulkhead_domain.present(name=names[key]).result is True


def test_a_start_that_fails_first_lists_no_changes(loaders, silent_memd_pillar, names, cleanup):
    prepare(loaders, names, "tpl", "app")
    ret = loaders.states.bulkhead_domain.running(name=names["app"])
    assert ret.result is False
    assert "failed to ask bulkhead-memd for 200 MiB: cannot ask bulkhead-memd" in ret.comment
    assert "(done before: nothing)" in ret.comment
    assert ret.changes == {}  # not "state: shutoff -> running", nor "recreated over ..."


def test_a_start_that_fails_part_way_lists_only_what_was_done(loaders, silent_memd_pillar, names,
                                                              cleanup):
    prepare(loaders, names, "tpl")  # the app is not defined yet: running defines it first
    ret = loaders.states.bulkhead_domain.running(name=names["app"])
    assert ret.result is False
    done = ret.comment.split("(done before: ", 1)[1]
    assert f"define domain {names['app']}" in done and "start domain" not in done
    assert ret.changes["domain"] == {"old": None, "new": "defined"}
    assert set(ret.changes["volumes"].values()) == {"created"}
    assert "state" not in ret.changes
    conn = libvirt.open("test:///default")
    assert not conn.lookupByName(names["app"]).isActive()  # and so it is: defined, never started


def test_test_mode_still_shows_the_planned_changes(loaders, silent_memd_pillar, names, cleanup):
    prepare(loaders, names, "tpl", "app")
    ret = loaders.states.bulkhead_domain.running(name=names["app"], test=True)
    assert ret.result is None
    assert ret.changes["state"] == {"old": "shutoff", "new": "running"}
    assert [v.split(" over ")[0] for v in ret.changes["volumes"].values()] == ["recreated"]
