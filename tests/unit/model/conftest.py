"""Fixtures: a small valid pillar that each test breaks in one place, and a helper to read errors.

Fixtures rather than an importable helper module, so the tests work in every pytest import mode.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from saltext.bulkhead.model import PillarError, load_pillar

VALID: dict[str, Any] = {
    "host": {"domain_type": "qemu", "address_pool": "10.137.0.0/16"},
    "domains": {
        "base": {
            "class": "template",
            "image": {
                "kind": "kernel",
                "root": "/i/root.img",
                "kernel": "/i/vmlinuz",
                "initrd": "/i/initrd.img",
            },
        },
        "net": {"class": "app", "template": "base", "provides_network": True, "netvm": "none"},
        "fw": {"class": "app", "template": "base", "provides_network": True, "netvm": "net"},
        "work": {
            "class": "app",
            "template": "base",
            "netvm": "fw",
            "memory": {"initial": 128, "max": 192},
        },
        "dvm": {"class": "app", "template": "base", "template_for_dispvms": True, "netvm": "fw"},
        "disp": {"class": "disposable", "template": "dvm", "netvm": "fw"},
    },
}


def errors_of(data: Any) -> list[str]:
    """The error lines for ``data``; fails the test if it validates."""
    with pytest.raises(PillarError) as info:
        load_pillar(data)
    return info.value.lines


@pytest.fixture
def valid() -> dict[str, Any]:
    """A fresh deep copy of VALID to break."""
    return copy.deepcopy(VALID)


@pytest.fixture(name="errors_of")
def errors_of_fixture() -> Callable[[Any], list[str]]:
    return errors_of
