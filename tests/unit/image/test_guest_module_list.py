"""The guest image carries only GUEST_MODULES of the package: every module of bulkhead they import
must be among them, or the image build fails late (at its probe) or a guest daemon fails at boot."""

from __future__ import annotations

import ast
from importlib import resources

from saltext.bulkhead.image.python_closure import GUEST_MODULES

PACKAGE = resources.files("saltext.bulkhead")


def _bulkhead_imports(relative: str) -> set[str]:
    """The package files ``relative`` imports (relative imports and absolute saltext.bulkhead)."""
    tree = ast.parse((PACKAGE / relative).read_text())
    here = relative.split("/")[:-1]
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = here[:len(here) - (node.level - 1)] if node.level > 1 else here
            parts = base + (node.module.split(".") if node.module else [])
        elif node.module and node.module.startswith("saltext.bulkhead"):
            parts = node.module.split(".")[2:]
        else:
            continue
        names = [parts + [alias.name] for alias in node.names] + [parts]
        for candidate in names:
            path = "/".join(candidate)
            if (PACKAGE / f"{path}.py").is_file():
                found.add(f"{path}.py")
            elif path and (PACKAGE / path / "__init__.py").is_file():
                found.add(f"{path}/__init__.py")
    return found


def test_every_guest_module_imports_only_guest_modules():
    missing = {(module, imported) for module in GUEST_MODULES
               for imported in _bulkhead_imports(module) if imported not in GUEST_MODULES}
    assert not missing, f"guest modules import files the image leaves out: {sorted(missing)}"


def test_the_list_names_only_existing_files_and_their_packages():
    for module in GUEST_MODULES:
        assert (PACKAGE / module).is_file(), module
        folder = module.rpartition("/")[0]
        assert not folder or f"{folder}/__init__.py" in GUEST_MODULES, module
