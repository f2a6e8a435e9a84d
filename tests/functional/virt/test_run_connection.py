"""The states of one Salt run share one libvirt connection; one found closed is opened again.

Through ``saltret.reconcile`` as every libvirt state calls it, with one ``__context__`` dict for
the run. Closing the held connection stands for libvirtd restarting between two states (the
binding runs no event loop, so nothing says so until a call fails).
"""

from __future__ import annotations

from saltext.bulkhead.saltret import reconcile
from saltext.bulkhead.virt import domain_present, pool_present
from saltext.bulkhead.virt.run_connection import CONNECTIONS_KEY

from .test_noop_calls import fleet
from .virt_fixtures import node_file


def test_one_connection_per_run_and_a_closed_one_is_opened_again(tmp_path) -> None:
    uri = node_file(tmp_path)
    bulkhead = fleet(str(tmp_path / "pool"), 2)
    bulkhead["host"]["uri"] = uri
    salt_pillar, context = {"bulkhead": bulkhead}, {}
    first = reconcile("pool", salt_pillar, pool_present, test=False, context=context)
    held = context[CONNECTIONS_KEY][uri]
    tpl = reconcile("tpl", salt_pillar, domain_present, "tpl", test=False, context=context)
    assert (first["result"], tpl["result"]) == (True, True), (first, tpl)
    assert context[CONNECTIONS_KEY][uri] is held  # the second state opened none
    held.close()
    # (A test:///<file> connection starts from the file: the new one defines the pool again.)
    again = reconcile("pool", salt_pillar, pool_present, test=False, context=context)
    assert again["result"] is True and again["changes"], again
    assert context[CONNECTIONS_KEY][uri] is not held and context[CONNECTIONS_KEY][uri].isAlive()
