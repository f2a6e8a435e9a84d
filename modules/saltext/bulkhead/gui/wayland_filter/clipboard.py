"""The clipboard, per connection: a client reads only a selection (or a drag) it made itself.

The compositor introduces every offer by wl_data_device.data_offer, sends its MIME types, then
names it in selection or enter. The filter holds the offer's events until then and decides:
the offer passes only if this connection owns the selection (for selection) or the drag (for
enter): its own wl_data_source, set by a request the compositor has confirmed (``confirm``) and
not cancelled since. Otherwise the client gets selection or enter with a null offer, the held
events are dropped, and the filter destroys the offer at the compositor; a request to such an
offer closes the connection. Events of one connection arrive in order, so a cancel of our source
always comes before an offer of someone else's selection: nothing is guessed across connections.
"""

from __future__ import annotations

from .confirm import Confirmations
from .wire import Args, Message, Violation, build, u32

MANAGER, SOURCE, DEVICE = "wl_data_device_manager", "wl_data_source", "wl_data_device"
CREATE_SOURCE, GET_DEVICE = 0, 1
SOURCE_DESTROY = 1
START_DRAG, SET_SELECTION, RELEASE = 0, 1, 2
CANCELLED, DND_FINISHED, LAST_SOURCE_EVENT = 2, 4, 5
DATA_OFFER, ENTER, SELECTION, LAST_DEVICE_EVENT = 0, 1, 5, 5
OFFER_DESTROY = 2
SERVER_IDS = range(0xFF000000, 0x1_0000_0000)
MAX_HELD_OFFERS, MAX_HELD_EVENTS, MAX_REFUSED = 8, 256, 4096


class Clipboard:
    """Data sources, devices and offers of one connection, and who owns the selection."""

    def __init__(self, kinds: dict[int, str]) -> None:
        self.kinds = kinds  # the connection's tracked objects: id -> interface
        self.confirm = Confirmations()
        self.owner: dict[str, tuple[int, int]] = {}  # "selection"/"drag" -> (source, generation)
        self.held: dict[int, list[bytes]] = {}  # offer -> its events, not yet forwarded
        self.refused: set[int] = set()  # offers destroyed by the filter
        self.to_upstream = bytearray()  # requests of the filter's own (sync, offer destroy)

    def new(self, object_id: int, interface: str) -> None:
        if object_id in self.kinds or object_id == 0 or object_id in SERVER_IDS:
            raise Violation(f"new {interface} with an id in use or invalid")
        self.kinds[object_id] = interface

    def request(self, message: Message) -> bytes:
        """The bytes to send upstream for a request to a clipboard object."""
        kind, args = self.kinds[message.object_id], Args(message)
        out = message.raw
        if kind == MANAGER and message.opcode in (CREATE_SOURCE, GET_DEVICE):
            self.new(args.uint(), SOURCE if message.opcode == CREATE_SOURCE else DEVICE)
        elif kind == SOURCE and message.opcode == SOURCE_DESTROY:
            args.end()
            del self.kinds[message.object_id]
            self.owner = {k: v for k, v in self.owner.items() if v[0] != message.object_id}
        elif kind == DEVICE and message.opcode in (START_DRAG, SET_SELECTION):
            source = args.uint()
            if source and self.kinds.get(source) != SOURCE:
                raise Violation("selection or drag from an object that is not our data source")
            which = "drag" if message.opcode == START_DRAG else "selection"
            self.owner.pop(which, None)
            if source:
                generation, sync = self.confirm.claim()
                self.owner[which] = (source, generation)
                out += sync
        elif kind == DEVICE and message.opcode == RELEASE:
            args.end()
            del self.kinds[message.object_id]
        elif kind == MANAGER or message.opcode > 2:
            raise Violation(f"unknown request {message.opcode} to {kind}")
        return out

    def check_request(self, object_id: int) -> None:
        self.confirm.check_request(object_id)
        if object_id in self.refused or object_id in self.held:
            raise Violation(f"request to offer {object_id} the filter withheld")

    def owns(self, which: str) -> bool:
        source, generation = self.owner.get(which, (0, 0))
        return bool(source) and self.confirm.is_confirmed(generation)

    def event(self, message: Message) -> bytes | None:
        """The bytes to forward for an event the clipboard handles, or None if not its own."""
        object_id = message.object_id
        if self.confirm.event(message):
            return b""
        if object_id in self.held:
            if len(self.held[object_id]) >= MAX_HELD_EVENTS:
                raise Violation("too many events for one offer")
            self.held[object_id].append(message.raw)
            return b""
        if object_id in self.refused:
            return b""
        kind = self.kinds.get(object_id)
        if kind == SOURCE:
            if message.opcode > LAST_SOURCE_EVENT:
                raise Violation(f"unknown wl_data_source event {message.opcode}")
            if message.opcode in (CANCELLED, DND_FINISHED):
                self.owner = {k: v for k, v in self.owner.items() if v[0] != object_id}
            return message.raw
        if kind == DEVICE:
            return self.device_event(message)
        return None

    def device_event(self, message: Message) -> bytes:
        args = Args(message)
        if message.opcode == DATA_OFFER:
            offer = args.uint()
            args.end()
            if offer not in SERVER_IDS or len(self.held) >= MAX_HELD_OFFERS:
                raise Violation("data offer with a client id, or too many pending offers")
            self.refused.discard(offer)
            self.held[offer] = [message.raw]
            return b""
        if message.opcode not in (ENTER, SELECTION):
            if message.opcode > LAST_DEVICE_EVENT:
                raise Violation(f"unknown wl_data_device event {message.opcode}")
            return message.raw
        head = [args.uint() for _ in range(4)] if message.opcode == ENTER else []
        offer = args.uint()
        args.end()
        if offer == 0:
            return message.raw
        held = self.held.pop(offer, None)
        if held is not None and self.owns("drag" if message.opcode == ENTER else "selection"):
            return b"".join(held) + message.raw
        if held is not None:
            if len(self.refused) >= MAX_REFUSED:  # the compositor reuses freed ids: never here
                raise Violation("too many refused offers")
            self.refused.add(offer)
            self.to_upstream += build(offer, OFFER_DESTROY, b"")
        body = b"".join(u32(v) for v in head) + u32(0)
        return build(message.object_id, message.opcode, body)
