"""The template manifest: what went in (packages, inputs hash) and what came out (sha256s).

The inputs hash decides whether a rebuild is needed: it covers every package version and file
digest, the guest scripts, the builder's own source and the build parameters, serialized as
canonical JSON so that the same inputs always give the same hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..atomic_file import write_atomically

FORMAT = 1
OUTPUTS = ("vmlinuz", "initrd.img", "root.img")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def inputs_hash(inputs: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the build inputs (order of keys does not matter)."""
    return hashlib.sha256(canonical_json({"format": FORMAT, **inputs})).hexdigest()


def output_digests(directory: Path, outputs: tuple[str, ...] = OUTPUTS) -> dict[str, str]:
    return {name: sha256_file(directory / name) for name in outputs}


def write_manifest(directory: Path, manifest: Mapping[str, Any]) -> Path:
    """Write manifest.json atomically: it is the marker of a complete template, so it goes last."""
    path = directory / "manifest.json"
    write_atomically(path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    return path


def read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def is_current(directory: Path, wanted_hash: str, outputs: tuple[str, ...] = OUTPUTS) -> bool:
    """True if ``directory`` holds a complete template built from exactly these inputs and its
    files still match the digests recorded for them (a damaged cache is rebuilt, not trusted)."""
    manifest = read_manifest(directory)
    if manifest is None or manifest.get("input_hash") != wanted_hash:
        return False
    recorded = manifest.get("outputs", {})
    try:
        return all(recorded.get(name) == sha256_file(directory / name) for name in outputs)
    except FileNotFoundError:
        return False
