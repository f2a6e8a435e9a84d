"""``bulkhead image build``: assemble a bootable template from Debian packages.

Steps: resolve and download the packages, find nft's libraries, hash every input; if a complete
template with that hash exists, stop. Otherwise extract the kernel, compute the module closures,
write the initramfs and the root tree, make the ext4 image, write the manifest last.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from . import debs, manifest, modules_dep, rootfs
from .elf_needed import library_closure
from .initramfs import INITRAMFS_MODULES, initramfs_entries, write_initramfs
from .python_closure import (
    GUEST_MODULES,
    GUEST_PYTHONPATH,
    PYTHON,
    compile_tree,
    guest_python_files,
)

DEFAULT_CACHE = Path("/var/cache/bulkhead/images")
DEFAULT_NAME = "debian-min"
ROOT_SIZE_MIB = 64
TEMPLATE_CMDLINE = ""
HOST_LIBDIRS = (Path("/usr/lib/x86_64-linux-gnu"), Path("/lib/x86_64-linux-gnu"))
GUEST_FILES = {  # package data file -> (path in the root image, mode)
    "init": ("sbin/init", 0o755),
    "setup": ("lib/bulkhead/setup", 0o644),
    "agent": ("sbin/bulkhead-agent", 0o755),
    "agent-protocol.sh": ("lib/bulkhead/agent-protocol.sh", 0o644),
    "boot-firewall.nft": ("lib/bulkhead/boot-firewall.nft", 0o644),
    "bulkhead-rpcd": ("sbin/bulkhead-rpcd", 0o755),
    "bulkhead-rpc": ("usr/bin/bulkhead-rpc", 0o755),
    "bulkhead-copy": ("usr/bin/bulkhead-copy", 0o755),
    "qubes.Filecopy": ("usr/lib/bulkhead/rpc-services/qubes.Filecopy", 0o755),
    "qubes.UpdatesProxy": ("usr/lib/bulkhead/rpc-services/qubes.UpdatesProxy", 0o755),
    "bulkhead-updates-forwarder": ("usr/bin/bulkhead-updates-forwarder", 0o755),
}
# The RPC daemon, its clients and the file-copy receiver are Python; nothing else in the guest is.
PYTHON_PACKAGES = ("python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib")
BUILDER_SOURCES = ("build.py", "initramfs.py", "rootfs.py", "cpio_newc.py", "modules_dep.py",
                   "elf_needed.py", "debs.py", "manifest.py", "python_closure.py",
                   "closure_probe.py")


def netfilter_wanted(deps: dict[str, list[str]]) -> list[str]:
    """nf_tables and every nft expression module (conntrack, NAT, reject... follow as their
    dependencies), so nft can load any rule we generate; bridge filtering is not used."""
    names = {modules_dep.module_name(path) for path in deps if "/net/bridge/" not in path}
    return sorted(n for n in names if n == "nf_tables" or n.startswith("nft_"))


@dataclass(frozen=True)
class BuildResult:
    directory: Path
    manifest: dict[str, Any]
    rebuilt: bool


def package_file(name: str) -> bytes:
    return (resources.files(__package__) / "guest" / name).read_bytes()


def _own_source(name: str) -> bytes:
    return (resources.files(__package__) / name).read_bytes()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def guest_package_sources() -> dict[str, bytes]:
    """The saltext.bulkhead modules the guest runs, by path inside the package."""
    root = resources.files("saltext.bulkhead")
    return {rel: root.joinpath(rel).read_bytes() for rel in GUEST_MODULES}


def _python_pieces(small: Path, pyroot: Path) -> tuple[list[str], list[Path]]:
    """The stdlib files the guest code loads, and the libraries of python3.11 and of the
    extension modules among them."""
    stdlib = guest_python_files(small, pyroot)
    libraries: dict[str, Path] = {}
    search = [small / "usr/lib/x86_64-linux-gnu", *HOST_LIBDIRS]
    for binary in [small / PYTHON, *(small / rel for rel in stdlib if rel.endswith(".so"))]:
        libraries.update({lib.name: lib for lib in library_closure(binary, search)[0]})
    return stdlib, [libraries[name] for name in sorted(libraries)]


def image_programs(small: Path, pyroot: Path) -> tuple[list[str], list[Path], Path | None]:
    """What the root image needs for nft and the guest Python programs (``small`` holds the
    extracted packages, ``pyroot`` the guest modules): the stdlib files, every shared library
    (needed or known to be dlopened, see elf_needed.DLOPENED) and the program interpreter."""
    search = [small / "usr/lib/x86_64-linux-gnu", *HOST_LIBDIRS]
    libraries, interpreter = library_closure(small / "usr/sbin/nft", search)
    stdlib, py_libraries = _python_pieces(small, pyroot)
    merged = {lib.name: lib for lib in [*libraries, *py_libraries]}
    return stdlib, [merged[name] for name in sorted(merged)], interpreter


def _busybox(binary: Path, *args: str) -> str:
    return subprocess.run([str(binary), *args], capture_output=True, text=True,
                          check=True).stdout


def check_name(name: str) -> None:
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise ValueError(f"image name {name!r}: use letters, digits, '-', '_' and '.'")


def locked_build(name: str, cache: Path,
                 body: Callable[[Path, Path], BuildResult]) -> BuildResult:
    """Run ``body(target, work)`` holding the template's lock, with a work directory in the
    cache; a template it rebuilt (in a directory under work) replaces the one under the name."""
    check_name(name)
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / name
    with (cache / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per template at a time
        with tempfile.TemporaryDirectory(prefix=f".{name}-work-", dir=cache) as tmp:
            result = body(target, Path(tmp))
            if not result.rebuilt:
                return result
            _replace_dir(result.directory, target)
    return BuildResult(target, result.manifest, True)


def build_image(
    name: str = DEFAULT_NAME, cache: Path = DEFAULT_CACHE, force: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
) -> BuildResult:
    return locked_build(name, cache, lambda target, work: _build_locked(
        name, target, cache / "debs", work, force, log))


def _build_locked(name: str, target: Path, debdir: Path, work: Path, force: bool,
                  log: Callable[[str], None]) -> BuildResult:
    kernel_pkg = debs.kernel_package()
    log(f"kernel package: {kernel_pkg}")
    packages = {pkg: debs.download(pkg, debs.candidate_version(pkg), debdir)
                for pkg in (kernel_pkg, "busybox-static", "nftables", *PYTHON_PACKAGES)}
    small = work / "small"
    for pkg in ("busybox-static", "nftables", *PYTHON_PACKAGES):
        debs.extract(packages[pkg].deb, small)  # type: ignore[arg-type]
    nft = small / "usr/sbin/nft"
    guest_py = guest_package_sources()
    pyroot = work / "pyroot"
    for rel, data in guest_py.items():
        (pyroot / "saltext/bulkhead" / rel).parent.mkdir(parents=True, exist_ok=True)
        (pyroot / "saltext/bulkhead" / rel).write_bytes(data)
    stdlib, libraries, interpreter = image_programs(small, pyroot)
    lib_records = []
    for lib in [*libraries, *([interpreter] if interpreter else [])]:
        owner = debs.owning_package(lib)
        lib_records.append({"soname": lib.name, "package": owner.name, "version": owner.version,
                            "sha256": manifest.sha256_file(lib)})
    guest = {fname: package_file(fname) for fname in ("initramfs-init", *GUEST_FILES)}
    inputs = {
        "name": name,
        "packages": [{"name": p.name, "version": p.version,
                      "sha256": manifest.sha256_file(p.deb)}  # type: ignore[arg-type]
                     for p in packages.values()],
        "libraries": sorted(lib_records, key=lambda r: r["soname"]),
        "guest_files": {fname: sha256_hex(data) for fname, data in guest.items()},
        "guest_python": {rel: sha256_hex(data) for rel, data in sorted(guest_py.items())},
        "python_stdlib": stdlib,
        "builder": {src: sha256_hex(_own_source(src)) for src in BUILDER_SOURCES},
        "root_size_mib": ROOT_SIZE_MIB,
        "initramfs_modules": list(INITRAMFS_MODULES),
        "cmdline": TEMPLATE_CMDLINE,
    }
    wanted_hash = manifest.inputs_hash(inputs)
    if not force and manifest.is_current(target, wanted_hash):
        log(f"{target} is up to date (inputs {wanted_hash[:12]})")
        return BuildResult(target, manifest.read_manifest(target) or {}, False)

    log(f"extracting {kernel_pkg}")
    kernel_tree = work / "kernel"
    debs.extract(packages[kernel_pkg].deb, kernel_tree)  # type: ignore[arg-type]
    (abi,) = [p.name for p in (kernel_tree / "lib/modules").iterdir()]
    busybox = small / "bin/busybox"
    # The package ships no modules.dep (its postinst runs depmod); busybox's depmod writes one.
    _busybox(busybox, "depmod", "-b", str(kernel_tree), abi)
    kmods = kernel_tree / "lib/modules" / abi
    deps = modules_dep.parse_modules_dep((kmods / "modules.dep").read_text())
    builtin = modules_dep.parse_builtin((kmods / "modules.builtin").read_text())
    early = modules_dep.closure(deps, INITRAMFS_MODULES, builtin)
    netfilter = modules_dep.closure(deps, netfilter_wanted(deps), builtin)

    out = work / "out"
    out.mkdir()
    shutil.copyfile(kernel_tree / "boot" / f"vmlinuz-{abi}", out / "vmlinuz")
    log(f"initramfs: {len(early)} modules")
    write_initramfs(out / "initrd.img", initramfs_entries(
        busybox.read_bytes(), guest["initramfs-init"], kmods, early))

    log(
        f"root tree: busybox, nft + {len(lib_records)} libraries, {len(netfilter)} netfilter "
        f"modules"
    )
    tree = work / "root"
    rootfs.make_skeleton(tree)
    rootfs.install(busybox, tree, "bin/busybox", 0o755)
    rootfs.link_applets(tree, _busybox(busybox, "--list-full").split(),
                        keep=[dest for dest, _mode in GUEST_FILES.values()])
    for fname, (dest, mode) in GUEST_FILES.items():
        (tree / dest).parent.mkdir(parents=True, exist_ok=True)
        (tree / dest).write_bytes(guest[fname])
        (tree / dest).chmod(mode)
    rootfs.install(nft, tree, "usr/sbin/nft", 0o755)
    rootfs.install_libraries(tree, libraries, interpreter)
    rootfs.install(small / PYTHON, tree, PYTHON, 0o755)
    for rel in stdlib:
        rootfs.install(small / rel, tree, rel, 0o755 if rel.endswith(".so") else 0o644)
    (tree / "usr/lib/python3.11/lib-dynload").mkdir(
        parents=True, exist_ok=True
    )  # Python's landmark
    shutil.copytree(pyroot, tree / GUEST_PYTHONPATH)
    compile_tree(small / PYTHON, tree / "usr/lib/python3.11", tree / GUEST_PYTHONPATH, strip=tree)
    for rel in netfilter:
        rootfs.install(kmods / rel, tree, f"lib/modules/{abi}/{rel}")
    shutil.copyfile(kmods / "modules.builtin", tree / f"lib/modules/{abi}/modules.builtin")
    _busybox(busybox, "depmod", "-b", str(tree), abi)  # modules.dep/alias for the guest modprobe
    (tree / "etc/hostname").write_text(f"{name}\n")
    rootfs.make_ext4(tree, out / "root.img", ROOT_SIZE_MIB,
                     uuid.UUID(wanted_hash[:32]), "bulkhead-root")

    record = {
        **inputs,
        "format": manifest.FORMAT,
        "input_hash": wanted_hash,
        "kernel_abi": abi,
        "modules": {"initramfs": early, "root": netfilter},
        "outputs": manifest.output_digests(out),
    }
    manifest.write_manifest(out, record)
    log(f"built {target} (inputs {wanted_hash[:12]})")
    return BuildResult(out, record, True)


def _replace_dir(new: Path, target: Path) -> None:
    """Swap the finished template into place; a half-built one is never visible under the name."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    target.chmod(0o755)
