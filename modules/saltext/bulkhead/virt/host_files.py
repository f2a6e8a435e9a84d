"""The sha256 of a host file, read in blocks (apply's caches: KVM verdicts, image digests)."""

from __future__ import annotations

import hashlib


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
