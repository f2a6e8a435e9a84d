"""The host RPC package's modules import one another in one direction only: no cycle, not even
one through an ``if TYPE_CHECKING`` import (broker.py and call_limits.py once had one), so each
module reads and tests on its own with only what lies below it."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from importlib import resources

import pytest

PACKAGES = ("rpc", "rpcwire", "guest")


def _siblings(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (``from .x import``, any depth)."""
    folder = resources.files("saltext.bulkhead") / package
    modules = {p.name[:-3] for p in folder.iterdir() if p.name.endswith(".py")}
    graph = {}
    for module in modules:
        tree = ast.parse((folder / f"{module}.py").read_text())
        graph[module] = {node.module.split(".")[0] for node in ast.walk(tree)
                         if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
                         and node.module.split(".")[0] in modules} - {module}
    return graph


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_import_each_other_without_a_cycle(package):
    try:
        order = list(TopologicalSorter(_siblings(package)).static_order())
    except CycleError as exc:
        pytest.fail(f"{package}: import cycle {exc.args[1]}")
    assert order  # the package has modules


def test_the_checker_finds_a_cycle():
    with pytest.raises(CycleError):
        cycle = {"broker": {"call_limits"}, "call_limits": {"broker"}}
        list(TopologicalSorter(cycle).static_order())


def test_the_broker_sits_above_the_modules_it_was_split_into():
    graph = _siblings("rpc")
    parts = {"call_limits", "channel", "channels", "disposables", "calls", "routing"}
    assert parts - {"call_limits", "channel"} <= graph["broker"]
    assert not any("broker" in graph[part] for part in parts)
