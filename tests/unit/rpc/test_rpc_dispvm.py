"""Disposable targets without libvirt: which disposable a call gets, and the refusals (none free,
a start that fails). The start/run/destroy path runs on libvirt's test driver in
tests/functional/test_rpc_dispvm.py."""

from __future__ import annotations

import io

import pytest

from saltext.bulkhead.guest.client import REFUSED_RC, call
from saltext.bulkhead.rpc.disposables import free_disposable
from saltext.bulkhead.rpc.host import StaticHost, StopError
from saltext.bulkhead.rpc.prompt import RefusePrompt

from .rpc_harness import Harness, system

POLICY = """\
test.Echo * alpha @dispvm:dvm allow
test.Echo * disp1 @dispvm allow
test.Redirect * alpha beta allow target=@dispvm:dvm
test.Echo * alpha @anyvm allow
"""


def test_the_first_halted_untaken_disposable_of_the_template_by_name():
    found = system({"work": "Halted"}, {"d3": "Halted", "d1": "Running", "d2": "Halted"})
    assert free_disposable(found, "dvm", set()) == "d2"
    assert free_disposable(found, "dvm", {"d2"}) == "d3"
    assert free_disposable(found, "dvm", {"d2", "d3"}) is None  # d1 runs: never reused
    assert free_disposable(found, "work", set()) is None  # not the template of any of them


def rig(tmp_path, disposables):
    host = StaticHost(system({"alpha": "Running", "beta": "Running"}, disposables))
    harness = Harness(tmp_path, RefusePrompt(), host=host, policy=POLICY)
    harness.guest("alpha")
    return harness


def run(harness, source, target, service_call):
    return call(target, service_call, [b"x"], io.BytesIO(), local_socket=harness.socket_of(source))


@pytest.mark.parametrize(
    "target, service", [("@dispvm:dvm", "test.Echo+"), ("beta", "test.Redirect+")]
)
def test_no_free_disposable_refuses_the_call(tmp_path, target, service):
    harness = rig(tmp_path, {"disp1": "Running", "disp2": "Running"})
    try:
        assert run(harness, "alpha", target, service) == REFUSED_RC
        assert (
            f"{service} from alpha to {target}: denied: no free disposable of dvm" in harness.log()
        )
        assert "starting" not in harness.log()
    finally:
        harness.close()


def test_a_failed_start_refuses_and_frees_the_disposable_again(tmp_path):
    harness = rig(tmp_path, {"disp1": "Halted", "disp2": "Running"})
    try:
        for _ in range(2):  # the second call gets the same disposable: the failure released it
            assert run(harness, "alpha", "@dispvm:dvm", "test.Echo+") == REFUSED_RC
        assert harness.log().count("starting disposable disp1 of dvm") == 2
        assert harness.log().count("disp1 is not running and this broker starts no domains") == 2
        assert harness.log().count("disposable disp1 shut down: its start failed") == 2
    finally:
        harness.close()


def test_dispvm_resolves_through_the_callers_default_dispvm(tmp_path):
    # disp1 (a running disposable) has dvm as its default_dispvm: @dispvm is @dispvm:dvm for it.
    harness = rig(tmp_path, {"disp1": "Running", "disp2": "Running"})
    try:
        harness.guest("disp1")
        assert run(harness, "disp1", "@dispvm", "test.Echo+") == REFUSED_RC
        assert (
            "test.Echo+ from disp1 to @dispvm: denied: no free disposable of dvm" in harness.log()
        )
        # alpha has no default_dispvm: nothing to resolve, the engine denies.
        assert run(harness, "alpha", "@dispvm", "test.Echo+") == REFUSED_RC
        assert "from alpha to @dispvm: denied: " in harness.log()
    finally:
        harness.close()


def test_static_host_stops_only_what_is_not_running():
    host = StaticHost(system({"alpha": "Running"}, {"disp1": "Halted"}))
    host.stop("disp1")
    with pytest.raises(StopError):
        host.stop("alpha")
