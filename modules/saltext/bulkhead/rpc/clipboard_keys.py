"""Copy and paste between domains as a key press in the host's compositor (Qubes' Ctrl+Shift+C,
Ctrl+Shift+V), done by the broker as root, with nothing given to the desktop user.

The sway snippet (gui/labels.py) binds the keys to ``nop`` commands: sway runs nothing. The
broker follows sway's binding events (``swaymsg -t subscribe -m '["binding"]'`` on the IPC
socket of the sway owning ``host:gui:wayland_display``) and, for one of these two commands, asks
sway's tree which window has the focus: the pid of its client is one of the domains' Wayland
filters (the relays know which), which names the domain (not the mark: sway moves a mark to the
domain's newest window, marks being unique). Nothing in the event chooses the domain, and a
focused host window copies or pastes nothing. Then the steps of
``bulkhead clipboard`` (clipboard_steps.py): copy into the host's buffer, or paste it if the
policy allows ``qubes.ClipboardPaste``; a policy ``ask`` goes to the broker's prompt (with
``ask: user``, the user answers through ``bulkhead ask``). Binding events come from the
compositor's input (or its IPC, the desktop user's): a domain's client has no virtual keyboard
(the filter hides it), so a domain cannot press the keys. One action at a time: a press while a
paste waits for the user is handled after it.
"""

from __future__ import annotations

import logging
import select
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..gui import clipboard_buffer as buffer
from ..gui.labels import COPY_BINDING, PASTE_BINDING
from ..gui.names import SESSION_DIR
from ..gui.sway_ipc import SWAYMSG, sway_socket
from ..model import Pillar
from ..policy.system import System
from ..untrusted.json_value import loads
from ..untrusted.text import printable
from .clipboard_steps import ClipboardError, copy_from, paste_into
from .prompt import Prompt

MAX_EVENT = 64 * 1024
MAX_TREE = 16 * 1024 * 1024
MAX_TREE_DEPTH = 256  # sway nests a container per split: far below this on any desktop
RETRY_S = 2.0  # no sway yet, or it restarted: look again


def compositor_ipc(pillar: Pillar) -> Path | None:
    """The IPC socket of the sway showing the GUI domains; None without any (or no sway)."""
    display = pillar.host.gui.wayland_display
    if display is None or not any(d.gui for d in pillar.domains.values()):
        return None
    return sway_socket(display)


def focused_domain(tree: Any, domains: dict[int, str]) -> str | None:
    """The domain whose client made the focused window of sway's tree: the window's pid (sway
    reads it from the socket's peer credentials) among ``domains`` (the running filters' pids),
    or None: a host window, no window, or anything unexpected."""
    todo = [tree]
    while todo:
        node = todo.pop()
        if not isinstance(node, dict):
            continue
        if node.get("focused") is True:
            pid = node.get("pid")
            return domains.get(pid) if type(pid) is int else None
        for key in ("nodes", "floating_nodes"):
            children = node.get(key)
            if isinstance(children, list):
                todo += children
    return None


def binding_command(line: bytes) -> str | None:
    """The command of a binding event sway ran (one ``swaymsg -r`` line), else None."""
    try:
        event = loads(line, max_bytes=MAX_EVENT)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("change") != "run":
        return None
    binding = event.get("binding")
    if not isinstance(binding, dict):
        return None
    command = binding.get("command")
    return command if isinstance(command, str) else None


class ClipboardKeys:
    def __init__(self, sway: Callable[[], Path | None], domains: Callable[[], dict[int, str]],
                 policy_dir: Path, system: Callable[[], System], prompt: Prompt,
                 log: logging.Logger, sessions: Path = SESSION_DIR,
                 buffer_file: Path = buffer.DEFAULT_BUFFER):
        self.sway, self.domains = sway, domains
        self.policy_dir, self.system = policy_dir, system
        self.prompt, self.log = prompt, log
        self.sessions, self.buffer_file = sessions, buffer_file

    def run(self, stopping: threading.Event) -> None:
        """Follow sway's binding events until ``stopping`` is set (sway gone: look again)."""
        while not stopping.is_set():
            try:
                ipc = self.sway()
                if ipc is not None:
                    self._follow(ipc, stopping)
            except Exception as exc:  # never the broker's end
                self.log.warning("clipboard keys: %s", exc)
            stopping.wait(RETRY_S)

    def _follow(self, ipc: Path, stopping: threading.Event) -> None:
        argv = [SWAYMSG, "-s", str(ipc), "-r", "-m", "-t", "subscribe", '["binding"]']
        with subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as events:
            try:
                self.log.info("clipboard keys: following sway's bindings (%s)", ipc)
                while not stopping.is_set():
                    if not select.select([events.stdout], [], [], 0.5)[0]:
                        continue
                    line = events.stdout.readline(MAX_EVENT + 1)
                    if not line:
                        return  # sway ended
                    self.on_binding(binding_command(line), ipc)
            finally:
                events.terminate()

    def on_binding(self, command: str | None, ipc: Path) -> None:
        if command not in (COPY_BINDING, PASTE_BINDING):
            return
        tree = subprocess.run([SWAYMSG, "-s", str(ipc), "-r", "-t", "get_tree"],
                              capture_output=True, timeout=10, check=True).stdout
        domain = focused_domain(loads(tree, max_bytes=MAX_TREE, max_depth=MAX_TREE_DEPTH),
                                self.domains())
        what = "copy" if command == COPY_BINDING else "paste"
        if domain is None:
            self.log.info("clipboard keys: %s: the focused window is no domain's: nothing done",
                          what)
            return
        try:
            if command == COPY_BINDING:
                size = copy_from(domain, self.sessions, self.buffer_file)
                self.log.info("clipboard keys: copied %d bytes from %s", size, domain)
            else:
                source, size = paste_into(domain, self.sessions, self.buffer_file,
                                          self.policy_dir, self.system(), self.prompt)
                self.log.info("clipboard keys: pasted %d bytes from %s into %s", size, source,
                              domain)
        except ClipboardError as exc:
            self.log.warning("clipboard keys: %s", printable(str(exc)))
