"""Packages import only downwards (issue 14): no import of a higher layer, no cycle between
packages, no libvirt in the foundation and the pure layers. The layer table is ``LAYERS`` in
tests/layering.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layering import (
    LAYER_OF,
    LAYERS,
    LIBVIRT_FREE,
    LIBVIRT_ONLY,
    ROOT,
    Import,
    cycles,
    imports,
    packages,
    render_table,
    upward,
)

# The one known exception, removed when the memory/ split lands (issue 14 part 3, helper "memd"):
# memory/service.py is the memd daemon manager (systemd units, process drift), not the pure
# balancer, and moves to memd/ (layer 6). Its other upward edge, memory -> virt (Work/Outcome),
# went with the move of the reconcile vocabulary to reconcile/.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()
ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


@pytest.fixture(scope="module")
def found() -> list[Import]:
    return [i for i in imports() if (i.source, i.target) not in KNOWN_EXCEPTIONS]


def _report(what: str, bad: list[Import]) -> str:
    return f"{what}:\n" + "\n".join(f"  {i} ({_layer(i.source)} -> {_layer(i.target)})"
                                    for i in sorted(bad, key=lambda i: (i.file, i.line)))


def _layer(package: str) -> str:
    return f"L{LAYER_OF[package]}"


def test_every_package_has_a_layer():
    missing = packages() - set(LAYER_OF)
    assert not missing, f"put {sorted(missing)} in a layer of tests/layering.py's LAYERS"


def test_no_package_imports_a_higher_layer(found):
    bad = upward(found)
    assert not bad, _report("imports of a higher layer", bad)


def test_no_import_cycle_between_packages(found):
    found_cycles = cycles(found)
    assert not found_cycles, "\n".join(_report("packages importing each other", group)
                                       for group in found_cycles)


def test_the_foundation_and_the_pure_layers_import_no_libvirt():
    bad = [i for i in imports() if not i.ours and i.target == "libvirt"
           and LAYER_OF[i.source] <= LIBVIRT_FREE and i.source != LIBVIRT_ONLY]
    assert not bad, f"libvirt in layers 0-{LIBVIRT_FREE}:\n" + "\n".join(f"  {i}" for i in bad)


def test_the_known_exceptions_still_occur():
    edges = {(i.source, i.target) for i in imports()}
    assert edges >= KNOWN_EXCEPTIONS, (
        f"{sorted(KNOWN_EXCEPTIONS - edges)} no longer occur: remove them from KNOWN_EXCEPTIONS")


def test_docs_show_the_layer_table():
    assert render_table() in ARCHITECTURE.read_text(), (
        "docs/architecture.md's layer table differs from LAYERS; paste:\n" + render_table())


def test_every_layer_names_distinct_packages():
    listed = [package for _, layer in LAYERS for package in layer]
    assert len(listed) == len(set(listed)) == len(LAYER_OF)


# The checker itself, on a small tree with every kind of import it must see.
TREE = {
    "__init__.py": 'NAMESPACE = "x"\n',
    "cli.py": "from . import model\nfrom .model import load\n",
    "model/__init__.py": "import os\n\ndef late():\n    from ..plan import names\n",
    "net/rules.py": "import saltext.bulkhead.plan.names\nimport libvirt\n",
    "plan/names.py": "from saltext.bulkhead.model import load\nfrom .. import NAMESPACE\n",
    "policy/deep/inner.py": "from ...image import build\n",
    "image/build.py": "from saltext.bulkhead import policy\n",
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in TREE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_checker_sees_every_kind_of_import(tree):
    ours = sorted((str(i), i.target) for i in imports(tree) if i.ours)
    assert ours == [
        ("cli.py:1: cli imports model", "model"), ("cli.py:2: cli imports model", "model"),
        ("image/build.py:1: image imports policy", "policy"),
        ("model/__init__.py:4: model imports plan", "plan"),
        ("net/rules.py:1: net imports plan", "plan"),
        ("plan/names.py:1: plan imports model", "model"),
        ("plan/names.py:2: plan imports __init__", "__init__"),
        ("policy/deep/inner.py:1: policy imports image", "image"),
    ]
    assert {(i.source, i.target) for i in imports(tree) if not i.ours} == {
        ("model", "os"), ("net", "libvirt")}
    assert packages(tree) == {"__init__", "cli", "model", "net", "plan", "policy", "image"}


def test_the_checker_finds_upward_imports_and_cycles(tree):
    found = list(imports(tree))
    assert sorted(str(i) for i in upward(found)) == [
        "model/__init__.py:4: model imports plan", "net/rules.py:1: net imports plan"]
    assert [sorted(str(i) for i in group) for group in cycles(found)] == [
        ["image/build.py:1: image imports policy", "policy/deep/inner.py:1: policy imports image"],
        ["model/__init__.py:4: model imports plan", "plan/names.py:1: plan imports model"],
    ]


def test_the_real_tree_is_what_is_checked():
    assert ROOT.joinpath("reconcile", "outcome.py").is_file()
    assert {"virt", "model", "reconcile", "agent"} <= packages()
