"""Install policy files so that an invalid policy is never in force.

1. Plan the changes (``managed_files``); nothing to do means done.
2. Stage: copy the policy directory as it is (symlinks kept as symlinks, so includes and links
   resolve as they would in place), apply the changes to the copy, and load the copy with the
   engine. Any error fails the installation with file:line (named as in the real directory), and
   the directory is left exactly as it was.
3. Install: each new file replaces its target atomically (``atomic_file``: a fresh temporary
   name beside it, fsynced, renamed, the directory fsynced); then files that are ours and no
   longer wanted are removed, and the directory is fsynced again.

Between two renames the broker could see some files new and some old; each such mix is a subset
of two validated policies, and a policy that does not load is denied wholesale by the broker.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic_file import fsync_directory, write_atomically
from .errors import PolicyIssue, PolicySyntaxError
from .managed_files import FileChanges, plan_changes
from .policy import Policy

FILE_MODE = 0o644


@dataclass(frozen=True)
class InstallOutcome:
    result: bool | None  # None: test mode with pending changes (Salt's convention)
    comment: str
    changes: dict[str, Any] = field(default_factory=dict)


def _renamed(exc: PolicySyntaxError, staged: Path, real: Path) -> list[str]:
    # Issues name files inside the staging copy; show them where the admin will find them.
    prefix = str(staged)

    def shown(issue: PolicyIssue) -> str:
        file = str(real) + issue.file[len(prefix):] if issue.file.startswith(prefix) else issue.file
        return str(PolicyIssue(file, issue.line, issue.message))

    return [shown(issue) for issue in exc.issues]


def _stage(changes: FileChanges, staged: Path) -> None:
    if changes.directory.is_dir():
        shutil.copytree(changes.directory, staged, symlinks=True)
    else:
        staged.mkdir()
    for name, data in changes.write.items():
        target = staged / name
        if target.is_symlink() or target.exists():
            target.unlink()  # a symlink here must be replaced, never written through
        with open(target, "xb") as handle:  # only loaded to validate: no fsync, no mode
            handle.write(data)
    for name in changes.remove:
        (staged / name).unlink()


def _commit(changes: FileChanges) -> None:
    for name in sorted(changes.write):
        write_atomically(changes.directory / name, changes.write[name], mode=FILE_MODE)
    for name in changes.remove:
        (changes.directory / name).unlink(missing_ok=True)
    fsync_directory(changes.directory)


def _validate_installed(directory: Path) -> InstallOutcome:
    try:
        policy = Policy.load(directory)
    except PolicySyntaxError as exc:
        lines = [str(issue) for issue in exc.issues]
        return InstallOutcome(
            False,
            "The installed policy does not load (the broker denies every call):\n"
            + "\n".join(lines),
        )
    return InstallOutcome(
        True,
        f"Policy in {directory} is in place: "
        f"{len(policy.rules)} rules in {len(policy.files)} files",
    )


def install_policy(
    directory: str | os.PathLike[str], bodies: Mapping[str, str], *, test: bool
) -> InstallOutcome:
    """Make ``directory`` hold ``bodies`` (name -> text) as managed files if the result is valid."""
    changes = plan_changes(directory, bodies)
    if changes.empty:
        return (
            _validate_installed(changes.directory)
            if changes.directory.is_dir()
            else InstallOutcome(
                True, f"No policy files wanted and {changes.directory} does not exist"
            )
        )
    # Test mode stages in the system's temporary directory so that it writes nothing near /etc.
    parent = None if test else changes.directory.parent
    if parent is not None:
        parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".bulkhead-policy-", dir=parent) as scratch:
        staged = Path(scratch) / changes.directory.name
        _stage(changes, staged)
        try:
            policy = Policy.load(staged)
        except PolicySyntaxError as exc:
            lines = _renamed(exc, staged, changes.directory)
            return InstallOutcome(False, "Invalid policy, nothing installed:\n" + "\n".join(lines))
        what = (
            f"{len(changes.write)} written, {len(changes.remove)} removed; "
            f"{len(policy.rules)} rules in {len(policy.files)} files"
        )
        if test:
            return InstallOutcome(
                None, f"Policy in {changes.directory} would change: {what}", changes.summary()
            )
        _commit(changes)
    return InstallOutcome(
        True, f"Policy in {changes.directory} installed: {what}", changes.summary()
    )
