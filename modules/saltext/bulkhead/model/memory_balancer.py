"""``bulkhead:memory``: the memory balancer bulkhead-memd (the role of Qubes' qmemman).

Absent, no balancer runs and domains keep the memory they boot with. Present (even ``{}``), the
formula configures and runs the daemon, and a domain starts only once the daemon has freed its
initial memory. Each domain's own bounds are ``bulkhead:domains:<name>:memory``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictFloat, StrictInt, ValidationInfo, field_validator

from .fields import PATH_RULE, AbsPath, fail, key

MAX_HOST_MIB = 1024 * 1024 * 1024  # 1 PiB: only stops a typo from passing as a size


class MemoryBalancer(BaseModel):
    """Settings of bulkhead-memd; the defaults suit a workstation (see docs/memory.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interval: StrictFloat = key(
        2.0, ge=0.1, le=3600, doc="Seconds between balancing passes.",
        rule="must be a number of seconds from 0.1 to 3600",
    )
    reserve_mib: StrictInt = key(
        512,
        ge=0,
        le=MAX_HOST_MIB,
        doc="Memory kept for the host itself, never given to domains, in MiB.",
        rule=f"must be a whole number of MiB from 0 to {MAX_HOST_MIB}",
    )
    host_mib: StrictInt | None = key(
        None,
        ge=1,
        le=MAX_HOST_MIB,
        doc=(
            "Memory the domains and the reserve may use together, in MiB; absent: measured at "
            "every "
            "pass (the host's MemAvailable plus what the balanced domains hold)."
        ),
        rule=f"must be a whole number of MiB from 1 to {MAX_HOST_MIB}, more than reserve_mib",
    )
    cache_factor: StrictFloat = key(
        1.3,
        ge=1.0,
        le=10.0,
        doc="A domain prefers its used memory times this, leaving room for its page cache (Qubes "
            "uses 1.3).",
        rule="must be a number from 1 to 10",
    )
    floor_mib: StrictInt = key(
        96,
        ge=1,
        le=MAX_HOST_MIB,
        doc="No domain prefers less than this, so an idle one can still allocate, in MiB.",
        rule=f"must be a whole number of MiB from 1 to {MAX_HOST_MIB}",
    )
    threshold_mib: StrictInt = key(
        16,
        ge=0,
        le=MAX_HOST_MIB,
        doc="Balloon changes smaller than this are not made (hysteresis), in MiB.",
        rule=f"must be a whole number of MiB from 0 to {MAX_HOST_MIB}",
    )
    band: StrictFloat = key(
        0.25,
        ge=0.0,
        lt=1.0,
        doc="While memory is plentiful, a domain within this fraction of its ideal size is left "
            "alone.",
        rule="must be a number from 0 up to, not including, 1",
    )
    stats_period: StrictInt = key(
        2, ge=1, le=3600, doc="Seconds between a guest's balloon statistics updates.",
        rule="must be a whole number of seconds from 1 to 3600",
    )
    hold_seconds: StrictInt = key(
        30,
        ge=1,
        le=3600,
        doc="How long memory freed for a starting domain stays set aside for it before balancing "
            "may reuse it.",
        rule="must be a whole number of seconds from 1 to 3600",
    )
    socket: AbsPath = key(
        "/run/bulkhead/memd.sock",
        doc="The daemon's unix socket (mode 0600), which domain starts ask.",
        rule=PATH_RULE,
    )

    @field_validator("host_mib")
    @classmethod
    def _above_reserve(cls, value: int | None, info: ValidationInfo) -> int | None:
        reserve = info.data.get("reserve_mib")
        if value is not None and reserve is not None and value <= reserve:
            raise fail(
                f"{value} MiB leaves nothing for domains above reserve_mib ({reserve}); must be "
                f"more than reserve_mib"
            )
        return value
