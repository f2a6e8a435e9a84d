"""The guest agent's request parser, run by the same busybox sh the guest uses."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from importlib import resources

import pytest

BUSYBOX = shutil.which("busybox")
pytestmark = pytest.mark.skipif(BUSYBOX is None, reason="busybox-static is not installed")
PROTOCOL = resources.files("saltext.bulkhead.image") / "guest" / "agent-protocol.sh"


def answer(request: str, run_dir: str = "/nonexistent", path_first: str = "") -> dict:
    # The request travels on stdin, as on the port: argv could not carry the longest ones.
    script = (f'PATH={path_first}:$PATH; name=work; AGENT_RUN={run_dir}; . "{PROTOCOL}"; '
              'IFS= read -r line; answer "$line"')
    out = subprocess.run([BUSYBOX, "sh", "-c", script], input=request + "\n", capture_output=True,
                         text=True, check=True, timeout=20).stdout
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
    reply = answer('{"id": 1, "op": "ping", "x": "' + "a" * 140_000 + '"}')
    assert reply == {"id": None, "ok": False, "error": "request too long"}


def run(tmp_path, command: str, **extra) -> dict:
    fields = "".join(f', "{k}": {json.dumps(v)}' for k, v in extra.items())
    cmd = base64.b64encode(command.encode()).decode()
    return answer(f'{{"id": 8, "op": "run", "cmd": "{cmd}"{fields}}}', str(tmp_path))


def test_run_returns_status_and_both_outputs(tmp_path):
    reply = run(tmp_path, "echo 'it''s \"quoted\"'; echo oops >&2; exit 3")
    assert reply["ok"] is True and reply["rc"] == 3 and reply["truncated"] is False
    assert base64.b64decode(reply["stdout"]) == b'its "quoted"\n'
    assert base64.b64decode(reply["stderr"]) == b"oops\n"
    assert list(tmp_path.iterdir()) == []  # the work directory is gone


def test_run_caps_output_and_says_so(tmp_path):
    reply = run(tmp_path, "yes | head -c 100000")
    assert len(base64.b64decode(reply["stdout"])) == 16384 and reply["truncated"] is True


def test_run_kills_a_command_at_its_limit(tmp_path):
    reply = run(tmp_path, "sleep 30", limit=1)
    assert reply["rc"] == 137


@pytest.mark.parametrize("extra,error", [
    ({"cmd": "not*base64"}, "cmd must be non-empty base64"),
    ({"cmd": ""}, "cmd must be non-empty base64"),
    ({"cmd": "ZWNobw==", "limit": 0}, "bad limit"),
    ({"cmd": "ZWNobw==", "limit": -1}, "bad limit"),
])
def test_run_refuses_bad_arguments(tmp_path, extra, error):
    fields = "".join(f', "{k}": {json.dumps(v)}' for k, v in extra.items())
    assert answer(f'{{"id": 2, "op": "run"{fields}}}', str(tmp_path)) == {
        "id": 2, "ok": False, "error": error}


@pytest.mark.parametrize("fields,error", [
    (', "ruleset": "dGFibGU=", "clients": "10.0.0.1; reboot"', "clients must be IPv4 addresses"),
    (', "ruleset": "%%%", "clients": ""', "ruleset must be non-empty base64"),
    (', "clients": "10.0.0.1"', "ruleset must be non-empty base64"),
])
def test_firewall_refuses_bad_arguments_before_touching_nft(tmp_path, fields, error):
    assert answer(f'{{"id": 6, "op": "firewall"{fields}}}', str(tmp_path)) == {
        "id": 6, "ok": False, "error": error}


def test_firewall_status_without_a_delivered_ruleset_is_null(tmp_path):
    assert answer('{"id": 1, "op": "firewall_status"}', str(tmp_path)) == {
        "id": 1, "ok": True, "sha256": None}


def test_nft_refusal_reaches_the_host_as_valid_json_and_changes_nothing(tmp_path):
    # Stands in for nft refusing a ruleset (the real refusals are covered by the guest tests);
    # its message carries the characters that would break the answer's JSON.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nft").write_text('#!/bin/sh\necho \'Error: "x" \\ in\tline 3\' >&2\nexit 1\n')
    (bin_dir / "nft").chmod(0o755)
    run_dir = tmp_path / "run"
    ruleset = base64.b64encode(b"table inet bulkhead {}\n").decode()
    reply = answer(f'{{"id": 4, "op": "firewall", "ruleset": "{ruleset}", "clients": "10.0.0.9"}}',
                   str(run_dir), str(bin_dir))
    assert reply == {"id": 4, "ok": False, "error": "nft refused the ruleset: Error: x  in line 3 "}
    assert not (run_dir / "firewall.nft").exists() and not (run_dir / "clients").exists()
