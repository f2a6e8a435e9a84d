"""The pillar as it stands while the RPC broker runs disposables it created for calls."""

from __future__ import annotations

from collections.abc import Mapping

from .load import load_pillar
from .pillar import Pillar


def with_disposables(pillar: Pillar, disposables: Mapping[str, str]) -> Pillar:
    """``pillar`` plus a ``class: disposable`` entry per ``name -> template``, with the template's
    label, netvm, vcpus, memory, firewall and CPU partition but not its tags (policy rights are
    not inherited).
    A disposable whose template left the pillar, or whose name the pillar now uses, is left out:
    it gets no chain (fail closed). Every entry is validated like any other."""
    data = pillar.model_dump(mode="json", by_alias=True)
    for name, template in sorted(disposables.items()):
        base = data["domains"].get(template)
        if base is None or name in pillar.domains:
            continue
        data["domains"][name] = {
            "class": "disposable", "template": template, "label": base["label"],
            "netvm": base["netvm"] or "none", "vcpus": base["vcpus"], "memory": base["memory"],
            "firewall": base["firewall"], "cpu_partition": base.get("cpu_partition"),
        }
    return load_pillar(data)
