"""The state ``bulkhead_template.updated`` in test mode starts nothing: it never reaches libvirt
(here a URI nothing listens on), it only says the template would be updated."""

from __future__ import annotations

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.template_update.state import template_updated

from ..guests import app, template

NOWHERE = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"


def pillar():
    return load_pillar({"host": {"uri": NOWHERE, "domain_type": "qemu", "pool": "bhupd-pool",
                                 "pool_path": "/nonexistent/bhupd-pool"},
                        "domains": {"tpl": template(), "sys-net": app("tpl")}})


def test_test_mode_reaches_nothing_and_changes_nothing():
    outcome = template_updated(pillar(), "tpl", test=True, proxy="sys-net")
    assert outcome.result is None and outcome.changes == {}
    assert outcome.comment == "Template tpl would be updated through sys-net."


def test_a_real_run_that_cannot_reach_libvirt_fails_and_changes_nothing():
    outcome = template_updated(pillar(), "tpl", test=False, proxy="sys-net")
    assert outcome.result is False and outcome.changes == {}
    assert "nonexistent" in outcome.comment, outcome.comment
