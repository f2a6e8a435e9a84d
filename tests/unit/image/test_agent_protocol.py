"""The guest agent's request parser, run by the same busybox sh the guest uses."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources

import pytest

BUSYBOX = shutil.which("busybox")
pytestmark = pytest.mark.skipif(BUSYBOX is None, reason="busybox-static is not installed")
PROTOCOL = resources.files("saltext.bulkhead.image") / "guest" / "agent-protocol.sh"


def answer(request: str) -> dict:
    script = f'name=work; . "{PROTOCOL}"; answer "$1"'
    out = subprocess.run([BUSYBOX, "sh", "-c", script, "sh", request], capture_output=True,
                         text=True, check=True, timeout=10).stdout
    assert out.count("\n") == 1, out
    return json.loads(out)


def test_ping_answers_with_name_and_uptime():
    reply = answer('{"id": 41, "op": "ping"}')
    assert reply["id"] == 41 and reply["ok"] is True and reply["name"] == "work"
    assert isinstance(reply["uptime"], float) and reply["uptime"] > 0
    assert answer('{"op":"ping","id":7}')["id"] == 7


@pytest.mark.parametrize("request_id,rest,error", [
    (3, ', "op": "reboot"', "unknown op"),
    (4, "", "missing op"),
    (5, ', "op": 9', "unknown op"),
])
def test_refusals_keep_the_id(request_id, rest, error):
    reply = answer(f'{{"id": {request_id}{rest}}}')
    assert reply == {"id": request_id, "ok": False, "error": error}


@pytest.mark.parametrize("request_line", [
    "garbage", "", '{"id": 1, "op": "ping"} trailing', '{"id": 1, "op": "ping", "x": "a\\"b"}',
    '{"id": 1, "op": ["ping"]}', '{"id": 1, "op": {"x": 1}}', '[{"id": 1, "op": "ping"}]',
    '{"id": 1, "op": "ping", "x": 1.5}', '{"ID": 1, "op": "ping"}',
])
def test_malformed_requests_are_refused_without_echoing(request_line):
    assert answer(request_line) == {"id": None, "ok": False, "error": "malformed request"}


def test_id_is_never_taken_from_inside_a_string_value():
    reply = answer('{"op": "ping", "note": "id: 5"}')
    assert reply["id"] is None and reply["ok"] is True
    assert answer('{"id": "9", "op": "ping"}')["id"] is None


def test_overlong_request_is_refused_cheaply():
    reply = answer('{"id": 1, "op": "ping", "x": "' + "a" * 9000 + '"}')
    assert reply == {"id": None, "ok": False, "error": "request too long"}
