"""The qubes.Filecopy service when its caller is gone: a stream cut mid-file and nobody left to
read the answer. It refuses (exit 1), leaves nothing in the target, and writes no traceback
into the guest daemon's log (its stderr)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from saltext.bulkhead.filecopy.wire import FILE, MAGIC, encode_header

MODULES = Path(__file__).resolve().parents[3] / "modules"
PROGRAM = ("import sys; sys.path.insert(0, sys.argv[1]);"
           "from saltext.bulkhead.guest.filecopy_service import main; sys.exit(main(sys.argv[2]))")


def test_a_cut_stream_with_its_reader_gone_is_refused_quietly(tmp_path):
    incoming = tmp_path / "incoming"
    out_r, out_w = os.pipe()
    os.close(out_r)  # the caller's channel is gone: the answer cannot be delivered
    cut = MAGIC + encode_header(FILE, "big", 0o100644, 1 << 20) + b"x" * 1000
    try:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", PROGRAM, str(MODULES),
                               str(incoming)], input=cut, stdout=out_w, stderr=subprocess.PIPE,
                              env={"BULKHEAD_RPC_SOURCE": "alpha"}, timeout=60)
    finally:
        os.close(out_w)
    assert done.returncode == 1
    assert done.stderr == b""
    assert os.listdir(incoming / "alpha") == []
