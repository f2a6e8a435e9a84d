"""Rules of ``host:cpu_partitions`` that need no host: partitions are disjoint, a label belongs to
one partition, and every domain lands in exactly one (the topology is checked by the plan)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .cpu_list import format_cpu_list
from .cpu_partition import partition_of
from .errors import PillarIssue
from .messages import colon_path
from .pillar import Domain, Host

ROOT = ("bulkhead",)


def check_cpu_partitions(domains: Mapping[str, Domain], host: Host | None) -> list[PillarIssue]:
    partitions = host.cpu_partitions if host is not None else {}
    issues = list(_disjoint(partitions)) if host is not None else []
    for name in sorted(domains):
        issues += _placed(name, domains[name], partitions, known=host is not None)
    return issues


def _disjoint(partitions: Mapping) -> Iterator[PillarIssue]:
    cpu_owner: dict[int, str] = {}
    label_owner: dict[str, str] = {}
    for name in sorted(partitions):
        at = ROOT + ("host", "cpu_partitions", name)
        part = partitions[name]
        shared = {cpu: cpu_owner[cpu] for cpu in part.cpu_set if cpu in cpu_owner}
        for other in sorted(set(shared.values())):
            cpus = format_cpu_list(c for c, o in shared.items() if o == other)
            yield PillarIssue(colon_path(at + ("cpus",)),
                              f"CPU {cpus} is also in partition '{other}'; partitions never share "
                              "a CPU")
        cpu_owner.update({cpu: name for cpu in part.cpu_set if cpu not in cpu_owner})
        for label in part.labels:
            if label.value in label_owner:
                yield PillarIssue(colon_path(at + ("labels",)),
                                  f"label {label.value} is also in partition "
                                  f"'{label_owner[label.value]}'; a label belongs to one partition")
            label_owner.setdefault(label.value, name)


def _placed(name: str, domain: Domain, partitions: Mapping, known: bool) -> list[PillarIssue]:
    # Asked of every domain of every run: the path is spelled only for an issue.
    if domain.cpu_partition is not None and known and domain.cpu_partition not in partitions:
        choices = ", ".join(sorted(partitions)) or "none is declared"
        return [PillarIssue(_at(name), f"no partition '{domain.cpu_partition}' in "
                                       f"host:cpu_partitions ({choices})")]
    if partitions and partition_of(partitions, domain) is None:
        return [PillarIssue(_at(name), f"label {domain.label.value} is in no partition of "
                                       "host:cpu_partitions: name a partition here or add the "
                                       "label to one (with partitions, every domain runs in "
                                       "one)")]
    return []


def _at(name: str) -> str:
    return colon_path(ROOT + ("domains", name, "cpu_partition"))
