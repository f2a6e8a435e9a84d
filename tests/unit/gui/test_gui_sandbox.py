"""What the relay's sandbox holds: no network, its own folder and the compositor, one user."""

from __future__ import annotations

from pathlib import Path

from saltext.bulkhead.gui.chain import COMPOSITOR_SOCKET, SESSION_MOUNT, client_chain
from saltext.bulkhead.gui.names import MAX_USER_NAME, relay_user, session_dir
from saltext.bulkhead.gui.sandbox import sandboxed


def _binds(argv: list[str]) -> list[tuple[str, str]]:
    return [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]


def test_sandbox_binds_only_usr_the_session_and_the_compositor():
    argv = sandboxed(client_chain(), 990, 991, Path("/run/bulkhead/gui-session/work"),
                     "/run/user/1000/wayland-1")
    assert _binds(argv) == [("/usr", "/usr"), ("/run/bulkhead/gui-session/work", SESSION_MOUNT),
                            ("/run/user/1000/wayland-1", COMPOSITOR_SOCKET)]
    assert argv.index("--ro-bind") < argv.index("--bind")  # /usr read-only
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--clearenv"):
        assert flag in argv


def test_the_client_runs_as_the_domain_user_without_privileges():
    argv = sandboxed(client_chain(), 990, 991, Path("/s"), "/c")
    inner = argv[argv.index("--") + 1:]
    assert inner[:3] == ["/usr/bin/setpriv", "--reuid=990", "--regid=991"]
    assert {"--clear-groups", "--no-new-privs", "--inh-caps=-all"} <= set(inner)
    assert inner[inner.index("--") + 1:] == client_chain().argv


def test_the_chain_speaks_only_to_the_compositor_socket_in_the_sandbox():
    chain = client_chain()
    assert chain.env["WAYLAND_DISPLAY"] == COMPOSITOR_SOCKET
    assert "--no-gpu" in chain.argv and chain.argv[-1] == "client"


def test_relay_users_have_the_prefix_and_fit_useradd():
    assert relay_user("work") == "bulkhead-gui-work"
    long_a, long_b = "a" * 30 + "x", "a" * 30 + "y"
    assert len(relay_user(long_a)) == MAX_USER_NAME
    assert relay_user(long_a) != relay_user(long_b)
    assert session_dir("work", Path("/r")) == Path("/r/work")
