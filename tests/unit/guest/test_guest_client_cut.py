"""The copy tool's call cut mid-copy: the test plays bulkhead-rpcd on the tool's real unix socket
(real frames) and loses the channel while the file's DATA flows. The tool exits 255 with one
line on stderr, never a traceback, and no thread of it outlives the call (one left at interpreter
exit ends by pthread_exit, which aborted the guest's tool with 134: its image had no libgcc_s)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.guest.client import call
from saltext.bulkhead.rpcwire.frames import FrameReader, Kind, encode
from saltext.bulkhead.rpcwire.messages import encode_exit, encode_result

MODULES = Path(__file__).resolve().parents[3] / "modules"
FILE_BYTES = 8 << 20  # far more than the socket buffers hold: the tool is still sending when cut
CUT_AFTER = 256 << 10  # bytes of DATA the test takes before it loses the channel
GOOD_REPLY = encode_result("beta") + encode(Kind.DATA, b"received 1 entries\n") + encode_exit(0)


class Rpcd:
    """One call on a listening unix socket, the way bulkhead-rpcd answers, until ``cut``."""

    def __init__(self, path: Path, cut):
        self.path = str(path)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(1)
        self.cut, self.received = cut, 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        reader = FrameReader(conn)
        assert reader.next().kind is Kind.CALL
        conn.sendall(encode_result("beta"))
        while self.received < CUT_AFTER:
            frame = reader.next()
            assert frame is not None and frame.kind is Kind.DATA
            self.received += len(frame.payload)
        self.conn = conn
        self.cut(conn)

    def close(self) -> None:
        if not hasattr(self, "conn"):  # the tool never got as far: wake the accept
            self.server.shutdown(socket.SHUT_RDWR)
        self.thread.join()
        if hasattr(self, "conn"):
            self.conn.close()
        self.server.close()


def _closes(conn: socket.socket) -> None:  # rpcd gone, or its socket closed mid-transfer
    conn.close()


def _host_gone(conn: socket.socket) -> None:  # rpcd's answer when the host channel is lost;
    conn.sendall(encode_exit(255))  # it then reads no more of what the tool sends


def _broken_frame(conn: socket.socket) -> None:
    conn.sendall(b"Z\0\0\0\1z")


CUTS = {"closed": _closes, "host gone": _host_gone, "broken frame": _broken_frame}


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(os.urandom(FILE_BYTES))
    return path


@pytest.mark.parametrize("cut", CUTS.values(), ids=CUTS.keys())
def test_the_copy_tool_cut_mid_copy_exits_255_with_one_line(tmp_path, big_file, cut):
    rpcd = Rpcd(tmp_path / "rpc.sock", cut)
    # As the guest runs /usr/bin/bulkhead-copy: isolated, the package put first on the path.
    program = ("import sys; sys.path.insert(0, sys.argv[1]);"
               "from saltext.bulkhead.guest.client import copy_main;"
               "sys.exit(copy_main(sys.argv[3:], local_socket=sys.argv[2]))")
    try:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", program, str(MODULES), rpcd.path,
                               "beta", str(big_file)], capture_output=True, timeout=120)
    finally:
        rpcd.close()
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 255, done.stderr
    assert len(lines) == 1 and lines[0].startswith("qubes.Filecopy+ to beta: cut, exit 255 ("), (
        lines
    )
    assert done.stdout == b""
    assert rpcd.received >= CUT_AFTER


@pytest.mark.parametrize("cut", CUTS.values(), ids=CUTS.keys())
def test_no_thread_of_the_call_outlives_it(tmp_path, big_file, cut):
    from saltext.bulkhead.filecopy import send

    before = threading.active_count()
    rpcd = Rpcd(tmp_path / "rpc.sock", cut)
    err = io.StringIO()
    try:
        rc = call("beta", "qubes.Filecopy+", send([big_file]), io.BytesIO(), rpcd.path, err)
        assert threading.active_count() == before + rpcd.thread.is_alive()
    finally:
        rpcd.close()
    assert rc == 255 and err.getvalue().count("\n") == 1, err.getvalue()


@settings(max_examples=60, deadline=None)
@given(keep=st.integers(min_value=0, max_value=len(GOOD_REPLY)))
def test_a_reply_cut_at_any_byte_is_255_unless_the_exit_arrived(tmp_path_factory, keep):
    path = tmp_path_factory.mktemp("cut") / "rpc.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def serve():
        conn, _ = server.accept()
        with conn:
            reader = FrameReader(conn)
            assert reader.next().kind is Kind.CALL
            answer = len(encode_result("beta"))
            conn.sendall(GOOD_REPLY[:min(keep, answer)])
            if keep < answer:
                return
            while (frame := reader.next()) is not None and frame.kind is not Kind.EOF:
                pass
            conn.sendall(GOOD_REPLY[answer:keep])

    rpcd = threading.Thread(target=serve)
    rpcd.start()
    out, err = io.BytesIO(), io.StringIO()
    try:
        rc = call("beta", "test.Echo+", [b"x" * 1000], out, str(path), err)
    finally:
        rpcd.join()
        server.close()
    if keep == 0:  # no answer at all
        assert rc == 255 and "cut, exit 255 (" in err.getvalue()
    elif keep == len(GOOD_REPLY):
        assert (rc, err.getvalue(), out.getvalue()) == (0, "", b"received 1 entries\n")
    else:
        assert rc == 255, err.getvalue()
        assert err.getvalue().count("\n") == 1 and "cut, exit 255 (" in err.getvalue()


def test_a_call_that_ends_while_its_stdin_stays_open_exits_at_once(tmp_path):
    """bulkhead-rpc's feeder waits on stdin, which may never end: the call's end wakes it."""
    path = tmp_path / "rpc.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    program = ("import sys; sys.path.insert(0, sys.argv[1]);"
               "from saltext.bulkhead.guest.client import rpc_main;"
               "sys.exit(rpc_main(sys.argv[3:], local_socket=sys.argv[2]))")
    tool = subprocess.Popen([sys.executable, "-I", "-S", "-c", program, str(MODULES), str(path),
                             "beta", "test.Echo+"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        conn, _ = server.accept()
        with conn:
            assert FrameReader(conn).next().kind is Kind.CALL
            conn.sendall(encode_result("beta") + encode(Kind.DATA, b"hi\n") + encode_exit(3))
            rc = tool.wait(timeout=60)  # its stdin is still open: nothing ends it but the call
    finally:
        tool.kill()
        tool.wait()
        server.close()
    assert (rc, tool.stdout.read(), tool.stderr.read()) == (3, b"hi\n", b"")
    tool.stdin.close()
