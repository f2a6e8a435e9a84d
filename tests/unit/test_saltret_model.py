"""The validated pillar of a run: validated once while the pillar stays the same, and validated
again as soon as it changes, whether refreshed (a new dict) or changed in place anywhere."""

from __future__ import annotations

import copy
from collections import OrderedDict

import pytest

from saltext.bulkhead.model import PillarError
from saltext.bulkhead.saltret import _model, _snapshot
from tests.unit.plan.workstation_pillar import WORKSTATION


@pytest.fixture
def salt_pillar() -> dict:
    return {"bulkhead": copy.deepcopy(WORKSTATION), "other": {"ignored": True}}


def test_an_unchanged_pillar_is_validated_once_per_run(salt_pillar) -> None:
    context: dict = {}
    first = _model(salt_pillar, context, "ws")
    assert _model(salt_pillar, context, "ws") is first
    # The same content refreshed as a new object: nothing to validate again.
    assert _model(copy.deepcopy(salt_pillar), context, "ws") is first
    assert _model(salt_pillar, {}, "ws") is not first  # another run validates its own


@pytest.mark.parametrize("change", [
    lambda p: p["domains"]["work"].__setitem__("vcpus", 2),  # a nested dict
    lambda p: p["host"]["cpu_partitions"]["general"]["labels"].append("blue"),  # a nested list
    lambda p: p["domains"]["work"].pop("label"),  # a key removed
    lambda p: p["domains"]["debian"]["image"].__setitem__("cmdline", "quiet"),
], ids=["nested dict", "nested list", "key removed", "deepest value"])
def test_a_pillar_changed_in_place_is_validated_again(salt_pillar, change) -> None:
    context: dict = {}
    first = _model(salt_pillar, context, "ws")
    change(salt_pillar["bulkhead"])
    again = _model(salt_pillar, context, "ws")
    assert again is not first
    assert again == _model(salt_pillar, {}, "ws")  # what a fresh validation makes of it


def test_a_pillar_changed_in_place_to_an_invalid_one_is_refused(salt_pillar) -> None:
    context: dict = {}
    _model(salt_pillar, context, "ws")
    salt_pillar["bulkhead"]["domains"]["work"]["netvm"] = "nosuch"
    with pytest.raises(PillarError):
        _model(salt_pillar, context, "ws")


def test_another_minion_id_is_validated_for_itself(salt_pillar) -> None:
    context: dict = {}
    del salt_pillar["bulkhead"]["host"]["workstation"]  # the minion id names the workstation
    assert _model(salt_pillar, context, "ws-a").workstation == "ws-a"
    assert _model(salt_pillar, context, "ws-b").workstation == "ws-b"


def test_a_snapshot_shares_nothing_the_pillar_could_change() -> None:
    inner = OrderedDict(a=[1, {"b": {2, 3}}])
    raw = {"x": [{"y": "z"}, (1, [2])], "o": inner, "n": None, "f": 1.5, "s": b"t"}
    held = _snapshot(raw)
    assert held == raw
    raw["x"][0]["y"] = "changed"
    raw["x"][1][1].append(3)
    inner["a"][1]["b"].add(4)
    assert held == {"x": [{"y": "z"}, (1, [2])], "o": OrderedDict(a=[1, {"b": {2, 3}}]),
                    "n": None, "f": 1.5, "s": b"t"}
