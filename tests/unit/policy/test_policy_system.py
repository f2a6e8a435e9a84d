"""SYSTEM.json validation: a system that cannot be trusted is refused, with the reason."""

from __future__ import annotations

import copy

import pytest

from saltext.bulkhead.policy import System, SystemInfoError

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
        (with_domain("x", type="HVM"), "type must be one of"),
        (with_domain("x", type="AppVM", tags="red"), "tags must be a list"),
        (with_domain("x", type="AppVM", tags=["r d"]), "tags must be a list"),
        (with_domain("x", type="AppVM", default_dispvm="ghost"), "is not a domain"),
        (with_domain("x", type="AppVM", default_dispvm="dom0"), "is not a domain"),
        (with_domain("x", type="AppVM", template_for_dispvms="yes"), "true or false"),
        (with_domain("x", type="AppVM", power_state="running"), "power_state must be one of"),
        (with_domain("x", type="AppVM", uuid=5), "uuid must be a string"),
        (with_domain("x", type="AppVM", label="red"), "unknown field"),
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
    assert system.canonical("dom0") == system.canonical("@adminvm") == "@adminvm"
    assert system.canonical("work") == "work" and system.canonical("ghost") is None
    assert system.dispvm_templates == ("dvm", "otherdvm")
    assert system.disposable_template("disp7") == "dvm" and system.disposable_template("work") is None
    assert system.dispvm_template_of("@adminvm") == "dvm"


def test_from_file_reports_the_path(tmp_path):
    path = tmp_path / "system.json"
    path.write_text("{not json")
    with pytest.raises(SystemInfoError, match=str(path)):
        System.from_file(path)
