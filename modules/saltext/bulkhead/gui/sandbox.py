"""The bubblewrap sandbox of a domain's relay processes (its waypipe clients and its filter).

bwrap runs as root (no setuid bwrap, no user namespace needed), mounts only: /usr read-only, a
fresh /proc, /dev and /tmp, the domain's session folder and what the chain names (the filter: the
compositor socket and the bulkhead package read-only); then drops to the domain's relay user with
no capabilities and no_new_privs (setpriv). Its own network, pid, IPC and UTS namespaces: no
network at all, no view of other processes; it dies with the relay. No other domain's folder,
socket or file is in its mount namespace.
"""

from __future__ import annotations

from pathlib import Path

from .chain import SESSION_MOUNT, Chain

BWRAP = "/usr/bin/bwrap"
SETPRIV = "/usr/bin/setpriv"


def sandboxed(chain: Chain, uid: int, gid: int, session: Path) -> list[str]:
    argv = [BWRAP, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/run", "--bind", str(session), SESSION_MOUNT]
    for host, inside in chain.binds:
        argv += ["--perms", "0755", "--dir", str(Path(inside).parent), "--bind", host, inside]
    for host, inside in chain.ro_binds:  # its parents readable by the user: made 0755 first
        parents = [str(p) for p in reversed(Path(inside).parents) if str(p).count("/") > 1]
        for parent in parents:
            argv += ["--perms", "0755", "--dir", parent]
        argv += ["--ro-bind", host, inside]
    for name, value in sorted(chain.env.items()):
        argv += ["--setenv", name, value]
    return argv + ["--", SETPRIV, f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                   "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *chain.argv]
