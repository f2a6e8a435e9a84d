"""Default paths per workstation: a second workstation on a host needs no hand-set paths.

The broker's facts, pidfile and log, its disposables' registry, the firewall records, the
policy directory and the plan cache are a workstation's own: for any workstation but the host's
own one, the default path gets ``workstations/<name>/`` before its file name
(``/etc/bulkhead/workstations/bob/broker-pillar.json``). A cache of its own means another
workstation's runs (a lab host's other users, a test session beside a live workstation) never
evict its kept plans and records, however many they keep. The host's own workstation, named like
this machine's minion id (``local_minion_id``), keeps the plain paths, so a host from before
ownership upgrades in place: nothing moves, no daemon restarts. A path the pillar sets is kept.
bulkhead-memd's files and the apply lock stay host-wide: one balancer, one lock per host.
"""

from __future__ import annotations

from .pillar import FormulaPaths
from .rpc_policy import PolicyConfig

PER_WORKSTATION = ("broker_pillar", "broker_pidfile", "broker_log", "dispvm_registry",
                   "firewall_records")
PER_WORKSTATION_CACHES = ("plan_cache",)  # no daemon reads them: moving one stops nothing
SUBDIR = "workstations"


def derived(default: str, workstation: str) -> str:
    """``/dir/file`` -> ``/dir/workstations/<workstation>/file``. Defaults are plain absolute
    paths (no '//', '.' or trailing '/': tests/unit/model/test_workstation_paths.py), so this is
    what ``PurePosixPath`` would make of them, spelled with strings (asked at every validation
    of another workstation's pillar)."""
    parent, _, name = default.rpartition("/")
    return f"{parent}/{SUBDIR}/{workstation}/{name}"


def own_paths(paths: FormulaPaths, workstation: str, host_workstation: str) -> FormulaPaths:
    """``paths`` with this workstation's defaults where the pillar set none."""
    if workstation == host_workstation:
        return paths
    fields, given = FormulaPaths.model_fields, paths.model_fields_set
    update = {field: derived(fields[field].default, workstation)
              for field in (*PER_WORKSTATION, *PER_WORKSTATION_CACHES) if field not in given}
    return paths.model_copy(update=update)


def own_policy(policy: PolicyConfig, workstation: str, host_workstation: str) -> PolicyConfig:
    """The policy directory: this workstation's unless the pillar names one."""
    if workstation == host_workstation or "dir" in policy.model_fields_set:
        return policy
    default = PolicyConfig.model_fields["dir"].default
    return policy.model_copy(update={"dir": derived(default, workstation)})
