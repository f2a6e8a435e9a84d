"""Kernel module dependency closure, read from ``modules.dep``.

The guest kernel's drivers (virtio, ext4, netfilter) are loadable modules in Debian, so the images
must carry each wanted module together with everything it depends on, loaded dependencies first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath


class ModuleNotFound(LookupError):
    """A wanted module is neither in ``modules.dep`` nor built into the kernel."""


def module_name(path: str) -> str:
    """``kernel/fs/ext4/ext4.ko`` -> ``ext4``; dashes and underscores are the same to the kernel."""
    base = PurePosixPath(path).name
    for suffix in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.replace("-", "_")


def parse_modules_dep(text: str) -> dict[str, list[str]]:
    """Map each module path to the paths it depends on, as written by depmod."""
    deps: dict[str, list[str]] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        path, sep, rest = line.partition(":")
        if not sep or not path.strip():
            raise ValueError(f"modules.dep line {lineno}: expected 'module.ko: deps', got {raw!r}")
        deps[path.strip()] = rest.split()
    return deps


def parse_builtin(text: str) -> set[str]:
    """Names of modules compiled into the kernel (``modules.builtin``): nothing to load for them."""
    return {module_name(line) for line in text.split() if line}


def closure(
    deps: Mapping[str, list[str]], wanted: Iterable[str], builtin: Iterable[str] = ()
) -> list[str]:
    """Paths of the wanted modules and all their dependencies, each after what it needs.

    The order is deterministic (depth-first in the order given) so images are reproducible.
    """
    by_name = {module_name(path): path for path in deps}
    built_in = {name.replace("-", "_") for name in builtin}
    ordered: list[str] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(path: str) -> None:
        if path in done:
            return
        if path in visiting:
            raise ValueError(f"modules.dep has a dependency cycle through {path}")
        if path not in deps:
            raise ModuleNotFound(f"{path} is named as a dependency but has no modules.dep entry")
        visiting.add(path)
        for dep in deps[path]:
            visit(dep)
        visiting.discard(path)
        done.add(path)
        ordered.append(path)

    for name in wanted:
        key = name.replace("-", "_")
        if key in by_name:
            visit(by_name[key])
        elif key not in built_in:
            raise ModuleNotFound(f"kernel module {name!r} is neither in modules.dep nor built in")
    return ordered

