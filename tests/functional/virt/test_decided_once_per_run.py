"""What every domain state of a run would decide alike is decided once per run, and decided
again as soon as what it was decided from changes (a no-op's domain states stay cheap, and a
change the run makes is never judged by an older verdict)."""

from __future__ import annotations

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import InventoryCache, connect, domain_present, tracked

from .test_inventory_cache import apply_all
from .virt_fixtures import node_file, pillar_data


@pytest.fixture
def applied(tmp_path):
    """A private test driver holding the fixtures' workstation as applied, and its pillar."""
    pillar = load_pillar(pillar_data(str(tmp_path / "pool")))
    with connect(node_file(tmp_path)) as conn:
        apply_all(conn, pillar)
        yield conn, pillar


def replace_network(conn, name: str, edit) -> None:
    """Define network ``name`` again as ``edit`` makes its XML, active and autostarted as before
    (the test driver shows a running network's live definition: it is restarted)."""
    net = conn.networkLookupByName(name)
    xml = net.XMLDesc(0)
    net.destroy()
    conn.networkDefineXML(edit(xml)).create()


@pytest.mark.parametrize(("edit", "result", "expect"), [
    (lambda xml: xml.replace('workstation="test-virt"', 'workstation="ws-other"'),
     False, "belongs to workstation 'ws-other'"),
    (lambda xml: xml.replace("<bulkhead:config-hash>", "<bulkhead:config-hash>0"),
     None, "redefine network bulkhead-net"),
], ids=["another owner", "another config"])
def test_a_settled_network_is_judged_again_once_the_run_changes_it(applied, edit, result,
                                                                    expect) -> None:
    conn, pillar = applied
    run = tracked(conn, InventoryCache())
    for name in ("net", "work"):  # both judge the network settled and as planned
        out = domain_present(run, pillar, name, test=True)
        assert (out.result, out.changes) == (True, {}), out
    replace_network(run, "bulkhead-net", edit)  # through the run's connection: seen at once
    out = domain_present(run, pillar, "work", test=True)
    assert out.result is result and expect in out.comment, out
