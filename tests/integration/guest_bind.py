"""Run INSIDE a GUI domain (python3 guest_bind.py OUT): a hostile Wayland client.

It lists the globals its display offers, binds an offered one (the control: the compositor
answers), then binds the first global number missing from the list (what the host hid; the
filter passes the compositor's own numbers, so a gap is a hidden global) as screencopy, and
writes to OUT what came back: ``answered`` (the bind went through), ``error`` (a
wl_display.error), ``closed`` (the connection ended) or ``no answer`` (nothing within the
wait). Standard library only (the guest's python3).
"""

import os
import select
import socket
import struct
import sys

WAIT_S = 30.0


def message(object_id: int, opcode: int, body: bytes) -> bytes:
    return struct.pack("<II", object_id, (8 + len(body)) << 16 | opcode) + body


def string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return struct.pack("<I", len(data)) + data + b"\0" * (-len(data) % 4)


class Display:
    def __init__(self) -> None:
        if "WAYLAND_SOCKET" in os.environ:  # waypipe server hands its clients a connected fd
            self.sock = socket.socket(fileno=int(os.environ["WAYLAND_SOCKET"]))
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/"),
                                           os.environ["WAYLAND_DISPLAY"]))
        self.buffer = b""
        self.globals: dict[int, str] = {}

    def send(self, object_id: int, opcode: int, body: bytes) -> None:
        self.sock.sendall(message(object_id, opcode, body))

    def sync(self, callback: int) -> str:
        """``answered`` once the callback is done, or how the wait ended."""
        try:
            self.send(1, 0, struct.pack("<I", callback))
        except OSError:  # the other end closed already
            return "closed"
        while True:
            if not select.select([self.sock], [], [], WAIT_S)[0]:
                return "no answer"
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                return "closed"
            if not data:
                return "closed"
            self.buffer += data
            while len(self.buffer) >= 8:
                object_id, word = struct.unpack_from("<II", self.buffer)
                size, opcode = word >> 16, word & 0xFFFF
                if len(self.buffer) < size:
                    break
                body, self.buffer = self.buffer[8:size], self.buffer[size:]
                if object_id == 2 and opcode == 0:  # wl_registry.global
                    name, length = struct.unpack_from("<II", body)
                    self.globals[name] = body[8:8 + length - 1].decode()
                elif object_id == 1 and opcode == 0:  # wl_display.error
                    return "error"
                elif object_id == callback and opcode == 0:
                    return "answered"


def main(out_path: str) -> None:
    lines: list[str] = []
    try:
        bind_hidden(lines)
    except Exception as exc:  # what went wrong is the test's to see
        lines.append(f"failed: {exc!r}")
    with open(out_path, "w") as out:
        out.write("\n".join(lines) + "\n")


def bind_hidden(lines: list[str]) -> None:
    display = Display()
    display.send(1, 1, struct.pack("<I", 2))  # get_registry -> 2
    lines.append(f"globals: {display.sync(3)} {sorted(display.globals.values())}")
    offered = next(n for n, i in display.globals.items() if i == "wl_compositor")
    display.send(2, 0, struct.pack("<I", offered) + string("wl_compositor")
                 + struct.pack("<II", 1, 4))
    lines.append(f"offered bind: {display.sync(5)}")
    hidden = next(n for n in range(1, max(display.globals) + 2) if n not in display.globals)
    lines.append(f"hidden name: {hidden}")
    display.send(2, 0, struct.pack("<I", hidden) + string("zwlr_screencopy_manager_v1")
                 + struct.pack("<II", 1, 6))
    lines.append(f"hidden bind: {display.sync(7)}")


if __name__ == "__main__":
    main(sys.argv[1])
