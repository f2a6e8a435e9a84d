"""The clipboard, per domain: a domain's windows read only a selection (or a drag) the domain made.

Every wl_data_source a client creates gets one more MIME type from the filter, the domain's
``marker`` (random per filter process, which serves one domain; never forwarded to a client). The
compositor introduces each offer by wl_data_device.data_offer, lists its MIME types, then names it
in selection (a clipboard) or enter (a drag). The filter holds the offer's events until then: the
offer passes only if its types include the domain's marker, which only the domain's own sources
carry. Otherwise the client gets selection or enter with a null offer, the held events are dropped,
and the filter destroys the offer at the compositor; a request to such an offer closes the
connection.

Why a marker and not "this client set the selection and nobody replaced it": the compositor may
send another client's offer (on focus) before it has processed our set_selection, and events of
other connections arrive in no fixed order; the marker travels inside the offer itself, so no
timing can pass someone else's offer off as ours. A source carries another domain's marker
only if its own client offers that type: then it gives its own data away, which it could anyway.

For ``bulkhead clipboard copy`` (``control``) it also tracks the connection's sources, which offer
``TEXT``, and its live selection (set_selection, until destroy or the compositor's cancelled).
"""

from __future__ import annotations

import itertools
import secrets

from .wire import Args, Message, Violation, build, u32
from .wire import string as string_arg

MANAGER, DEVICE, SOURCE = "wl_data_device_manager", "wl_data_device", "wl_data_source"
CREATE_SOURCE, GET_DEVICE = 0, 1
SOURCE_OFFER, SOURCE_DESTROY, LAST_SOURCE_REQUEST = 0, 1, 2
SOURCE_SEND, SOURCE_CANCELLED, LAST_SOURCE_EVENT = 1, 2, 5
SET_SELECTION, RELEASE = 1, 2
TEXT = "text/plain;charset=utf-8"  # the only type `bulkhead clipboard copy` fetches
ORDER = itertools.count(1)  # orders set_selection across the domain's connections
DATA_OFFER, ENTER, SELECTION, LAST_DEVICE_EVENT = 0, 1, 5, 5
OFFER_MIME, OFFER_DESTROY = 0, 2
SERVER_IDS = range(0xFF000000, 0x1_0000_0000)
MAX_HELD_OFFERS, MAX_HELD_EVENTS, MAX_REFUSED = 8, 256, 4096


def new_marker() -> str:
    """A domain's marker: a MIME type no client guesses (128 random bits)."""
    return f"application/x-bulkhead-{secrets.token_hex(16)}"


class Clipboard:
    """Data device managers, devices and pending offers of one connection."""

    def __init__(self, kinds: dict[int, str], marker: str) -> None:
        self.kinds = kinds  # the connection's tracked objects: id -> interface
        self.marker = marker
        self.held: dict[int, list[Message]] = {}  # offer -> its events, not yet forwarded
        self.refused: set[int] = set()  # offers destroyed by the filter
        self.to_upstream = bytearray()  # the filter's own requests (destroys of refused offers)
        self.texts: set[int] = set()  # sources that offer TEXT
        self.selected: int | None = None  # the source of this connection's live set_selection
        self.selected_at = 0  # when (ORDER), to find the domain's latest

    def new(self, object_id: int, interface: str) -> None:
        if object_id in self.kinds or object_id == 0 or object_id in SERVER_IDS:
            raise Violation(f"new {interface} with an id in use or invalid")
        self.kinds[object_id] = interface

    def request(self, message: Message) -> bytes:
        """The bytes to send upstream for a request to a manager or a device."""
        kind, args = self.kinds[message.object_id], Args(message)
        if kind == SOURCE:
            return self.source_request(message, args)
        if kind == MANAGER and message.opcode == CREATE_SOURCE:
            source = args.uint()
            args.end()
            if source == 0 or source in SERVER_IDS or source in self.kinds:
                raise Violation("data source with an invalid id")
            self.kinds[source] = SOURCE
            return message.raw + build(source, SOURCE_OFFER, string_arg(self.marker))
        if kind == MANAGER and message.opcode == GET_DEVICE:
            self.new(args.uint(), DEVICE)
        elif kind == DEVICE and message.opcode == SET_SELECTION:
            source = args.uint()
            args.uint()  # the serial: the compositor checks it
            args.end()
            self.selected = source if self.kinds.get(source) == SOURCE else None
            self.selected_at = next(ORDER)
        elif kind == DEVICE and message.opcode == RELEASE:
            args.end()
            del self.kinds[message.object_id]
        elif kind == MANAGER or message.opcode > RELEASE:
            raise Violation(f"unknown request {message.opcode} to {kind}")
        return message.raw

    def source_request(self, message: Message, args: Args) -> bytes:
        source = message.object_id
        if message.opcode == SOURCE_OFFER:
            if args.string() == TEXT:
                self.texts.add(source)
        elif message.opcode == SOURCE_DESTROY:
            del self.kinds[source]
            self.texts.discard(source)
            self.selected = None if self.selected == source else self.selected
        elif message.opcode > LAST_SOURCE_REQUEST:
            raise Violation(f"unknown request {message.opcode} to {SOURCE}")
        return message.raw

    def text_selection(self) -> int | None:
        """This connection's live selection source, if it offers TEXT."""
        return self.selected if self.selected in self.texts else None

    def send_text(self) -> bytes:
        """The event asking the selection's source to write its TEXT (the fd travels beside)."""
        source = self.text_selection()
        if source is None:
            raise ValueError("no selection offering text")
        return build(source, SOURCE_SEND, string_arg(TEXT))

    def check_request(self, object_id: int) -> None:
        if object_id in self.refused or object_id in self.held:
            raise Violation(f"request to offer {object_id} the filter withheld")

    def event(self, message: Message) -> bytes | None:
        """The bytes to forward for an event the clipboard handles, or None if not its own."""
        object_id = message.object_id
        if object_id in self.held:
            if len(self.held[object_id]) >= MAX_HELD_EVENTS:
                raise Violation("too many events for one offer")
            self.held[object_id].append(message)
            return b""
        if object_id in self.refused:
            return b""
        if self.kinds.get(object_id) == SOURCE:
            if message.opcode > LAST_SOURCE_EVENT:
                raise Violation(f"unknown {SOURCE} event {message.opcode}")
            if message.opcode == SOURCE_CANCELLED and self.selected == object_id:
                self.selected = None  # another client's selection replaced it
            return None
        if self.kinds.get(object_id) == DEVICE:
            return self.device_event(message)
        return None

    def is_marker(self, offer: int, event: Message) -> bool:
        """Whether ``event`` is the offer's MIME type that is our marker."""
        return (event.object_id == offer and event.opcode == OFFER_MIME
                and Args(event).string() == self.marker)

    def device_event(self, message: Message) -> bytes:
        args = Args(message)
        if message.opcode == DATA_OFFER:
            offer = args.uint()
            args.end()
            if offer not in SERVER_IDS or len(self.held) >= MAX_HELD_OFFERS:
                raise Violation("data offer with a client id, or too many pending offers")
            self.refused.discard(offer)
            self.held[offer] = [message]
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
        if held is not None and any(self.is_marker(offer, e) for e in held):
            kept = b"".join(e.raw for e in held if not self.is_marker(offer, e))
            return kept + message.raw
        if held is not None:
            if len(self.refused) >= MAX_REFUSED:  # the compositor reuses freed ids: never here
                raise Violation("too many refused offers")
            self.refused.add(offer)
            self.to_upstream += build(offer, OFFER_DESTROY, b"")
        body = b"".join(u32(v) for v in head) + u32(0)
        return build(message.object_id, message.opcode, body)
