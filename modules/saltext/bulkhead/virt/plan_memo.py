"""Plans kept across runs: a new process's no-op (a salt-call, a minion's job) loads its plan
instead of making it again.

A plan is a pure function of the validated pillar, the allocations recorded in libvirt, the
domain type, the host's CPU topology and bulkhead's plan and model code (plan/workstation.py).
Its file in ``formula:paths:plan_cache`` is named by the sha256 of all of them, so the file of a
name holds the plan those inputs give, and a change of any input is another name. The code is
known by the size and mtime of its files (``CODE_FINGERPRINT``) as this process loaded them.

The files are pickles. They are read only from a directory and as files owned by this process's
user that no one else may write, and unpickled with an allow-list: classes defined in the plan
package and IP addresses; any other name a file refers to ends the read. Missing, unreadable,
foreign or corrupt: the plan is made again, and a cache that cannot be written only costs that.
Each workstation's newest ``MAX_PLANS`` files are kept (``<workstation>@<key>.plan``), and the
newest ``MAX_FILES`` of all. A cache, not state: it is written in test mode too.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import ipaddress
import logging
import os
import pickle
import stat
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

from ..atomic_file import write_atomically
from ..model import Pillar
from ..model.workstation import is_workstation_name
from ..plan import HostTopology, Plan, RecordedDomain

log = logging.getLogger(__name__)

MAX_PLANS = 8
MAX_FILES = 256  # of all workstations: a lab host of 32 users, each with its 8
SUFFIX = ".plan"
_PACKAGE = Path(__file__).resolve().parents[1]
# What plans are made and compared with: every module planning imports (the plan, the pillar
# model, the firewall compiler for the firewall volume, the package's constants;
# tests/unit/virt/test_plan_memo.py checks the list) and the properties compared.
CODE_PACKAGES = ("plan", "model", "net")
CODE_FILES = ("__init__.py", "virt/domain_props.py")
_ADDRESSES = frozenset({"IPv4Address", "IPv4Network", "IPv4Interface",
                        "IPv6Address", "IPv6Network", "IPv6Interface"})


def code_files() -> list[Path]:
    """The files of the code plans are made and compared with."""
    files = [_PACKAGE / name for name in CODE_FILES]
    for package in CODE_PACKAGES:
        with os.scandir(_PACKAGE / package) as entries:
            files += [Path(e.path) for e in entries if e.name.endswith(".py")]
    return sorted(files)


def _code_fingerprint() -> str:
    """That code as this process loaded it (it is imported with this module)."""
    parts = [sys.version, str(pickle.HIGHEST_PROTOCOL), str(_PACKAGE)]
    for file in code_files():
        st = file.stat()
        parts.append(f"{file.relative_to(_PACKAGE)} {st.st_size} {st.st_mtime_ns}")
    return "\n".join(parts)


CODE_FINGERPRINT = _code_fingerprint()


def plan_key(pillar: Pillar, recorded: Mapping[str, RecordedDomain], domain_type: str,
             topology: HostTopology | None) -> str:
    """The name of the plan these inputs give: every one of them, in full."""
    digest = hashlib.sha256(CODE_FINGERPRINT.encode())
    for part in (pillar.model_dump_json(), repr(sorted(recorded.items())),
                 repr((domain_type, topology))):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def remembered_plan(directory: str, workstation: str, key: Callable[[], str],
                    make: Callable[[], Plan]) -> Plan:
    """``workstation``'s plan named ``key()`` from ``directory``, else ``make()``'s, then kept
    there. Nothing about the cache can fail a run: a key that cannot be computed or a plan that
    cannot be kept only means planning (a plan's own errors are ``make``'s)."""
    try:
        name = f"{_owner(workstation)}@{key()}"
    except Exception as exc:  # noqa: BLE001 - whatever it is, planning is the safe answer
        log.warning("bulkhead: planning without the plan cache: %s", exc)
        return make()
    plan = _load(directory, name)
    if plan is not None:
        return plan
    plan = make()
    try:
        _store(directory, name, plan)
    except Exception as exc:  # noqa: BLE001 - an unwritable cache or an unpicklable plan
        log.warning("bulkhead: cannot keep the plan in %s: %s", directory, exc)
    return plan


def _owner(workstation: str) -> str:
    """``workstation`` as the start of its files' names: each workstation keeps its own newest
    plans, so one with many changes never evicts another's (a lab host of many users)."""
    if not is_workstation_name(workstation):
        raise ValueError(f"{workstation!r} is not a workstation name")
    return workstation


def _read_only(items: dict[str, Any]) -> MappingProxyType[str, Any]:
    """How a plan's read-only mappings are pickled (``MappingProxyType`` itself cannot be)."""
    return MappingProxyType(items)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is MappingProxyType:
            return _read_only, (dict(obj),)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _allowed.get((module, name))
        if found is None:
            found = _allowed[module, name] = _allowed_class(module, name)
        return found


def _allowed_class(module: str, name: str) -> Any:
    if (module, name) == (__name__, "_read_only"):
        return _read_only
    if module == "ipaddress" and name in _ADDRESSES:
        return getattr(ipaddress, name)
    if module.startswith("saltext.bulkhead.plan.") and module in sys.modules:
        found = getattr(sys.modules[module], name, None)
        if isinstance(found, type) and found.__module__ == module:
            return found
    raise pickle.UnpicklingError(f"{module}.{name} is not part of a plan")


# What the allow-list let through, by name: every kept record names the same few classes (a
# class of this process never changes), and a name refused is asked again, and refused again.
_allowed: dict[tuple[str, str], Any] = {}


def pickled(value: Any) -> bytes:
    """``value`` as the caches keep it (a plan, or values of the plan package's classes)."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def unpickled(stream: BinaryIO) -> Any:
    """The next value ``pickled`` wrote to ``stream``; UnpicklingError (or another exception)
    for anything else, a name outside the allow-list included, which is never looked up."""
    return _Unpickler(stream).load()


def _owned(st: os.stat_result) -> bool:
    """Owned by this process's user and writable by no one else."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def kept_file(directory: str, name: str) -> BinaryIO | None:
    """``directory``/``name`` open for reading when both are this user's own and no one else
    may write them (a symlink for either is not followed); else None."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not _owned(os.fstat(dir_fd)):
            return None
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    finally:
        os.close(dir_fd)
    file = open(fd, "rb")  # noqa: SIM115 - the caller closes it
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode) and _owned(st):
        return file
    file.close()
    return None


def _load(directory: str, key: str) -> Plan | None:
    file = kept_file(directory, key + SUFFIX)
    if file is None:
        return None
    try:
        with file:
            plan = unpickled(file)
    except Exception as exc:  # noqa: BLE001 - any broken file is a plan made again
        log.warning("bulkhead: ignoring the kept plan %s/%s%s: %s", directory, key, SUFFIX, exc)
        return None
    return plan if isinstance(plan, Plan) else None


def private_directory(directory: str) -> Path:
    """``directory``, made if missing (mode 0700); OSError unless only this user may write it."""
    path = Path(directory)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode) or not _owned(st):  # never read either (``kept_file``)
        raise OSError(f"{directory} is not a directory only this user may write")
    return path


def append_kept(directory: str, name: str, data: bytes, *, limit: int,
                files: tuple[str, int], rewrite: Callable[[bytes], bytes], what: str,
                header: bytes = b"") -> None:
    """Append ``data`` to the kept file ``directory``/``name`` (this user's own, mode 0600) in
    one write, so that appends of runs at the same time never interleave; a new file starts
    with ``header`` (in the same write). A file ``limit`` bytes long or more is written anew as
    ``rewrite(its first 2 * limit bytes) + data``. A new file prunes the folder: ``files`` is
    the prefix of its kind's names and how many of them to keep (those of workstations gone
    would stay for ever). A cache that cannot be written is logged as not keeping ``what``: it
    only costs the work again."""
    try:
        path = private_directory(directory) / name
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
        try:
            size = os.fstat(fd).st_size
            if size < limit:
                os.write(fd, data if size else header + data)
                if size == 0:
                    prefix, keep = files
                    prune_oldest(path.parent, lambda n: n.startswith(prefix), keep)
                return
            old = os.pread(fd, 2 * limit, 0)
        finally:
            os.close(fd)
        write_atomically(path, rewrite(old) + data, mode=0o600, dir_mode=0o700)
    except OSError as exc:
        log.warning("bulkhead: cannot keep %s in %s: %s", what, directory, exc)


def _store(directory: str, key: str, plan: Plan) -> None:
    path = private_directory(directory)
    write_atomically(path / (key + SUFFIX), pickled(plan), mode=0o600, dir_mode=0o700)
    _prune(path, key.partition("@")[0] + "@")


def _prune(path: Path, owner: str) -> None:
    """Keep the workstation's newest ``MAX_PLANS`` plans, and the folder's newest ``MAX_FILES``
    plans of all workstations (those of workstations gone would otherwise stay for ever)."""
    prune_oldest(path, lambda name: name.startswith(owner) and name.endswith(SUFFIX), MAX_PLANS)
    prune_oldest(path, lambda name: name.endswith(SUFFIX), MAX_FILES)


def prune_oldest(folder: Path, matches: Callable[[str], bool], keep: int) -> None:
    """Remove all but the ``keep`` newest regular files of ``folder`` whose names ``matches``
    (another run may be pruning at the same time)."""
    found = []
    for entry in os.scandir(folder):
        with contextlib.suppress(FileNotFoundError):
            if matches(entry.name) and entry.is_file(follow_symlinks=False):
                found.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.path))
    for _, old in sorted(found)[:-keep]:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(old)
