"""One client connection's filter, both directions, as a pure state machine over bytes.

``requests`` takes bytes from the client and returns the bytes to send to the compositor;
``events`` the other way; ``take_upstream`` returns requests the filter makes itself (destroys
of withheld offers), always at a message boundary. A message to an object the filter does not
track passes byte for byte: the filter only needs to know the registries, the data device
objects, the decoration objects and the xdg-shell objects down to toplevels. Every one of those
is created by a message it reads, and forgotten at the request that destroys it (not at
delete_id: the compositor frees a client's id at once, so a hostile client may reuse it before).
Any ``Violation`` (malformed header, bind of a global not offered, an unparseable message of a
tracked object) means: close the connection.
"""

from __future__ import annotations

from . import decoration, shell
from .clipboard import DEVICE, MANAGER, SOURCE, Clipboard
from .registry import DISPLAY, GET_REGISTRY, Registries
from .wire import Message, split

CLIPBOARD_KINDS = frozenset({MANAGER, DEVICE, SOURCE})
DECORATION_KINDS = frozenset({decoration.MANAGER, decoration.DECORATION})
SHELL_KINDS = frozenset({shell.WM_BASE, shell.SURFACE, shell.TOPLEVEL})
BOUND = {MANAGER} | DECORATION_KINDS | {shell.WM_BASE}  # interfaces tracked from the bind


class Stream:
    """The filter of one connection; raises ``wire.Violation`` to have it closed. ``marker`` is
    the domain's (``clipboard.new_marker``), the same for all its connections."""

    def __init__(self, marker: str) -> None:
        self.kinds: dict[int, str] = {}  # tracked objects made by binds or tracked requests
        self.registries = Registries()
        self.clipboard = Clipboard(self.kinds, marker)
        self.from_client = bytearray()
        self.from_compositor = bytearray()

    def requests(self, data: bytes) -> bytes:
        self.from_client += data
        return b"".join(self.request(m) for m in split(self.from_client))

    def events(self, data: bytes) -> bytes:
        self.from_compositor += data
        return b"".join(self.event(m) for m in split(self.from_compositor))

    def take_upstream(self) -> bytes:
        out = bytes(self.clipboard.to_upstream)
        self.clipboard.to_upstream.clear()
        return out

    def request(self, message: Message) -> bytes:
        object_id = message.object_id
        self.clipboard.check_request(object_id)
        if object_id == DISPLAY and message.opcode == GET_REGISTRY:
            self.registries.get_registry(message)
        elif self.registries.is_registry(object_id):
            new_id, interface = self.registries.bind(message)
            if interface in BOUND:
                self.clipboard.new(new_id, interface)
        elif self.kinds.get(object_id) in CLIPBOARD_KINDS:
            return self.clipboard.request(message)
        elif self.kinds.get(object_id) in DECORATION_KINDS:
            return decoration.request(self.kinds, message)
        elif self.kinds.get(object_id) in SHELL_KINDS:
            return shell.request(self.kinds, message)
        return message.raw

    def event(self, message: Message) -> bytes:
        if self.registries.is_registry(message.object_id):
            return self.registries.event(message) or b""
        handled = self.clipboard.event(message)
        return message.raw if handled is None else handled
