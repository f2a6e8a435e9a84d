"""Pure planning: pillar + recorded allocations -> desired libvirt objects (no libvirt calls)."""

from .allocations import Allocation, Nic, allocate
from .cpu_topology import HostTopology
from .errors import PlanError
from .network_xml import NetworkPlan
from .recorded import RecordedDomain, RecordedInterface
from .storage import PoolPlan, VolumePlan
from .workstation import DomainPlan, Plan, plan_still_holds, plan_workstation

__all__ = [
    "Allocation", "DomainPlan", "HostTopology", "NetworkPlan", "Nic", "Plan", "PlanError",
    "PoolPlan",
    "RecordedDomain", "RecordedInterface", "VolumePlan", "allocate", "plan_still_holds", "plan_workstation",
]
