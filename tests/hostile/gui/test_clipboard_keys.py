"""Copy and paste as key presses in a real headless sway with bulkhead's snippet: Ctrl+Shift+C in
a domain's window copies that domain's selection into the host's buffer, Ctrl+Shift+V in another
domain's window pastes it there once the policy allows (``ask``: the user answers through the
broker's answer socket and ``bulkhead ask``); the broker's key handler finds the domain from the
focused window's client, and a host window copies nothing. The keys are pressed on the
test's virtual keyboard (a host client: a domain's has no virtual keyboard)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.gui.labels import window_rule
from saltext.bulkhead.gui.sway_ipc import swaymsg
from saltext.bulkhead.model import Label
from saltext.bulkhead.policy.system import System
from saltext.bulkhead.rpc.ask_server import AskServer
from saltext.bulkhead.rpc.asks import PendingAsks
from saltext.bulkhead.rpc.clipboard_keys import ClipboardKeys
from saltext.bulkhead.rpc.prompt import prompt_for

from ...gui_session import NOBODY, available, headless_sway
from .sway_rig import MODULES, wait_for
from .wayland_client import press_with_ctrl_shift, virtual_keyboard

pytestmark = pytest.mark.skipif(available() is not None, reason=str(available()))

SECRET = "work's secret, by key"
WAIT_S = 60.0  # a deadline, not a measurement
KEYS = {"c": 46, "v": 47}  # evdev codes


class Desk:
    def __init__(self, root: Path) -> None:
        self.sways = headless_sway()
        self.sway = next(self.sways)
        self.root, self.processes = root, []
        self.keyboard = virtual_keyboard(str(self.sway.display))  # wl-copy needs a keyboard
        self.sessions, self.buffer = root / "sessions", root / "buffer"
        self.policy = root / "policy.d"
        self.policy.mkdir()
        self.text = []
        log = logging.getLogger(f"bulkhead.hostile.keys.{id(self)}")
        log.setLevel(logging.INFO)
        log.propagate = False
        log.handlers[:] = [_ListHandler(self.text)]
        self.asks = PendingAsks(WAIT_S, log)
        (root / "run").mkdir(mode=0o700)
        self.ask_socket = root / "run" / "ask.sock"
        self.server = AskServer(self.ask_socket, self.asks)
        self.server.serve_in_thread("ask-socket")
        system = System.from_json({"domains": {d: {"type": "AppVM", "power_state": "Running"}
                                               for d in ("work", "personal")}})
        self.pids: dict[int, str] = {}  # the filters': the relays' knowledge, in the broker
        self.keys = ClipboardKeys(lambda: self.sway.ipc, lambda: self.pids, self.policy,
                                  lambda: system, prompt_for("user", self.asks), log,
                                  self.sessions, self.buffer)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.keys.run, args=(self.stopping,), daemon=True)
        self.thread.start()
        self.until(lambda: any("following sway's bindings" in t for t in self.text))
        self.filters = {d: self.filter(d, label) for d, label in (("work", Label.blue),
                                                                  ("personal", Label.red))}
        self.start(["foot"], self.sway.display)  # a host window: no domain's mark
        self.until(lambda: self.window(None) is not None)

    def start(self, argv: list[str], display: str | Path) -> subprocess.Popen:
        env = {"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(self.sway.runtime),
               "WAYLAND_DISPLAY": str(display), "PYTHONPATH": MODULES, "HOME": str(self.root)}
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def filter(self, domain: str, label: Label) -> Path:
        """The domain's filter (its control socket where ``bulkhead clipboard`` finds it), its
        windows labelled as the relay does, and one foot window of the domain."""
        (self.sessions / domain).mkdir(parents=True)
        listen = self.sessions / domain / "filter.sock"
        process = self.start([sys.executable, "-m", "saltext.bulkhead.gui.wayland_filter",
                              "--listen", str(listen), "--upstream", str(self.sway.display),
                              "--domain", domain, "--control",
                              str(self.sessions / domain / "clipboard.sock")], "")
        wait_for(listen, process, "the filter")
        swaymsg(self.sway.ipc, window_rule(process.pid, domain, label))
        self.pids[process.pid] = domain
        self.start(["foot"], listen)
        self.until(lambda: self.window(domain) is not None)
        return listen

    def window(self, domain: str | None) -> dict | None:
        """The foot window of ``domain`` (None: the host's own)."""
        for window in self.sway.windows():
            if window.get("app_id") == "foot" and self.pids.get(window["pid"]) == domain:
                return window
        return None

    def press(self, domain: str | None, key: str) -> None:
        """Focus ``domain``'s window (None: a host window) and press Ctrl+Shift+``key``."""
        window = self.window(domain)
        assert window is not None, (domain, self.sway.windows())
        swaymsg(self.sway.ipc, f"[con_id={window['id']}] focus")
        press_with_ctrl_shift(self.keyboard, KEYS[key])

    def as_user(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                               "--clear-groups", "env", f"XDG_RUNTIME_DIR={self.sway.runtime}",
                               f"WAYLAND_DISPLAY={self.sway.display.name}", *argv],
                              capture_output=True, text=True, timeout=30, check=False)

    def paste_in(self, domain: str) -> str:
        env = {"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(self.sway.runtime),
               "WAYLAND_DISPLAY": str(self.filters[domain])}
        return subprocess.run(["timeout", "20", "wl-paste", "--no-newline"], env=env,
                              capture_output=True, text=True, check=False).stdout

    def until(self, condition, what: str = "") -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            assert time.monotonic() < deadline, what or "\n".join(self.text)
            time.sleep(0.1)

    def pending(self) -> list[dict]:
        result = CliRunner().invoke(app, ["ask", "list", "--json", "--socket",
                                          str(self.ask_socket)])
        return json.loads(result.stdout)["asks"]

    def answer(self, ask_id: str, verdict: str) -> None:
        result = CliRunner().invoke(app, ["ask", "answer", ask_id, verdict, "--socket",
                                          str(self.ask_socket)])
        assert result.exit_code == 0, result.output

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(WAIT_S)
        for process in reversed(self.processes):
            process.terminate()
            process.wait(30)
        self.server.shutdown()
        self.server.server_close()
        self.keyboard.close()
        self.sways.close()


class _ListHandler(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def desk(tmp_path):
    rig = Desk(tmp_path)
    yield rig
    rig.close()


def test_keys_copy_from_the_focused_domain_and_paste_into_another_after_the_users_yes(desk):
    copier = desk.start(["wl-copy", "--foreground", SECRET], desk.filters["work"])
    desk.until(lambda: desk.as_user("wl-paste", "--no-newline").stdout == SECRET)
    assert desk.paste_in("personal") == ""  # not before the keys

    desk.press(None, "c")  # a host window: nothing copied
    desk.until(lambda: any("no domain's: nothing done" in t for t in desk.text))
    assert not desk.buffer.exists()

    desk.press("work", "c")
    desk.until(lambda: any(f"copied {len(SECRET.encode())} bytes from work" in t
                           for t in desk.text))
    assert desk.buffer.exists()
    copier.terminate()

    (desk.policy / "50-clip.policy").write_text("qubes.ClipboardPaste * work personal ask\n")
    desk.press("personal", "v")  # the policy asks: the user says no
    desk.until(lambda: desk.pending())
    [ask] = desk.pending()
    assert (ask["source"], ask["call"], ask["targets"]) == ("work", "qubes.ClipboardPaste",
                                                           ["personal"])
    desk.answer(ask["id"], "deny")
    desk.until(lambda: any("refused by policy: the user refused" in t for t in desk.text))
    assert desk.paste_in("personal") == "" and desk.buffer.exists()

    desk.press("personal", "v")  # asked again: yes
    desk.until(lambda: desk.pending())
    desk.answer(desk.pending()[0]["id"], "allow")
    desk.until(lambda: any("pasted" in t and "from work into personal" in t for t in desk.text))
    assert desk.paste_in("personal") == SECRET
    assert not desk.buffer.exists()
    assert SECRET not in "\n".join(desk.text)  # the text is never logged


def test_a_paste_the_policy_denies_asks_nobody_and_pastes_nothing(desk):
    copier = desk.start(["wl-copy", "--foreground", SECRET], desk.filters["work"])
    desk.until(lambda: desk.as_user("wl-paste", "--no-newline").stdout == SECRET)
    desk.press("work", "c")
    desk.until(lambda: any("bytes from work" in t for t in desk.text))
    copier.terminate()
    desk.press("personal", "v")  # no rule: default deny
    desk.until(lambda: any("from work to personal refused by policy" in t for t in desk.text))
    assert desk.pending() == [] and desk.paste_in("personal") == "" and desk.buffer.exists()
