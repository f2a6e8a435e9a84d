"""Round trips the filter makes itself: "has the compositor done what the client just asked?"

A client that sets the selection is not its owner until the compositor has processed the request:
an event queued before that (a selection offer from another domain, sent as a window of this
connection got focus) would otherwise be taken for this client's own. After each set_selection or
start_drag the filter sends a wl_display.sync of its own, with an id from the top of the client's
id space (``RESERVED``), and counts the request confirmed when the callback's done event comes
back; both that event and the delete_id of the callback are swallowed. A client that addresses a
reserved id, or keeps more syncs in flight than ``RESERVED`` holds, is disconnected.
"""

from __future__ import annotations

from .wire import Args, Message, Violation, build, u32

DISPLAY, SYNC, DELETE_ID, DONE = 1, 0, 1, 0
RESERVED = range(0xFEFFFF00, 0xFF000000)  # the last client-side ids; libwayland counts up from 2


class Confirmations:
    """Generations of ownership claims and how far the compositor has confirmed them."""

    def __init__(self) -> None:
        self.generation = 0  # the latest claim
        self.confirmed = 0  # every claim up to this one has been processed by the compositor
        self.in_flight: dict[int, int] = {}  # reserved callback id -> generation it confirms
        self.deleting: set[int] = set()  # done seen, delete_id not yet

    def claim(self) -> tuple[int, bytes]:
        """A new generation, and the sync request that confirms it (to send right after the
        client's request)."""
        busy = self.in_flight.keys() | self.deleting
        free = next((i for i in RESERVED if i not in busy), None)
        if free is None:
            raise Violation("too many ownership changes in flight")
        self.generation += 1
        self.in_flight[free] = self.generation
        return self.generation, build(DISPLAY, SYNC, u32(free))

    def is_confirmed(self, generation: int) -> bool:
        return generation <= self.confirmed

    def event(self, message: Message) -> bool:
        """True if ``message`` answers one of ours (and must not reach the client)."""
        object_id = message.object_id
        if object_id in self.in_flight:
            if message.opcode != DONE:
                raise Violation("unexpected event on the filter's callback")
            self.confirmed = max(self.confirmed, self.in_flight.pop(object_id))
            self.deleting.add(object_id)
            return True
        if object_id == DISPLAY and message.opcode == DELETE_ID:
            args = Args(message)
            deleted = args.uint()
            args.end()
            if deleted in self.deleting:
                self.deleting.discard(deleted)
                return True
        return False

    @staticmethod
    def check_request(object_id: int) -> None:
        if object_id in RESERVED:
            raise Violation(f"request to reserved object {object_id}")
