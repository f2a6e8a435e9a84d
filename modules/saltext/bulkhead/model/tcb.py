"""``bulkhead:tcb``: the deviations from the recommended state this workstation accepts.

``bulkhead tcb`` reports every deviation (docs/tcb.md); ``bulkhead verify`` fails on each one the
pillar does not list here, with a reason, so that accepting one is a decision someone wrote down.
The kinds are named here (the model imports nothing above it) and explained in tcb/deviations.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from .fields import NAME_RULE, DomainName, key

DEVIATION_KINDS = (
    "security_driver_none", "qemu_as_root", "dynamic_ownership_off", "seccomp_off",
    "graphics_device", "sound_device", "usb_device", "passthrough_device", "nic_bypasses_netvm",
    "allow_to_admin", "partition_mixes_trust",
)
DeviationKind = Literal[
    "security_driver_none", "qemu_as_root", "dynamic_ownership_off", "seccomp_off",
    "graphics_device", "sound_device", "usb_device", "passthrough_device", "nic_bypasses_netvm",
    "allow_to_admin", "partition_mixes_trust",
]
KIND_RULE = "must be one of " + ", ".join(DEVIATION_KINDS)
Reason = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=3,
                                          max_length=500)]


class AcceptedDeviation(BaseModel):
    """One deviation the admin accepts, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    deviation: DeviationKind = key(doc="The deviation's kind (docs/tcb.md).", rule=KIND_RULE)
    domain: DomainName | None = key(
        None, doc="Only this domain's deviation of that kind; absent: every one of that kind "
                  "(host-wide kinds have no domain).", rule=NAME_RULE)
    reason: Reason = key(doc="Why it is accepted: shown by bulkhead tcb next to the deviation.",
                         rule="must be text of 3 to 500 characters")


class TcbConfig(BaseModel):
    """What ``bulkhead tcb`` and ``bulkhead verify`` accept of this workstation's deviations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accept: tuple[AcceptedDeviation, ...] = key(
        (), doc="Deviations from the recommended state accepted on purpose, each with a reason; "
                "bulkhead verify fails on any other.", rule="must be a list of mappings")
