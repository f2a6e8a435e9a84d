"""Control payloads: exactly the defined keys and shapes, nothing else."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.rpcwire.frames import Decoder, Kind
from saltext.bulkhead.rpcwire.messages import (
    CallRequest,
    ExecRequest,
    MessageError,
    encode_exit,
    encode_result,
    parse_exit,
    parse_hello,
    parse_result,
)


def payload(frame: bytes) -> bytes:
    (decoded,) = Decoder().feed(frame)
    return decoded.payload


def test_call_round_trip_and_from_call():
    request = CallRequest.from_call("qubes.Filecopy", "work")
    assert request == CallRequest("qubes.Filecopy", "+", "work")
    assert CallRequest.parse(payload(request.encode())) == request
    assert CallRequest.from_call("my.Service+arg", "@dispvm:dvm").argument == "+arg"


@pytest.mark.parametrize("raw", [
    b"", b"[]", b"not json", b"\xff\xfe",
    b'{"service": "s", "argument": "+", "target": "b", "source": "dom0"}',  # no source from callers
    b'{"service": "s", "argument": "+"}',
    b'{"service": "s p", "argument": "+", "target": "b"}',
    b'{"service": "s", "argument": "x", "target": "b"}',
    b'{"service": "s", "argument": "+", "target": "../b"}',
    b'{"service": "s", "argument": "+", "target": "b\\n"}',
    b'{"service": "s", "argument": "+", "target": 7}',
    b'{"service": "s", "argument": "+", "target": "@anyvm"}',
])
def test_malformed_calls_are_refused(raw):
    with pytest.raises(MessageError):
        CallRequest.parse(raw)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["service", "argument", "target", "source", "x"]),
                       st.one_of(st.text(max_size=40), st.integers(), st.none()), max_size=5))
def test_parsed_calls_only_carry_safe_names(raw):
    try:
        request = CallRequest.parse(json.dumps(raw).encode())
    except MessageError:
        return
    for value in (request.service, request.argument, request.target):
        assert not any(c in value for c in "/ \n\t\x00")


def test_exec_result_exit():
    exec_request = ExecRequest("qubes.Filecopy", "+", "work")
    assert ExecRequest.parse(payload(exec_request.encode())) == exec_request
    assert parse_result(payload(encode_result("vault"))) == "vault"
    assert parse_result(payload(encode_result(None))) is None
    assert parse_exit(payload(encode_exit(3))) == 3
    for bad in (b'{"rc": 256}', b'{"rc": -1}', b'{"rc": true}', b'{"rc": "0"}'):
        with pytest.raises(MessageError):
            parse_exit(bad)
    for bad in (b'{"decision": "allow"}', b'{"decision": "deny", "target": "x"}'):
        with pytest.raises(MessageError):
            parse_result(bad)
    with pytest.raises(MessageError):
        parse_hello(b'{"version": 2}')
    assert Kind.EXIT.value == b"S"
