"""Every test pillar names its own workstation (``bulkhead:host:workstation``), never the one an
installed workstation gets by default (this host's minion id) nor the examples' names: a user's
``bulkhead.clean`` prunes whatever its workstation's objects the pillar does not declare, which
once destroyed test domains stamped with the default.

The pillars of the tiers that reach libvirt (everything under tests/ but tests/unit, whose
pillars stay in-process) are found by reading the sources: a dict literal with a ``host`` key, or
with ``domains`` of domain entries (a ``class``), or a pillar text starting ``bulkhead:``. The
shared builders are called and their pillars loaded.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from saltext.bulkhead.model import load_pillar, load_pillar_file
from saltext.bulkhead.model.workstation import local_minion_id
from tests import guests, topology
from tests.fleet import users

REPO = Path(__file__).resolve().parents[2]
TOP_KEYS = {"host", "memory", "policy", "formula", "images", "tcb", "prune", "purge"}
BUILDERS = {"own_host", "driver_host"}  # tests/guests.py: checked below
# Pillars that are about the default itself, each with why.
DEFAULT_ON_PURPOSE = {
    ("tests/integration/live_workstation.py", "small_pillar"):
        "stands in for this host's own workstation when none is installed (removed after)",
    ("tests/functional/test_verify_module.py",
     "test_salt_pillar_is_read_unmasked_with_the_minion_id"):
        "the workstation Salt's minion id gives (that test's own minion, ws-carol)",
    ("tests/functional/test_workstation_state.py", "pillar"):
        "the minion id as the workstation (the functional tier's own minion, bulkhead-functional)",
}


def example_names() -> set[str]:
    named = yaml.safe_load((REPO / "pillar.example").read_text())["bulkhead"]["host"]
    return {local_minion_id(), named["workstation"]}


def _keys(node: ast.Dict) -> dict[object, ast.expr]:
    pairs = zip(node.keys, node.values, strict=True)
    return {k.value: v for k, v in pairs if isinstance(k, ast.Constant)}


def _is_pillar(node: ast.Dict) -> bool:
    keys = _keys(node)
    if "host" in keys and isinstance(keys["host"], (ast.Dict, ast.Call)):
        return True
    entries = keys.get("domains")
    return isinstance(entries, ast.Dict) and (bool(TOP_KEYS & set(keys)) or any(
        isinstance(v, ast.Dict) and "class" in _keys(v) for v in entries.values))


def _host_problem(host: ast.expr | None, examples: set[str]) -> str | None:
    if host is None:
        return "no host (so no workstation)"
    if isinstance(host, ast.Call) and getattr(host.func, "id", None) in BUILDERS:
        return None
    if not isinstance(host, ast.Dict):
        return f"a host built as {ast.unparse(host)[:40]}"
    keys = _keys(host)
    splats = [v for k, v in zip(host.keys, host.values, strict=True) if k is None]
    if "workstation" not in keys:
        if any(isinstance(s, ast.Call) and getattr(s.func, "id", None) in BUILDERS
               for s in splats):
            return None
        return "a host without workstation"
    named = keys["workstation"]
    if isinstance(named, ast.Constant) and named.value in examples:
        return f"the example's workstation {named.value!r}"
    return None


def _is_pillar_text(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.startswith("bulkhead:\n") and node.value != "bulkhead:\n")


def _problems(path: Path, examples: set[str], root: Path = REPO) -> list[str]:
    tree = ast.parse(path.read_text())
    rel = str(path.relative_to(root))
    skip = {id(node) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
            and (rel, fn.name) in DEFAULT_ON_PURPOSE for node in ast.walk(fn)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Dict) and _is_pillar(node):
            problem = _host_problem(_keys(node).get("host"), examples)
            if problem:
                found.append(f"{rel}:{node.lineno}: {problem}")
        if _is_pillar_text(node) and "workstation:" not in node.value:
            found.append(f"{rel}:{node.lineno}: a pillar text without workstation")
    return sorted(set(found), key=lambda line: int(line.split(":")[1]))


def test_every_pillar_of_the_tiers_reaching_libvirt_names_its_own_workstation():
    sources = [p for p in (REPO / "tests").rglob("*.py")
               if p.relative_to(REPO / "tests").parts[0] != "unit"]
    examples = example_names()
    assert len(sources) > 50
    assert [line for p in sorted(sources) for line in _problems(p, examples)] == []


@pytest.mark.parametrize("host", [guests.own_host("bhx"),
                                  guests.driver_host("bhx-pool", Path("/tmp/bhx-pool"))])
def test_the_shared_host_sections_name_a_workstation_of_their_own(host):
    assert host["workstation"] not in example_names()
    assert load_pillar({"host": host}).host.workstation == host["workstation"]


def test_the_example_as_the_integration_tiers_boot_it_names_its_own_workstation(tmp_path):
    example = REPO / "pillar/examples/workstation.sls"
    text = topology.prefixed_pillar_text(example, "it-", "bhit", tmp_path)
    path = tmp_path / "workstation.sls"
    path.write_text(text)
    assert load_pillar_file(path).host.workstation not in example_names()


def test_a_fleet_users_workstation_is_its_minion_id(tmp_path):
    text = users.user_pillar_text("fleet-ann", "ann", tmp_path, booted=False)
    assert users.model_of(text, "fleet-ann").host.workstation == "fleet-ann"


def test_the_rule_catches_a_pillar_without_one_and_one_with_the_examples(tmp_path):
    source = tmp_path / "tests" / "test_x.py"
    source.parent.mkdir()
    source.write_text(
        "A = {'host': {'uri': 'test:///default'}, 'domains': {}}\n"
        "B = {'domains': {'t': {'class': 'template'}}}\n"
        "C = {'host': {'workstation': 'ws-alice'}}\n"
        "D = {'host': {'workstation': 'test-d'}}\n"
        "E = {'host': own_host('e')}\n"
        "F = 'bulkhead:\\n  domains: {}\\n'\n")
    assert _problems(source, {"ws-alice"}, root=tmp_path) == [
        "tests/test_x.py:1: a host without workstation",
        "tests/test_x.py:2: no host (so no workstation)",
        "tests/test_x.py:3: the example's workstation 'ws-alice'",
        "tests/test_x.py:6: a pillar text without workstation"]
