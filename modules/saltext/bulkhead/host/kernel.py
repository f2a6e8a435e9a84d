"""The kernel features domains need on the host, each loaded as a module when it is missing.

A feature is there when its evidence exists (a device node, or /sys/module/<name>, which a
loaded module and a built-in one with parameters have) or /proc/modules lists its module: a
kernel without module support (some containers, monolithic kernels) has no /proc/modules.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..reconcile import Outcome, Work


@dataclass(frozen=True)
class KernelFeature:
    module: str
    purpose: str
    evidence: tuple[Path, ...]


FEATURES = (
    KernelFeature("tun", "a tap device for every domain's network interface",
                  (Path("/dev/net/tun"), Path("/sys/module/tun"))),
    KernelFeature("bridge", "the netvms' and uplinks' bridges", (Path("/sys/module/bridge"),)),
)


def present(feature: KernelFeature, proc_modules: Path = Path("/proc/modules")) -> bool:
    if any(path.exists() for path in feature.evidence):
        return True
    try:
        loaded = proc_modules.read_text()
    except OSError:
        return False
    return any(line.split(" ", 1)[0] == feature.module for line in loaded.splitlines())


def load(feature: KernelFeature) -> None:
    modprobe = shutil.which("modprobe")
    if modprobe is None:
        raise OSError("no modprobe on this host")
    proc = subprocess.run([modprobe, feature.module], capture_output=True, text=True, timeout=60,
                          check=False)
    if proc.returncode != 0:
        raise OSError(proc.stderr.strip() or f"modprobe {feature.module} failed")


def kernel_ready(test: bool = False, features: tuple[KernelFeature, ...] = FEATURES) -> Outcome:
    work = Work()
    missing = [f for f in features if not present(f)]
    if missing and shutil.which("modprobe") is None:  # a test run says it now, not "would load"
        names = ", ".join(f"{f.module} ({f.purpose})" for f in missing)
        return Outcome(False, {}, f"The kernel lacks {names} and this host has no modprobe.")
    for feature in missing:
        work.section("loaded")[feature.module] = feature.purpose
        work.step(f"load {feature.module}", lambda f=feature: load(f))
    return work.finish(test, f"Kernel support ({', '.join(f.module for f in features)})")
