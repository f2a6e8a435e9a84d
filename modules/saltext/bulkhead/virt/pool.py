"""bulkhead's storage pool: a dir pool at host.pool_path named host.pool.

Pools carry no <metadata>, so ownership is the exact match of name, type and path: a pool of that
name elsewhere (or another pool on that path) is someone else's and is reported, never adopted.
"""

from __future__ import annotations

from lxml import etree

from ..apply_lock import mutating
from ..model import Pillar
from ..plan import Plan
from ..reconcile import Outcome, Work, refused
from .connection import Connection
from .context import plan_or_reason
from .inventory import lookup, pool_settled, pool_xmls
from .texts import Refusal
from .tracked import once_per_run, tracked
from .work import LibvirtWork


def pool_clash(conn: Connection, plan: Plan) -> Refusal | None:
    """Why the plan's pool cannot be bulkhead's; on a tracked connection decided once per run
    while the pools' definitions stay the same (every domain asks)."""
    pools = pool_xmls(conn)
    return once_per_run(conn, f"pool clash {plan.pool.name}\0{plan.pool.path}",
                        tuple(pools.items()), lambda: _clash(pools, plan))


def _clash(pools: dict[str, str], plan: Plan) -> Refusal | None:
    # The pillar's path needs no escaping in XML (model: PATH_RULE), so libvirt writes a target
    # path equal to it as it is: another pool whose XML does not hold it is not parsed.
    written = f">{plan.pool.path}<"
    for other, xml in pools.items():
        if other != plan.pool.name and written not in xml:
            continue
        doc = etree.fromstring(xml.encode())
        same_path = doc.findtext("target/path") == plan.pool.path
        same_name = other == plan.pool.name
        if same_name and (doc.get("type") != "dir" or not same_path):
            return Refusal(
                f"storage pool {plan.pool.name!r} exists but is not bulkhead's (type "
                f"{doc.get('type')}, path {doc.findtext('target/path')}; expected a dir pool at "
                f"{plan.pool.path}); rename it or set bulkhead:host:pool"
            )
        if same_path and not same_name:
            return Refusal(f"storage pool {other!r} already manages {plan.pool.path}; "
                    "set bulkhead:host:pool_path to a directory of its own")
    return None


def pool_work(conn: Connection, plan: Plan, work: Work) -> Refusal | None:
    """Add the steps that make the pool exist, run and autostart; or return why not."""
    clash = pool_clash(conn, plan)
    if clash:
        return clash
    name = plan.pool.name
    if pool_settled(conn, name):  # defined, active, autostarted: nothing to ask the pool itself
        return None
    pool = lookup(conn.storagePoolLookupByName, name)
    changes = work.section("pool")
    if pool is None:
        changes[name] = {"old": None, "new": f"dir pool at {plan.pool.path}"}

        def define() -> None:
            new = conn.storagePoolDefineXML(plan.pool.xml, 0)
            new.build(0)
            new.create(0)
            new.setAutostart(1)

        work.step(f"define storage pool {name}", define)
        return None
    if not pool.isActive():
        changes.setdefault(name, {})["state"] = {"old": "inactive", "new": "active"}
        work.step(
            f"start storage pool {name}", lambda: conn.storagePoolLookupByName(name).create(0)
        )
    if not pool.autostart():
        changes.setdefault(name, {})["autostart"] = {"old": False, "new": True}
        work.step(
            f"autostart storage pool {name}",
            lambda: conn.storagePoolLookupByName(name).setAutostart(1),
        )
    return None


@mutating
def pool_present(conn: Connection, pillar: Pillar, test: bool = False) -> Outcome:
    conn = tracked(conn)
    plan = plan_or_reason(conn, pillar)
    if isinstance(plan, str):
        return refused(plan)
    work = LibvirtWork()
    problem = pool_work(conn, plan, work)
    if problem:
        return refused(problem)
    return work.finish(test, f"Storage pool {plan.pool.name}")
