"""Window labels the domain cannot forge, drawn by sway from which host process made the window.

sway 1.7 matches a window to its client's pid (``[pid=N]``, read by the compositor from the
socket's peer credentials); the relay adds a ``for_window`` rule for each waypipe client it starts,
so only that process's windows get the domain's prefix. sway has no per-window border colour
(``client.*`` colours are global): the label colour is the background of the host-drawn prefix in
the title bar (pango markup; the guest's own title, ``%title``, is escaped by sway), and the
border is forced to ``normal`` (a title bar) so the label is always drawn. A mark
``bulkhead:<domain>`` names the domain in sway's tree for scripts and tests.
"""

from __future__ import annotations

from ..model.label import Label

# Qubes' label colours (background of the prefix, text drawn on it)
COLOURS = {
    Label.red: ("#cc0000", "#ffffff"), Label.orange: ("#f57900", "#000000"),
    Label.yellow: ("#edd400", "#000000"), Label.green: ("#73d216", "#000000"),
    Label.gray: ("#555753", "#ffffff"), Label.blue: ("#3465a4", "#ffffff"),
    Label.purple: ("#75507b", "#ffffff"), Label.black: ("#000000", "#ffffff"),
}
MARK_PREFIX = "bulkhead:"
# The host's copy and paste keys (Qubes' own): sway runs nothing for them (``nop``); the broker,
# subscribed to sway's binding events, acts on the focused window's domain (rpc/clipboard_keys.py)
COPY_BINDING = "nop bulkhead-clipboard copy"
PASTE_BINDING = "nop bulkhead-clipboard paste"
# the static part of the host's sway config: markup in titles (so %title is escaped and the
# prefix coloured) needs a pango font; title bars always drawn
SWAY_CONFIG = f"""# written by bulkhead (docs/gui.md): include it in your sway config.
# Label rules for each GUI domain's windows are added at run time, keyed on the pid of the
# domain's relay (for_window [pid=N]); nothing a domain sends can select them.
font pango:monospace 10
default_border normal 2
# Copy the focused domain's selection to the host's buffer / paste it into the focused domain
# (qubes.ClipboardPaste policy decides; the broker does both, as root)
bindsym Ctrl+Shift+c {COPY_BINDING}
bindsym Ctrl+Shift+v {PASTE_BINDING}
"""


def title_format(domain: str, label: Label) -> str:
    background, foreground = COLOURS[label]
    return (f"<span background='{background}' foreground='{foreground}'><b> [{domain}] </b>"
            f"</span> %title")


def window_rule(pid: int, domain: str, label: Label) -> str:
    """The sway command labelling every window the client ``pid`` makes (domain names are
    ``[a-z][a-z0-9-]*``: nothing in them needs quoting)."""
    criteria = f"[pid={pid}]"
    return (f'for_window {criteria} title_format "{title_format(domain, label)}", '
            f"for_window {criteria} border normal 2, "
            f"for_window {criteria} mark --add {MARK_PREFIX}{domain}")
