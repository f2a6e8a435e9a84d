"""The memory balancer on the host: bulkhead-memd runs exactly as ``bulkhead:memory`` says (or not
at all when the key is absent), answers, and no running domain's balloon is outside its bounds.

The daemon is found the way the state finds it: its pidfile (pid and the digest of the config it
loaded), recognised by its command line; its config file must be byte for byte what the pillar
renders to. Balloons are read from libvirt (what the guest holds) and from the daemon's last
decision (what it aims at), against the bounds the plan recorded in each domain's metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from saltext.bulkhead.memd.config_file import digest
from saltext.bulkhead.memd.pidfile import MODULE
from saltext.bulkhead.memd.service import ServicePaths
from saltext.bulkhead.memd.shared_config import wanted_config
from saltext.bulkhead.plan.metadata import find_ours, read_memory

MiB = 1024  # KiB


@dataclass(frozen=True)
class Memd:
    pid: int
    config_digest: str
    args: tuple[str, ...]


def _running_memd(host: Any, paths: ServicePaths) -> Memd | None:
    pidfile = host.file(str(paths.pidfile))
    lines = pidfile.content_string.splitlines() if pidfile.exists else []
    if len(lines) != 2 or not lines[0].isdigit():
        return None
    cmdline = host.file(f"/proc/{lines[0]}/cmdline")
    if not cmdline.exists:
        return None
    args = tuple(a.decode(errors="replace") for a in cmdline.content.rstrip(b"\0").split(b"\0"))
    if MODULE not in args or str(paths.config) not in args:
        return None  # a recycled pid, not our daemon
    return Memd(int(lines[0]), lines[1], args)


def _status(host: Any, memd: Memd, socket: str) -> dict[str, Any]:
    # The daemon's own interpreter, so this works wherever the daemon does.
    out = host.run("%s -m %s status --socket %s", memd.args[0], MODULE, socket)
    if out.rc != 0:
        raise AssertionError(f"bulkhead-memd (pid {memd.pid}) does not answer status on {socket}: "
                             f"{out.stderr.strip()[:300]}")
    reply = json.loads(out.stdout)
    if reply.get("ok") is not True:
        raise AssertionError(f"bulkhead-memd refused status: {reply}")
    return reply


@pytest.fixture(scope="module")
def memd_status(host, bulkhead_pillar, memd_paths) -> dict[str, Any] | None:
    """The daemon's last decision, when bulkhead:memory is set and the daemon answers."""
    memory = bulkhead_pillar.memory
    memd = _running_memd(host, memd_paths) if memory is not None else None
    if memd is None:
        return None
    try:
        return _status(host, memd, str(memory.socket))
    except (AssertionError, ValueError):
        return None  # reported by the daemon check


def test_memory_daemon_runs_as_the_pillar_says(host, bulkhead_pillar, memd_paths):
    paths = memd_paths
    memd = _running_memd(host, paths)
    memory = bulkhead_pillar.memory
    if memory is None:
        assert memd is None, f"bulkhead:memory is absent, yet bulkhead-memd runs (pid {memd.pid})"
        return
    problems = []
    config = host.file(str(paths.config))
    # the host's one balancer: this workstation's entry and settings, the others' kept
    wanted = wanted_config(config.content if config.exists else None, bulkhead_pillar)
    if isinstance(wanted, str):
        problems.append(wanted)
        wanted = b""
    if not config.exists:
        problems.append(f"{paths.config} is missing")
    elif config.content != wanted:
        problems.append(
            f"{paths.config} is not what bulkhead:memory renders to (the formula has not run since)"
        )
    if memd is None:
        problems.append(
            f"bulkhead:memory is set but bulkhead-memd does not run (pidfile {paths.pidfile})"
        )
    else:
        if memd.config_digest != digest(wanted):
            problems.append(
                f"bulkhead-memd (pid {memd.pid}) runs another configuration than the pillar's"
            )
        try:
            _status(host, memd, str(memory.socket))
        except (AssertionError, ValueError) as exc:
            problems.append(str(exc))
    assert not problems, "\n".join(problems)


def test_balloons_lie_within_their_recorded_bounds(bulkhead_pillar, libvirt_conn, libvirt_domains,
                                                   active_domains, memd_status):
    problems = []
    targets = memd_status["targets_kib"] if memd_status else {}
    for name in active_domains:
        meta = find_ours(libvirt_domains[name].inactive_xml)
        try:
            bounds = read_memory(meta) if meta is not None else None
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if bounds is None:
            if bulkhead_pillar.memory is not None:
                problems.append(
                    f"{name}: no memory bounds recorded (defined before bulkhead recorded them; "
                    "the balancer falls back to defaults)"
                )
            continue
        low, high = bounds.min_mib * MiB, bounds.max_mib * MiB
        current = libvirt_conn.lookupByName(name).info()[2]
        where = f"recorded bounds {bounds.min_mib}..{bounds.max_mib} MiB"
        if not low <= current <= high:
            problems.append(f"{name}: balloon at {current / MiB:.1f} MiB, outside its {where}")
        if name in targets and not low <= targets[name] <= high:
            problems.append(
                f"{name}: bulkhead-memd's target {targets[name] / MiB:.1f} MiB is outside its "
                f"{where}"
            )
    if memd_status and memd_status.get("capacity_kib") is not None:
        total = sum(targets.values())
        if total > memd_status["capacity_kib"]:
            problems.append(
                f"bulkhead-memd's targets add up to {total / MiB:.1f} MiB, more than its capacity "
                f"{memd_status['capacity_kib'] / MiB:.1f} MiB"
            )
    assert not problems, "\n".join(problems)
