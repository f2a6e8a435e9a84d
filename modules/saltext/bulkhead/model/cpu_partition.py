"""CPU partitions by trust (``bulkhead:host:cpu_partitions``): which host CPUs each partition
owns and which labels belong to it. Domains of different partitions never share a CPU; the
plan checks the partitions against the host's topology (cores and SMT siblings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from .cpu_list import CPU_LIST_PATTERN, CPU_LIST_RULE, parse_cpu_list
from .fields import Rule, fail, key
from .label import LABEL_RULE, Label

if TYPE_CHECKING:
    from .pillar import Domain

PARTITION_NAME_RULE = ("must be a partition name: lowercase letters, digits and '-', starting with "
                       "a letter, at most 31 characters")
PartitionName = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9-]{0,30}$"),
                          Rule(PARTITION_NAME_RULE)]


def _cpu_list(text: str) -> str:
    try:
        parse_cpu_list(text)
    except ValueError as exc:
        raise fail(f"{exc}; {CPU_LIST_RULE}") from None
    return text


CpuListText = Annotated[str, StringConstraints(strict=True, pattern=CPU_LIST_PATTERN),
                        AfterValidator(_cpu_list)]


class CpuPartition(BaseModel):
    """Host CPUs kept for the domains of one trust level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cpus: CpuListText = key(
        doc="The host CPUs of this partition (whole cores: an SMT sibling belongs with its CPU); "
            "its domains' vCPUs, QEMU emulator and I/O threads run only there.",
        rule=CPU_LIST_RULE,
    )
    labels: tuple[Label, ...] = key(
        (), doc="Domains with one of these labels run in this partition unless they name another "
                "in cpu_partition.", rule="must be a list of labels; each " + LABEL_RULE)

    @property
    def cpu_set(self) -> frozenset[int]:
        return parse_cpu_list(self.cpus)


def partition_of(partitions: Mapping[str, CpuPartition], domain: Domain) -> str | None:
    """The partition ``domain`` runs in: the one it names, else the one listing its label; None
    when there are no partitions (or, in a pillar that failed validation, none fits)."""
    if domain.cpu_partition is not None:
        return domain.cpu_partition
    return next((name for name, part in sorted(partitions.items()) if domain.label in part.labels),
                None)
