"""The simulator's input: a recorded or generated memory trace (format in docs/memory.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

PositiveMiB = Annotated[int, Field(gt=0, strict=True)]
UsedMiB = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TraceDomain(_Strict):
    min_mib: PositiveMiB
    max_mib: PositiveMiB
    initial_mib: PositiveMiB
    overhead_mib: Annotated[int, Field(ge=0, strict=True)] = 0
    """The guest kernel's own share of its balloon (stats.py: actual - available); optional."""

    @model_validator(mode="after")
    def _bounds(self) -> TraceDomain:
        if not self.min_mib <= self.initial_mib <= self.max_mib:
            raise ValueError("need min_mib <= initial_mib <= max_mib")
        return self


class TraceStep(_Strict):
    used_mib: dict[str, UsedMiB]
    """Used memory of every running domain at this step; a domain absent here is not running."""


class Trace(_Strict):
    host_mib: PositiveMiB
    reserve_mib: Annotated[int, Field(ge=0, strict=True)]
    domains: dict[str, TraceDomain]
    steps: list[TraceStep]

    @model_validator(mode="after")
    def _consistent(self) -> Trace:
        if self.reserve_mib >= self.host_mib:
            raise ValueError("reserve_mib must be smaller than host_mib")
        for number, step in enumerate(self.steps):
            unknown = sorted(set(step.used_mib) - set(self.domains))
            if unknown:
                raise ValueError(f"steps[{number}] names undeclared domains: {', '.join(unknown)}")
        return self

    @property
    def capacity_mib(self) -> int:
        return self.host_mib - self.reserve_mib


def load_trace(path: Path) -> Trace:
    return Trace.model_validate(json.loads(path.read_text(encoding="utf-8")))
