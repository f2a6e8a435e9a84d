"""The empty file copy the allowed-call check sends from inside a guest is one the receiver takes."""

from __future__ import annotations

import io
import subprocess

from saltext.bulkhead.filecopy import receive
from saltext.bulkhead.verify.suite.rpc_calls import NO_FILES


def test_the_shell_line_writes_a_copy_of_no_files_the_receiver_accepts(tmp_path):
    stream = subprocess.run(["sh", "-c", NO_FILES], capture_output=True, check=True).stdout
    received = receive(io.BytesIO(stream), tmp_path, "personal")
    assert (received.entries, received.bytes, received.placed) == (0, 0, ())
    assert [p.name for p in tmp_path.iterdir()] == ["personal"]
    assert list((tmp_path / "personal").iterdir()) == []
