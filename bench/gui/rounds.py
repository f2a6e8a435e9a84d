"""What one round of each path measured, and the settings both share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    warmup_s: float = 2.0  # after the first frame, before frames are counted
    window_s: float = 10.0  # frames counted over this long, the loop printing
    settle_s: float = 3.0  # after the loop stops, before the first key (the screen idle)
    keys: int = 8
    key_gap_s: float = 1.0  # between keys: each key's frame arrives before the next key


@dataclass(frozen=True)
class Round:
    first_window_s: float  # start -> the window (bulkhead) / connect -> the first update (SPICE)
    first_frame_s: float  # start -> its first frame (bulkhead) / the first update (SPICE)
    fps: float  # frames (bulkhead) / display updates (SPICE) per second, the loop printing
    latencies_s: list  # key -> next frame / update, one per key (None: none before the next)
    note: str = ""  # what else was seen (run --gui's return, the screen's size)
