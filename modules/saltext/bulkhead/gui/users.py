"""The per-domain relay users: system users with no home, no shell and no password, made the
first time a domain's relay starts."""

from __future__ import annotations

import pwd
import subprocess

NOLOGIN = "/usr/sbin/nologin"


def ensure_user(name: str) -> tuple[int, int]:
    """(uid, gid) of ``name``, created as a system user with a group of its own if missing."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", NOLOGIN, name],
                       check=True, capture_output=True)
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid
