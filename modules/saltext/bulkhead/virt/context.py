"""Plan the pillar against what this connection has recorded and can run."""

from __future__ import annotations

from typing import Any

from ..model import Pillar
from ..plan import Plan, PlanError, plan_workstation
from .errors import BulkheadVirtError
from .hypervisor import probe_kernel, resolve
from .inventory import recorded_domains


def current_plan(conn: Any, pillar: Pillar) -> Plan:
    domain_type = resolve(conn, pillar.host.domain_type.value, kernel=probe_kernel(pillar))
    return plan_workstation(pillar, recorded_domains(conn), domain_type=domain_type)


def plan_or_reason(conn: Any, pillar: Pillar) -> Plan | str:
    """The plan, or the admin-readable reason there is none (a plan or hypervisor error)."""
    try:
        return current_plan(conn, pillar)
    except (PlanError, BulkheadVirtError) as exc:
        return str(exc)
