"""Read the pixels of a binary PPM (P6), what ``grim -t ppm`` writes: no image library needed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ppm:
    width: int
    height: int
    data: bytes


def read_ppm(raw: bytes) -> Ppm:
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:  # magic, width, height, maxval; whitespace and comments between
        while raw[pos:pos + 1].isspace():
            pos += 1
        if raw[pos:pos + 1] == b"#":
            pos = raw.index(b"\n", pos) + 1
            continue
        end = pos
        while not raw[end:end + 1].isspace():
            end += 1
        fields.append(raw[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("not an 8-bit binary PPM")
    width, height = int(fields[1]), int(fields[2])
    data = raw[pos + 1:pos + 1 + width * height * 3]
    if len(data) != width * height * 3:
        raise ValueError("a PPM cut short")
    return Ppm(width, height, data)


def pixel(image: Ppm, x: int, y: int) -> str:
    """``#rrggbb`` at (x, y)."""
    offset = (y * image.width + x) * 3
    return "#" + image.data[offset:offset + 3].hex()
