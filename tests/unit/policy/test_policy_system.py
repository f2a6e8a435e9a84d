"""SYSTEM.json validation: a system that cannot be trusted is refused, with the reason."""

from __future__ import annotations

import copy

import pytest

from saltext.bulkhead.policy import Policy, Request, System, SystemInfoError

from .policy_helpers import SYSTEM


def with_domain(name, **fields) -> dict:
    data = copy.deepcopy(SYSTEM)
    data["domains"][name] = {**data["domains"].get(name, {}), **fields}
    return data


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "expected"),
        ({"domains": []}, "expected"),
        (with_domain("bad name", type="AppVM"), "invalid domain name"),
        (with_domain("x", type=None), "type must be a domain type"),
        (with_domain("x", type="AppVM", tags="red"), "tags must be a list"),
        (with_domain("x", type="AppVM", tags=[""]), "tags must be a list"),
        (with_domain("x", type="AppVM", default_dispvm="ghost"), "is not a domain"),
        (with_domain("x", type="AppVM", template_for_dispvms="yes"), "true or false"),
        (with_domain("x", type="AppVM", power_state=1), "power_state must be a string"),
        (with_domain("x", type="AppVM", uuid=5), "uuid must be a string"),
        (with_domain("admin2", type="AdminVM"), "more than one AdminVM"),
    ],
)
def test_invalid_systems_are_refused(data, message):
    with pytest.raises(SystemInfoError, match=message):
        System.from_json(data)


def test_dom0_is_reserved_for_the_admin_domain():
    data = {"domains": {"admin": {"type": "AdminVM"}, "dom0": {"type": "AppVM"}}}
    with pytest.raises(SystemInfoError, match="reserved"):
        System.from_json(data)


def test_lookups():
    system = System.from_json(SYSTEM)
    assert system.admin_name == "dom0"
    assert system.target_name("dom0") == system.target_name("uuid:u-dom0") == "@adminvm"
    assert system.name_of("uuid:u-work") == "work" and system.name_of("ghost") == "ghost"
    assert system.info("uuid:u-vault").name == "vault" and system.info("ghost") is None
    assert system.dispvm_templates == ("dvm", "otherdvm")
    assert system.default_dispvm_of("dom0") == "dvm" and system.default_dispvm_of("ghost") is None


def test_fields_the_engine_does_not_use_are_accepted_and_internal_domains_never_offered():
    # A real Qubes system-info file carries icon, label, guivm, relayvm ... (issue 12, cause 8).
    data = with_domain("tool", type="RemoteVM", icon="x", label="red", guivm="dom0", relayvm="r",
                       internal=True, power_state="Running")
    system = System.from_json(data)
    assert system.domains["tool"].internal and system.domains["tool"].type == "RemoteVM"
    policy = Policy.from_text("s * work @anyvm ask\n")
    decision = policy.evaluate(Request.from_call("s", "work", "vault"), system)
    assert "tool" not in decision.targets and "vault" in decision.targets


def test_from_file_reports_the_path(tmp_path):
    path = tmp_path / "system.json"
    path.write_text("{not json")
    with pytest.raises(SystemInfoError, match=str(path)):
        System.from_file(path)
