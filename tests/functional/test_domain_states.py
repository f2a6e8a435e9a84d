"""The bulkhead_* states through real Salt loaders against libvirt's test:///default driver.

test:///default keeps its state only while a connection to it is open (each state opens and closes
its own), so a module-wide connection holds it; every test uses its own names and removes what it
created.
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
    return {"pool": f"fpool{n}", "tpl": f"ftpl{n}", "net": f"fnet{n}", "app": f"fapp{n}"}


@pytest.fixture
def pillar(names, tmp_path):
    return {
        "host": driver_host(names["pool"], tmp_path / "pool"),
        "domains": {
            names["tpl"]: {"class": "template", "image": IMAGE, "netvm": "none"},
            names["net"]: {"class": "app", "template": names["tpl"], "provides_network": True},
            names["app"]: {"class": "app", "template": names["tpl"], "netvm": names["net"],
                           "memory": {"initial": 128, "max": 256}},
        },
    }


def apply_all(loaders, names, test=False):
    """The formula's order: pool, network, template, netvm, app."""
    loaders.opts["test"] = test
    st = loaders.states
    try:
        return [
            st.bulkhead_pool.present(name=names["pool"]),
            st.bulkhead_network.present(name=names["net"]),
            st.bulkhead_domain.present(name=names["tpl"]),
            st.bulkhead_domain.running(name=names["net"]),
            st.bulkhead_domain.present(name=names["app"]),
        ]
    finally:
        loaders.opts["test"] = False


@pytest.fixture
def cleanup(loaders, names):
    yield
    for name in (names["app"], names["net"], names["tpl"]):
        loaders.states.bulkhead_domain.absent(name=name, purge=True)
    loaders.states.bulkhead_network.absent(name=names["net"])


def test_test_mode_previews_and_changes_nothing(loaders, set_pillar, pillar, names, cleanup):
    set_pillar(pillar)
    rets = apply_all(loaders, names, test=True)
    assert rets[0].result is None and rets[0].changes
    conn = libvirt.open("test:///default")
    assert names["app"] not in [d.name() for d in conn.listAllDomains()]
    assert names["pool"] not in [p.name() for p in conn.listAllStoragePools()]


def test_apply_converges_then_reports_no_changes(loaders, set_pillar, pillar, names, cleanup):
    set_pillar(pillar)
    first = apply_all(loaders, names)
    assert [r.result for r in first] == [True] * 5, [r.comment for r in first]
    assert all(r.changes for r in first)
    second = apply_all(loaders, names)
    assert [r.result for r in second] == [True] * 5
    assert [r.changes for r in second] == [{}] * 5
    preview = apply_all(loaders, names, test=True)
    assert [r.result for r in preview] == [True] * 5


def test_changed_memory_converges_with_old_and_new(loaders, set_pillar, pillar, names, cleanup):
    set_pillar(pillar)
    apply_all(loaders, names)
    pillar["domains"][names["app"]]["memory"] = {"initial": 160, "max": 320}
    set_pillar(pillar)
    ret = loaders.states.bulkhead_domain.present(name=names["app"])
    assert ret.result is True
    flat = repr(ret.changes)
    assert "160" in flat and "128" in flat
    assert ret.changes["domain"] == ["max memory: 256 -> 320 MiB", "memory: 128 -> 160 MiB"]
    assert "xml" not in ret.changes  # on request only
    assert loaders.states.bulkhead_domain.present(name=names["app"]).changes == {}


def test_xml_diff_on_request_by_argument_or_pillar(loaders, set_pillar, pillar, names, cleanup):
    set_pillar(pillar)
    apply_all(loaders, names)
    pillar["domains"][names["app"]]["vcpus"] = 2
    set_pillar(pillar)
    preview = loaders.states.bulkhead_domain.present(name=names["app"], xml_diff=True, test=True)
    ret = loaders.states.bulkhead_domain.present(name=names["app"], xml_diff=True)
    assert preview.changes == ret.changes  # test mode reports exactly what the run does
    assert ret.changes["domain"] == ["vcpus: 1 -> 2"]
    assert "<vcpu" in ret.changes["xml"] and ret.changes["xml"].startswith("---")
    pillar["domains"][names["app"]]["vcpus"] = 1
    pillar.setdefault("formula", {})["xml_diff"] = True
    set_pillar(pillar)
    ret = loaders.states.bulkhead_domain.present(name=names["app"])
    assert ret.changes["domain"] == ["vcpus: 2 -> 1"] and "<vcpu" in ret.changes["xml"]


def test_absent_keeps_private_volume_unless_purged(loaders, set_pillar, pillar, names, cleanup):
    set_pillar(pillar)
    apply_all(loaders, names)
    conn = libvirt.open("test:///default")
    pool = conn.storagePoolLookupByName(names["pool"])
    private = f"{names['app']}-private.qcow2"
    assert private in pool.listVolumes()
    ret = loaders.states.bulkhead_domain.absent(name=names["app"])
    assert ret.result is True and ret.changes
    pool.refresh()
    assert private in pool.listVolumes()
    loaders.states.bulkhead_domain.absent(name=names["app"], purge=True)
    pool.refresh()
    assert private not in pool.listVolumes()


def test_unmanaged_domain_is_never_taken_over(loaders, set_pillar, pillar, names, cleanup):
    set_pillar(pillar)
    apply_all(loaders, names)
    conn = libvirt.open("test:///default")
    intruder = names["app"].replace("fapp", "fown")
    conn.defineXML(f"<domain type='test'><name>{intruder}</name><memory>65536</memory>"
                   "<os><type>hvm</type></os></domain>")
    try:
        pillar["domains"][intruder] = {"class": "app", "template": names["tpl"]}
        set_pillar(pillar)
        ret = loaders.states.bulkhead_domain.present(name=intruder)
        assert ret.result is False
        assert "not managed by bulkhead" in ret.comment
        assert conn.lookupByName(intruder).XMLDesc().count("bulkhead") == 0
    finally:
        conn.lookupByName(intruder).undefine()


def test_invalid_pillar_changes_nothing(loaders, set_pillar, pillar, names):
    pillar["domains"][names["app"]]["netvm"] = "nosuch"
    set_pillar(pillar)
    ret = loaders.states.bulkhead_pool.present(name=names["pool"])
    assert ret.result is False
    assert f"bulkhead:domains:{names['app']}:netvm" in ret.comment
    conn = libvirt.open("test:///default")
    assert names["pool"] not in [p.name() for p in conn.listAllStoragePools()]


def one_run(loaders, names, context):
    """The formula's order as ONE Salt state run (salt.state.State, as state.apply builds it),
    with ``context`` as its ``__context__``; the state returns by state ID."""
    import salt.state

    states = [
        ("pool", "bulkhead_pool.present", "pool"),
        ("net", "bulkhead_network.present", "net"),
        ("tpl", "bulkhead_domain.present", "tpl"),
        ("netvm", "bulkhead_domain.running", "net"),
        ("app", "bulkhead_domain.present", "app"),
    ]
    sls = "".join(f"{sid}:\n  {fun}:\n    - name: {names[key]}\n    - order: {i + 1}\n"
                  for i, (sid, fun, key) in enumerate(states))
    state = salt.state.State(dict(loaders.opts, test=False), context=context)
    return {ret["__id__"]: ret for ret in state.call_template_str(sls).values()}


def test_states_of_one_run_share_one_inventory_and_one_pillar_model(
    loaders, set_pillar, pillar, names, cleanup
):
    from saltext.bulkhead.saltret import INVENTORIES_KEY, MODELS_KEY

    set_pillar(pillar)
    context: dict = {}
    first = one_run(loaders, names, context)
    assert all(r["result"] is True and r["changes"] for r in first.values()), first
    cache = context[INVENTORIES_KEY]["test:///default"]
    assert len(context[MODELS_KEY]) == 1  # the pillar was validated once for the five states
    # The run's inventory holds every definition its states made, as libvirt does.
    held = libvirt.open("test:///default")
    ours = {n for n in cache.domains.all(held) if n in names.values()}
    assert ours == {names["tpl"], names["net"], names["app"]}
    second = one_run(loaders, names, {})
    assert all((r["result"], r["changes"]) == (True, {}) for r in second.values()), second
