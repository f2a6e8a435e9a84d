"""``bulkhead image build --kind debian``: a Debian template (systemd, apt, the guest programs).

mmdebstrap installs the suite from the host's Debian sources into a directory; the tree gets
the guest programs as systemd units and loses the build host's identity; ``mkfs.ext4 -d`` and
``qemu-img convert`` make ``root.qcow2`` without mounting anything. The kernel and an initramfs
holding only the virtio modules sit beside it for direct boot. A template is rebuilt only when
its inputs (suite, packages, sources, size, guest programs, this builder) change.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import apt_memo, debian_sources, debian_tree, debs, manifest, modules_dep, rootfs
from .build import (
    GUEST_FILES,
    BuildResult,
    guest_package_sources,
    locked_build,
    package_file,
    sha256_hex,
)
from .initramfs import INITRAMFS_MODULES, initramfs_entries, write_initramfs
from .python_closure import GUEST_PYTHONPATH, compile_tree

BASE_PACKAGES = ("systemd-sysv", "udev", "linux-image-cloud-amd64", "nftables", "iproute2",
                 "python3-minimal", "libpython3.11-stdlib", "e2fsprogs", "kmod")
# GUI domains (docs/gui.md): the guest end of the GUI channel and a terminal to start with; the
# Wayland tools a user (and the hostile guest tests) reach for: a screenshot, the clipboard, the
# globals offered
GUI_PACKAGES = ("waypipe", "foot", "fonts-dejavu-core", "grim", "wl-clipboard", "wayland-utils")
GUI_FILES = {"bulkhead-gui": ("usr/bin/bulkhead-gui", 0o755)}  # Debian templates only
# What bulkhead verify's guest network checks run inside a client (ping, nc -w), as busybox's.
BASE_PACKAGES += ("iputils-ping", "netcat-openbsd")
PACKAGE_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]{0,63}$")
OUTPUTS = ("vmlinuz", "initrd.img", "root.qcow2")
# /sbin/init is systemd here: the tiny image's init and its busybox applets stay out.
TINY_ONLY = ("init",)
BUILDER_SOURCES = ("debian.py", "debian_tree.py", "debian_sources.py", "initramfs.py",
                   "cpio_newc.py", "modules_dep.py", "manifest.py", "rootfs.py")
# Where build time goes (BENCHMARKS.md): dpkg's unpacking and configuring, not the download.
# So: no fsync per file (the tree is thrown away if the build fails); no docs, manuals or
# locales; merged /usr set up by mmdebstrap's own hook, which installs usr-is-merged instead of
# usrmerge and so keeps perl and its modules out; and no initramfs made by the kernel package
# (ours is made below; update-initramfs is diverted to a no-op while the packages install and
# restored before the tree is used, so the template's own apt behaves as Debian's).
NO_UPDATE_INITRAMFS = "/usr/sbin/update-initramfs"
MMDEBSTRAP_OPTIONS = (
    "--mode=root",
    "--variant=minbase",
    '--aptopt=Acquire::Languages "none"',
    "--dpkgopt=force-unsafe-io",
    "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/lintian/*",
    f'--essential-hook=chroot "$1" dpkg-divert --quiet --local --rename --add {NO_UPDATE_INITRAMFS}'
    f" && printf '#!/bin/sh\\nexit 0\\n' > \"$1{NO_UPDATE_INITRAMFS}\""
    f' && chmod 755 "$1{NO_UPDATE_INITRAMFS}"',
    f'--customize-hook=rm "$1{NO_UPDATE_INITRAMFS}" && chroot "$1" dpkg-divert --quiet --local'
    f" --rename --remove {NO_UPDATE_INITRAMFS}",
)


@dataclass(frozen=True)
class DebianSpec:
    """What a Debian template is made of (pillar ``bulkhead:images:<name>``)."""

    suite: str = "bookworm"
    packages: tuple[str, ...] = field(default=())
    size_mib: int = 2048
    gui: bool = False  # the guest side of the GUI (docs/gui.md): only templates that ask for it

    def all_packages(self) -> list[str]:
        bad = [p for p in self.packages if not PACKAGE_RE.match(p)]
        if bad:
            raise ValueError(f"package names {bad}: use Debian package names")
        return sorted({*BASE_PACKAGES, *(GUI_PACKAGES if self.gui else ()), *self.packages})


def _run(argv: list[str], what: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


def build_debian(name: str, spec: DebianSpec, cache: Path, force: bool = False,
                 log: Callable[[str], None] = lambda _msg: None) -> BuildResult:
    return locked_build(
        name, cache, lambda target, work: _build(name, spec, target, work, force, log)
    )


def debian_inputs(name: str, spec: DebianSpec, cache: Path) -> dict[str, Any]:
    """Everything the template is made from; its digest names the template's version. apt's
    answer is remembered in ``cache`` while apt's state stays the same (a cached build is quick)."""
    guest = _guest_files()
    return {
        "name": name, "kind": "debian", "suite": spec.suite, "packages": spec.all_packages(),
        "size_mib": spec.size_mib,
        "sources": debian_sources.render(debian_sources.template_sources(
            spec.suite, debian_sources.host_release())),
        "initramfs_busybox": apt_memo.remembered(
            apt_memo.memo_path(cache), "candidate busybox-static",
            lambda: debs.candidate_version("busybox-static")),
        "guest_files": {f: sha256_hex(d) for f, d in sorted(guest.items())},
        "guest_python": {rel: sha256_hex(data)
                         for rel, data in sorted(guest_package_sources().items())},
        "builder": {src: sha256_hex((resources.files(__package__) / src).read_bytes())
                    for src in BUILDER_SOURCES},
        "initramfs_modules": list(INITRAMFS_MODULES),
    }


def is_built(name: str, spec: DebianSpec, cache: Path) -> bool:
    """True when ``cache/name`` holds this template, current and intact (nothing is written)."""
    return manifest.is_current(cache / name, manifest.inputs_hash(debian_inputs(name, spec, cache)),
                               OUTPUTS)


def _guest_files() -> dict[str, bytes]:
    files = {f: package_file(f) for f in ("initramfs-init", *GUEST_FILES) if f not in TINY_ONLY}
    files.update({f"systemd/{unit}": package_file(f"systemd/{unit}") for unit in debian_tree.UNITS})
    files["systemd/journald.conf"] = package_file("systemd/journald.conf")
    files.update({f: package_file(f) for f in GUI_FILES})
    return files


def _build(name: str, spec: DebianSpec, target: Path, work: Path, force: bool,
           log: Callable[[str], None]) -> BuildResult:
    inputs = debian_inputs(name, spec, target.parent)
    sources = inputs["sources"]
    guest = _guest_files()
    guest_py = guest_package_sources()
    wanted_hash = manifest.inputs_hash(inputs)
    if not force and manifest.is_current(target, wanted_hash, OUTPUTS):
        log(f"{target} is up to date (inputs {wanted_hash[:12]})")
        return BuildResult(target, manifest.read_manifest(target) or {}, False)

    tree, out = work / "root", work / "out"
    out.mkdir()
    (work / "debian.sources").write_text(sources)
    log(f"mmdebstrap {spec.suite}: {', '.join(spec.all_packages())}")
    _run(["mmdebstrap", *MMDEBSTRAP_OPTIONS, f"--include={','.join(spec.all_packages())}",
          spec.suite, str(tree), str(work / "debian.sources")], "mmdebstrap")
    abi = debian_tree.kernel_abi(tree)
    shutil.copyfile(tree / "boot" / f"vmlinuz-{abi}", out / "vmlinuz")
    kmods = tree / "usr/lib/modules" / abi
    deps = modules_dep.parse_modules_dep((kmods / "modules.dep").read_text())
    builtin = modules_dep.parse_builtin((kmods / "modules.builtin").read_text())
    early = modules_dep.closure(deps, INITRAMFS_MODULES, builtin)
    small = work / "busybox"
    busybox_pkg = debs.download(
        "busybox-static", inputs["initramfs_busybox"], target.parent / "debs"
    )
    debs.extract(busybox_pkg.deb, small)  # type: ignore[arg-type]
    log(f"initramfs: {len(early)} modules")
    write_initramfs(out / "initrd.img", initramfs_entries(
        (small / "bin/busybox").read_bytes(), guest["initramfs-init"], kmods, early))

    for fname, (dest, mode) in {**GUEST_FILES, **GUI_FILES}.items():
        if fname in TINY_ONLY:
            continue
        data = guest[fname]
        (tree / dest).parent.mkdir(parents=True, exist_ok=True)
        (tree / dest).write_bytes(data)
        (tree / dest).chmod(mode)
    pyroot = tree / GUEST_PYTHONPATH / "saltext/bulkhead"
    for rel, data in guest_py.items():
        (pyroot / rel).parent.mkdir(parents=True, exist_ok=True)
        (pyroot / rel).write_bytes(data)
    compile_tree(tree / "usr/bin/python3.11", tree / GUEST_PYTHONPATH, strip=tree)
    debian_tree.install_units(
        tree, {unit: guest[f"systemd/{unit}"] for unit in debian_tree.UNITS},
        guest["systemd/journald.conf"])
    (tree / "etc/apt/sources.list.d").mkdir(parents=True, exist_ok=True)
    (tree / "etc/apt/sources.list.d/debian.sources").write_text(sources)
    (tree / "etc/apt/sources.list").unlink(missing_ok=True)
    packages = debian_tree.installed_packages(tree)
    debian_tree.scrub(tree)
    (tree / "home").mkdir(exist_ok=True)
    (tree / "rw").mkdir(exist_ok=True)

    log(f"root: {len(packages)} packages, ext4 {spec.size_mib} MiB -> qcow2")
    raw = work / "root.img"
    rootfs.make_ext4(tree, raw, spec.size_mib, uuid.UUID(wanted_hash[:32]), "bulkhead-root",
                     zeroed=True)
    _run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(out / "root.qcow2")],
         "qemu-img convert")
    record = {**inputs, "format": manifest.FORMAT, "input_hash": wanted_hash, "kernel_abi": abi,
              "installed": packages, "modules": {"initramfs": early},
              "outputs": manifest.output_digests(out, OUTPUTS)}
    manifest.write_manifest(out, record)
    return BuildResult(out, record, True)

