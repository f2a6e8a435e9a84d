"""``bulkhead:host:uplinks``: the uplink networks bulkhead.host defines, checked before anything."""

from __future__ import annotations

import pytest

from saltext.bulkhead.model import PillarError, load_pillar


def errors(uplinks: dict) -> list[str]:
    try:
        load_pillar({"host": {"uplinks": uplinks}}, "ws-test")
    except PillarError as exc:
        return exc.lines
    return []


def test_isolated_and_nat_uplinks_are_valid():
    pillar = load_pillar(
        {"host": {"uplinks": {"lab": {}, "out": {"forward": "nat", "address": "192.168.150.1/24"}}}}
    )
    assert pillar.host.uplinks["lab"].forward == "none"
    assert str(pillar.host.uplinks["out"].address) == "192.168.150.1/24"


@pytest.mark.parametrize(("uplinks", "expected"), [
    ({"out": {"forward": "nat"}}, "bulkhead:host:uplinks:out:address: required with forward: nat"),
    ({"lab": {"address": "192.168.150.1/24"}}, "bulkhead:host:uplinks:lab:address: required with"),
    ({"out": {"forward": "nat", "address": "10.137.9.1/24"}},
     "bulkhead:host:uplinks:out:address: 10.137.9.0/24 overlaps host:address_pool"),
    ({"bulkhead-x": {}}, "bulkhead:host:uplinks:bulkhead-x: networks named bulkhead-* belong"),
    ({"lab": {"forward": "bridge"}}, "bulkhead:host:uplinks:lab:forward: must be none or nat"),
])
def test_a_wrong_uplink_is_named_with_its_path(uplinks, expected):
    found = errors(uplinks)
    assert any(line.startswith(expected) for line in found), found
