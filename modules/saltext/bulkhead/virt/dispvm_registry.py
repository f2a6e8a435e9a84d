"""The registry of disposables the RPC broker created for calls: a file per disposable, holding
its template, written before anything is created and removed after it is deleted.

The broker uses it to delete what a crashed broker left; the firewall state and ``bulkhead
verify`` use it so that rulesets cover the disposables alive now, as the broker's do.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic_file import write_atomically
from ..model import Pillar
from ..model.disposables import with_disposables
from ..plan.metadata import find_ours
from .connection import Connection
from .inventory import defined_domains

REGISTRY_DIR = Path("/var/lib/bulkhead/dispvms")
PREFIX = "disp"


class DispvmRegistry:
    """Example::

        registry = DispvmRegistry()
        registry.add("disp1", "dvm-template")
        registry.entries()        # {"disp1": "dvm-template"}
        registry.remove("disp1")
    """

    def __init__(self, path: Path = REGISTRY_DIR) -> None:
        self.path = path

    def entries(self) -> dict[str, str]:
        """name -> template (None-free: an unreadable entry maps to an empty template)."""
        if not self.path.is_dir():
            return {}
        found = {}
        for entry in self.path.iterdir():
            if entry.is_file() and entry.name.startswith(PREFIX):
                found[entry.name] = self._template(entry)
        return found

    def add(self, name: str, template: str) -> None:
        # whole or absent: the next broker reads it to remove what a crashed one left
        write_atomically(self.path / name, (json.dumps({"template": template}) + "\n").encode(),
                         dir_mode=0o700)

    def remove(self, name: str) -> None:
        (self.path / name).unlink(missing_ok=True)

    @staticmethod
    def _template(entry: Path) -> str:
        try:
            template = json.loads(entry.read_text())["template"]
        except (OSError, ValueError, KeyError, TypeError):
            return ""
        return template if isinstance(template, str) else ""


def with_live_disposables(conn: Connection, pillar: Pillar,
                          registry: DispvmRegistry | None = None) -> Pillar:
    """``pillar`` plus the registered disposables libvirt still defines as bulkhead's."""
    # Without a registry given: this workstation's, where its broker registers them.
    registry = registry or DispvmRegistry(Path(pillar.formula.paths.dispvm_registry))
    registered = registry.entries()
    if not registered:
        return pillar
    defined = {name for name, xml in defined_domains(conn) if find_ours(xml) is not None}
    return with_disposables(pillar, {n: t for n, t in registered.items() if n in defined})
