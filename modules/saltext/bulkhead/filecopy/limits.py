"""Receiver limits: a sending domain is untrusted and must not fill the receiver's disk."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 4 * 1024**3
    max_total_bytes: int = 16 * 1024**3
    max_entries: int = 100_000
    max_path_bytes: int = 4096  # the whole relative path, as Linux's PATH_MAX
    max_depth: int = 64

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"limit {name} must be a positive whole number, got {value!r}")
