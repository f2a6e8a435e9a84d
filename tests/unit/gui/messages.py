"""Wayland messages for the filter's tests, named by what they are."""

from __future__ import annotations

from saltext.bulkhead.gui.wayland_filter.wire import Message, build, split, string, u32

MARKER = "application/x-bulkhead-test"
REGISTRY = 2
OFFER = 0xFF000001


def get_registry(new_id: int = REGISTRY) -> bytes:
    return build(1, 1, u32(new_id))


def global_(name: int, interface: str, version: int, registry: int = REGISTRY) -> bytes:
    return build(registry, 0, u32(name) + string(interface) + u32(version))


def global_remove(name: int, registry: int = REGISTRY) -> bytes:
    return build(registry, 1, u32(name))


def bind(name: int, interface: str, version: int, new_id: int, registry: int = REGISTRY) -> bytes:
    return build(registry, 0, u32(name) + string(interface) + u32(version) + u32(new_id))


def data_offer(device: int, offer: int = OFFER) -> bytes:
    return build(device, 0, u32(offer))


def mime(offer: int, mime_type: str) -> bytes:
    return build(offer, 0, string(mime_type))


def selection(device: int, offer: int) -> bytes:
    return build(device, 5, u32(offer))


def enter(device: int, offer: int) -> bytes:
    return build(device, 1, u32(7) + u32(9) + u32(0) + u32(0) + u32(offer))


def parse(data: bytes) -> list[Message]:
    buffer = bytearray(data)
    messages = split(buffer)
    assert not buffer
    return messages


def globals_in(data: bytes) -> list[tuple[int, str, int]]:
    """(name, interface, version) of every wl_registry.global event in ``data`` (registry 2)."""
    out = []
    for m in parse(data):
        if m.object_id == REGISTRY and m.opcode == 0:
            length = int.from_bytes(m.body[4:8], "little")
            out.append((int.from_bytes(m.body[:4], "little"), m.body[8:8 + length - 1].decode(),
                        int.from_bytes(m.body[-4:], "little")))
    return out
