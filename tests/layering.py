"""The layers of saltext.bulkhead's packages, and every import between packages, read with ast.

``LAYERS`` is the one place the layering is written; docs/architecture.md shows it rendered by
``render_table`` (tests/unit/test_layers.py keeps the two equal). A package may import packages of
its own layer and of the layers below it, never above, and packages never import each other in a
cycle. "Package" means a folder under modules/saltext/bulkhead or a module directly in it;
``__init__`` is the package root itself (``NAMESPACE``).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "modules" / "saltext" / "bulkhead"
ABSOLUTE = ("saltext", "bulkhead")

# Bottom to top: (what the layer is, its packages).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation, no libvirt but libvirt_quiet",
        (
            "__init__",
            "cli_style",
            "untrusted",
            "backoff",
            "apply_lock",
            "socket_dirs",
            "line_server",
            "sd_notify",
            "libvirt_quiet",
            "daemon_process",
            "atomic_file",
            "memd_client",
            "reconcile",
            "agent",
        ),
    ),
    ("the validated pillar", ("model",)),
    ("pure renderers on the model", ("net", "systemd_units")),
    ("the pure plan", ("plan",)),
    (
        "mechanisms without libvirt",
        ("memory", "image", "policy", "filecopy", "rpcwire", "guest", "gui"),
    ),
    ("apply through libvirt", ("virt",)),
    (
        "host daemons and their systemd face",
        (
            "memd",
            "rpc",
            "systemd",
            "daemon_service",
            "boot",
            "host",
            "exclusive",
            "runcmd",
            "template_update",
        ),
    ),
    ("verification, the TCB report and the workstation at a glance", ("verify", "tcb", "glance")),
    ("Salt face and command line", ("saltret", "states", "modules", "cli")),
)
LAYER_OF = {package: index for index, (_, packages) in enumerate(LAYERS) for package in packages}
# Packages of layers 0 to LIBVIRT_FREE import no libvirt (but LIBVIRT_ONLY): the foundation and
# the pure model, renderers and plan, and the mechanisms of layer 4 (the balancer, images,
# policy, file copy, the RPC wire and the guest side).
LIBVIRT_FREE = 4
LIBVIRT_ONLY = "libvirt_quiet"


@dataclass(frozen=True)
class Import:
    """One import statement's reference from a package to another, or to a library."""

    file: str  # relative to ROOT
    line: int
    source: str  # the importing package
    target: str  # the imported package, or a library's top-level name
    ours: bool  # target is one of bulkhead's packages

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.source} imports {self.target}"


def package_of(parts: tuple[str, ...]) -> str:
    """The package a file (path parts under ROOT) belongs to."""
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _named(root: Path, names: list[ast.alias]) -> list[str]:
    """``from saltext.bulkhead import a, b``: each name is a package or a name of the root."""
    return [a.name if (root / a.name).is_dir() or (root / f"{a.name}.py").is_file() else "__init__"
            for a in names]


def _targets(node: ast.AST, here: tuple[str, ...], root: Path) -> list[tuple[str, bool]]:
    """(target, is ours) for each thing ``node`` imports; ``here`` is the file's folder."""
    if isinstance(node, ast.Import):
        out = []
        for alias in node.names:
            parts = tuple(alias.name.split("."))
            if parts[:2] == ABSOLUTE:
                out.append((parts[2] if len(parts) > 2 else "__init__", True))
            else:
                out.append((parts[0], False))
        return out
    if not isinstance(node, ast.ImportFrom):
        return []
    module = tuple(node.module.split(".")) if node.module else ()
    if node.level == 0:
        if module[:2] != ABSOLUTE:
            return [(module[0], False)]
        parts = module[2:]
    else:
        if node.level - 1 > len(here):
            raise ValueError(f"relative import above {ABSOLUTE} at line {node.lineno}")
        parts = here[:len(here) - node.level + 1] + module
    if not parts:
        return [(name, True) for name in _named(root, node.names)]
    return [(parts[0], True)]


def imports(root: Path = ROOT) -> Iterator[Import]:
    """Every import of every module under ``root``, inside functions and TYPE_CHECKING too."""
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        source = package_of(rel)
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            for target, ours in _targets(node, rel[:-1], root):
                if target != source or not ours:
                    yield Import("/".join(rel), node.lineno, source, target, ours)


def packages(root: Path = ROOT) -> set[str]:
    """The packages on disk: folders with Python in them, and modules directly under ``root``."""
    return {package_of(path.relative_to(root).parts) for path in root.rglob("*.py")}


def upward(found: list[Import], layer_of: dict[str, int] = LAYER_OF) -> list[Import]:
    """The imports of a package of a higher layer than the importer's."""
    return [i for i in found if i.ours and layer_of[i.target] > layer_of[i.source]]


def cycles(found: list[Import]) -> list[list[Import]]:
    """For each set of packages that import each other in a cycle, the imports between them."""
    edges: dict[str, set[str]] = {}
    for i in found:
        if i.ours:
            edges.setdefault(i.source, set()).add(i.target)

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reachable = {package: reach(package) for package in edges}
    groups = {frozenset(p for p in reachable if p in reachable[start] and start in reachable[p])
              for start in reachable if start in reachable[start]}
    return [[i for i in found if i.ours and {i.source, i.target} <= group]
            for group in sorted(groups, key=sorted)]


def render_table() -> str:
    """The layer table as docs/architecture.md shows it, top layer first."""
    rows = [textwrap.fill(f"L{index}  {what}: {' '.join(packages)}", 100, subsequent_indent="    ",
                          break_on_hyphens=False)
            for index, (what, packages) in enumerate(LAYERS)]
    return "\n".join(reversed(rows))
