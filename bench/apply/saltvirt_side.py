"""saltext-virt's side: its virt.pool_running, virt.network_running and virt.defined states, run
through Salt's own loaders exactly as salt-call would, with ``connection`` set to the bench URI."""

from __future__ import annotations

import inspect
import shutil
import tempfile
from typing import Any

from .cleanup import drop_domains, drop_network, drop_pool
from .workload import Workload, saltvirt_domains


class SaltVirt:
    """Salt loaders for a masterless minion in a throwaway directory."""

    def __init__(self) -> None:
        import salt.config
        import salt.loader

        self._tmp = tempfile.TemporaryDirectory(prefix="bhbench-salt-")
        opts = salt.config.minion_config(None)
        opts.update(
            {
                "file_client": "local",
                "cachedir": f"{self._tmp.name}/cache",
                "pki_dir": f"{self._tmp.name}/pki",
                "extension_modules": f"{self._tmp.name}/ext",
                "test": False,
            }
        )
        opts["grains"] = salt.loader.grains(opts)
        self.opts = opts
        self.utils = salt.loader.utils(opts)
        self.modules = salt.loader.minion_mods(opts, utils=self.utils)
        self.states = salt.loader.states(opts, self.modules, self.utils, {})

    def run_states(self, pillar: dict[str, Any], context: dict[str, Any]) -> Any:
        """A states loader for one state run: ``pillar`` as its pillar, ``context`` as its
        ``__context__`` (salt.state.State gives each run a new one)."""
        import salt.loader

        opts = dict(self.opts, pillar=pillar)
        return salt.loader.states(opts, self.modules, self.utils, {}, context=context)

    def source(self) -> str:
        """The file virt.defined came from: proves it is saltext-virt's and not another virt."""
        return inspect.getsourcefile(self.states["virt.defined"].func) or "?"

    def close(self) -> None:
        self._tmp.cleanup()


def apply(salt: SaltVirt, uri: str, work: Workload, pool_path: str, vm_type: str) -> list[str]:
    """Converge every object; the names of those that reported changes. Any failure raises."""
    st = salt.states
    rets = [
        st["virt.pool_running"](name=work.pool, ptype="dir", target=pool_path, connection=uri),
        st["virt.network_running"](
            name=work.netvm, bridge=_bridge(work), forward=None, connection=uri
        ),
    ]
    template_root = f"{pool_path}/{work.template}_root"
    rets += [st["virt.defined"](connection=uri, **kwargs)
             for kwargs in saltvirt_domains(work, template_root, vm_type)]
    failed = [f"{r['name']}: {r['comment']}" for r in rets if r["result"] is not True]
    if failed:
        raise RuntimeError("saltext-virt apply failed: " + "; ".join(failed))
    return [r["name"] for r in rets if r["changes"]]


def _bridge(work: Workload) -> str:
    return f"bhbsv{work.apps}"  # under IFNAMSIZ, and distinct from bulkhead's bh-<hash> bridges


def teardown(raw: Any, work: Workload, pool_path: str) -> None:
    drop_domains(raw, list(reversed(work.domains())))
    drop_network(raw, work.netvm)
    drop_pool(raw, work.pool)
    shutil.rmtree(pool_path, ignore_errors=True)
