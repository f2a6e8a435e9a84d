"""memory/ and memd/ call the balancing algorithm a strategy (``--strategy``), never a policy,
which in bulkhead is an RPC policy; the simulator's report keeps its key ``policy`` and the CLI
its deprecated ``--policy`` (scripts use both)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import saltext.bulkhead
from saltext.bulkhead.memory.simulate import simulate
from saltext.bulkhead.memory.strategy import STRATEGIES, make_strategy
from saltext.bulkhead.memory.trace import Trace

PACKAGE = Path(saltext.bulkhead.__file__).parent
DEPRECATED = {("memd/cli.py", "policy")}  # the hidden --policy option's parameter


def names_in(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.alias):
            found.add(node.asname or node.name)
    return found


def test_no_name_in_memory_or_memd_says_policy():
    found = sorted(
        f"{path.relative_to(PACKAGE)}: {name}"
        for folder in ("memory", "memd") for path in sorted((PACKAGE / folder).rglob("*.py"))
        for name in names_in(path)
        if "polic" in name.lower() and (str(path.relative_to(PACKAGE)), name) not in DEPRECATED)
    assert found == []


def test_an_unknown_strategy_is_named_as_one():
    assert STRATEGIES == ("bulkhead", "qmemman")
    with pytest.raises(ValueError, match="unknown strategy 'fifo'; choose one of bulkhead, "):
        make_strategy("fifo")


def test_the_report_keeps_its_key():
    trace = Trace.model_validate({"host_mib": 1024, "reserve_mib": 0, "domains": {
        "a": {"min_mib": 64, "max_mib": 512, "initial_mib": 128}},
        "steps": [{"used_mib": {"a": 90}}]})
    report = simulate(trace, make_strategy("qmemman")).report()
    assert next(iter(report.items())) == ("policy", "qmemman")
