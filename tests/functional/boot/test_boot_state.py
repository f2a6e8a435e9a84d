"""The formula's boot state through Salt's loaders, on this host (no systemd as PID 1)."""

from __future__ import annotations

from pathlib import Path


def test_the_formula_includes_the_boot_state_after_the_daemons(loaders, set_pillar):
    set_pillar({})
    low = loaders.modules.state.show_sls("bulkhead")
    requires = next(
        arg["require"] for arg in low["bulkhead-boot"]["bulkhead_boot"] if "require" in arg
    )
    assert {"sls": "bulkhead.rpc"} in requires and {"sls": "bulkhead.memory"} in requires


def test_without_systemd_the_state_changes_nothing_and_says_what_to_run(loaders, set_pillar):
    assert not Path("/run/systemd/system").exists()  # what this test is about
    set_pillar({})
    for test in (True, False):
        ret = loaders.states.bulkhead_boot.installed(name="bulkhead-boot", test=test)
        assert (ret.result, ret.changes) == (True, {}), ret.comment
        assert "run `bulkhead boot`" in ret.comment
