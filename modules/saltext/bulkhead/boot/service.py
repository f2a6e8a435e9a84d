"""The boot unit (what ``bulkhead_boot.installed`` does): bulkhead-boot.service runs
``bulkhead boot`` on the pillar the formula wrote for the host daemons, once they serve.

Only installed and enabled, never started by the state: starting it would start domains the
pillar keeps halted until the next boot. Without systemd there is nothing to install: after a
host reboot the admin runs ``bulkhead boot`` (or applies the formula).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..model import Pillar
from ..reconcile import Outcome, Work
from ..systemd import Systemd, install_steps, removal_steps
from ..systemd_units import boot_unit, unit_names

MODULE = "saltext.bulkhead.boot"


def boot_argv(pillar_file: Path) -> list[str]:
    return [sys.executable, "-m", MODULE, "--pillar-json", str(pillar_file)]


def boot_unit_text(pillar: Pillar) -> str:
    names = unit_names(pillar.formula.paths)
    return boot_unit(boot_argv(Path(pillar.formula.paths.broker_pillar)), names,
                     with_memd=pillar.memory is not None)


def boot_installed(pillar: Pillar, systemd: Systemd | None, test: bool = False) -> Outcome:
    work = Work()
    if systemd is None:
        work.notes.append("No systemd here: after a host reboot run `bulkhead boot`.")
        return work.finish(test, "The boot sequence")
    unit = unit_names(pillar.formula.paths).boot
    if pillar.formula.manage_power:
        install_steps(work, systemd, unit, boot_unit_text(pillar))
    else:  # bulkhead powers nothing on: no unit that would
        removal_steps(work, systemd, unit)
    return work.finish(test, "The boot sequence")
