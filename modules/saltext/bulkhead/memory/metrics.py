"""What a simulation measures; every field is defined in docs/memory.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .domain import KIB_PER_MIB

OSCILLATION_WINDOW_STEPS = 3
"""A target that changes direction within this many steps of its previous change oscillates."""


@dataclass
class Metrics:
    strategy: str  # the report keeps the key "policy" (scripts read it)
    steps: int = 0
    decisions: int = 0
    decision_ns: list[int] = field(default_factory=list)
    domain_steps: int = 0
    below_preference_domain_steps: int = 0
    starved_domain_steps: int = 0
    moved_kib: int = 0
    adjustments: int = 0
    oscillations: int = 0
    overcommitted_steps: int = 0
    starts: int = 0
    refused_starts: int = 0

    def report(self) -> dict[str, object]:
        """The JSON-ready summary the CLI prints."""
        times = self.decision_ns
        summary = {k: v for k, v in asdict(self).items() if k not in ("decision_ns", "moved_kib")}
        summary = {"policy": summary.pop("strategy"), **summary}
        summary["mean_decision_us"] = round(sum(times) / len(times) / 1000, 3) if times else 0.0
        summary["max_decision_us"] = round(max(times) / 1000, 3) if times else 0.0
        summary["mib_moved"] = round(self.moved_kib / KIB_PER_MIB, 3)
        return summary


@dataclass
class DirectionTracker:
    """Remembers each domain's last target change to count direction reversals."""

    last: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (step, +1 / -1)

    def record(self, name: str, step: int, change: int) -> bool:
        """Note a non-zero change; True when it reverses the previous one within the window."""
        direction = 1 if change > 0 else -1
        previous = self.last.get(name)
        self.last[name] = (step, direction)
        return (
            previous is not None
            and previous[1] == -direction
            and step - previous[0] <= OSCILLATION_WINDOW_STEPS
        )

    def forget(self, name: str) -> None:
        self.last.pop(name, None)
