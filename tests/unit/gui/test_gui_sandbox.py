"""What the relay's sandboxes hold: no network, its own folder, one user; the compositor only in
the filter's, and waypipe client's display is the filter."""

from __future__ import annotations

from pathlib import Path

from saltext.bulkhead.gui.chain import (
    COMPOSITOR_SOCKET,
    PACKAGE,
    PYTHON_DIR,
    SESSION_MOUNT,
    client_chain,
    filter_chain,
)
from saltext.bulkhead.gui.names import (
    CONTROL_SOCKET,
    FILTER_SOCKET,
    MAX_USER_NAME,
    control_socket,
    relay_user,
    session_dir,
)
from saltext.bulkhead.gui.sandbox import sandboxed


def _binds(argv: list[str]) -> list[tuple[str, str]]:
    return [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]


def test_waypipe_client_sandbox_binds_only_usr_and_the_session():
    argv = sandboxed(client_chain(), 990, 991, Path("/run/bulkhead/gui-session/work"))
    assert _binds(argv) == [("/usr", "/usr"), ("/run/bulkhead/gui-session/work", SESSION_MOUNT)]
    assert argv.index("--ro-bind") < argv.index("--bind")  # /usr read-only
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--clearenv"):
        assert flag in argv


def test_the_filter_sandbox_adds_the_compositor_and_the_package_read_only():
    argv = sandboxed(filter_chain("work", "/run/user/1000/wayland-1"), 990, 991, Path("/s"))
    assert _binds(argv) == [("/usr", "/usr"), ("/s", SESSION_MOUNT),
                            ("/run/user/1000/wayland-1", COMPOSITOR_SOCKET),
                            (str(PACKAGE), f"{PYTHON_DIR}/saltext/bulkhead")]
    assert argv[argv.index(str(PACKAGE)) - 1] == "--ro-bind"
    assert "--unshare-net" in argv


def test_both_run_as_the_domain_user_without_privileges():
    for chain in (client_chain(), filter_chain("work", "/c")):
        argv = sandboxed(chain, 990, 991, Path("/s"))
        inner = argv[argv.index("--") + 1:]
        assert inner[:3] == ["/usr/bin/setpriv", "--reuid=990", "--regid=991"]
        assert {"--clear-groups", "--no-new-privs", "--inh-caps=-all"} <= set(inner)
        assert inner[inner.index("--") + 1:] == chain.argv


def test_waypipe_speaks_only_to_the_filter_which_speaks_to_the_compositor():
    chain = client_chain()
    assert chain.env["WAYLAND_DISPLAY"] == f"{SESSION_MOUNT}/{FILTER_SOCKET}"
    assert "--no-gpu" in chain.argv and chain.argv[-1] == "client"
    argv = filter_chain("work", "/c").argv
    assert argv[argv.index("--listen") + 1] == f"{SESSION_MOUNT}/{FILTER_SOCKET}"
    # the clipboard control socket is the session folder's, where root's CLI looks for it
    assert argv[argv.index("--control") + 1] == f"{SESSION_MOUNT}/{CONTROL_SOCKET}"
    assert control_socket("work", Path("/s")).name == CONTROL_SOCKET
    assert argv[argv.index("--upstream") + 1] == COMPOSITOR_SOCKET
    assert argv[argv.index("--domain") + 1] == "work"


def test_relay_users_have_the_prefix_and_fit_useradd():
    assert relay_user("work") == "bulkhead-gui-work"
    long_a, long_b = "a" * 30 + "x", "a" * 30 + "y"
    assert len(relay_user(long_a)) == MAX_USER_NAME
    assert relay_user(long_a) != relay_user(long_b)
    assert session_dir("work", Path("/r")) == Path("/r/work")
