"""Several pillar files checked as Salt would merge them for one minion.

Salt's default ``pillar_source_merging_strategy`` is ``smart`` (``recurse`` for YAML): later
files' values override earlier ones, mappings merge key by key, lists are replaced
(``pillar_merge_lists: False``). Salt's own ``dictupdate.merge`` does it when Salt is importable;
otherwise the same recursion here. A problem is located in the file that wrote the value.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .checks import ROOT
from .errors import PillarError
from .source import PillarSource


def _recurse(base: dict, update: dict) -> dict:
    merged = dict(base)
    for key, value in update.items():
        old = merged.get(key)
        merged[key] = _recurse(old, value) if isinstance(old, dict) and isinstance(value, dict) \
            else value
    return merged


def merge_data(documents: list[Any]) -> dict:
    """The documents (each a mapping of pillar keys, or empty) merged in order, as Salt does."""
    try:
        from salt.utils.dictupdate import merge
    except ImportError:  # no Salt on this machine: the recursion Salt's recurse strategy does
        def merge(a, b, strategy="smart", renderer="yaml", merge_lists=False):  # noqa: ARG001
            return _recurse(a, b)
    merged: dict = {}
    for document in documents:
        merged = merge(merged, document or {}, strategy="smart", renderer="yaml",
                       merge_lists=False)
    return merged


def _depth(data: Any, parts: list[str]) -> int:
    """How many leading ``parts`` of a ``bulkhead:...`` path ``data`` holds."""
    depth = 0
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            break
        depth += 1
    return depth


def locate_merged(error: PillarError, sources: list[PillarSource]) -> PillarError:
    """Each issue prefixed with ``FILE:LINE`` of the last file that wrote most of its path."""
    located = []
    for issue in error.issues:
        parts = issue.path.split(":") if issue.path else [ROOT]
        depths = [_depth(source.data, parts) for source in sources]
        best = max(range(len(sources)), key=lambda i: (depths[i], i))
        located.extend(sources[best].locate(PillarError([replace(issue, where="")])).issues)
    return PillarError(located)


__all__ = ["locate_merged", "merge_data"]
