"""qubes.UpdatesProxy's reading of the template's request: only GET/HEAD of http:// URLs, in a
bounded head, sent on in origin form with one Connection: close; anything else is refused with
an HTTP error and connects nowhere. Fuzzed: no input makes it fail otherwise."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.guest.updates_proxy import (
    MAX_HEAD,
    ProxyRefusal,
    read_head,
    serve,
    upstream_request,
)


def test_an_absolute_get_goes_on_in_origin_form():
    lines = read_head(io.BytesIO(b"GET http://deb.debian.org:8080/debian/dists/x?a=1 HTTP/1.1\r\n"
                                 b"Host: deb.debian.org\r\nProxy-Connection: keep-alive\r\n"
                                 b"User-Agent: Debian APT-HTTP/1.3\r\n\r\nrest"))
    host, port, request = upstream_request(lines)
    assert (host, port) == ("deb.debian.org", 8080)
    assert request == (b"GET /debian/dists/x?a=1 HTTP/1.1\r\nHost: deb.debian.org:8080\r\n"
                       b"User-Agent: Debian APT-HTTP/1.3\r\nConnection: close\r\n\r\n")


@pytest.mark.parametrize("line", [
    b"CONNECT deb.debian.org:443 HTTP/1.1", b"POST http://a/ HTTP/1.1", b"GET /relative HTTP/1.1",
    b"GET https://a/ HTTP/1.1", b"GET http://user:pw@a/ HTTP/1.1", b"GET http://a:99999/ HTTP/1.1",
    b"GET http://a/ SPDY/3", b"GET http:/// HTTP/1.1", b"GET  http://a/ HTTP/1.1"])
def test_other_requests_are_refused(line):
    with pytest.raises(ProxyRefusal):
        upstream_request([line])


def test_a_head_too_large_or_cut_is_refused():
    with pytest.raises(ProxyRefusal, match="too large"):
        read_head(io.BytesIO(b"GET http://a/ HTTP/1.1\r\nX: " + b"y" * MAX_HEAD + b"\r\n\r\n"))
    with pytest.raises(ProxyRefusal, match="inside its head"):
        read_head(io.BytesIO(b"GET http://a/ HTTP/1.1\r\nHost: a\r\n"))


def test_a_refused_request_gets_a_502_and_connects_nowhere():
    out = io.BytesIO()
    assert serve(io.BytesIO(b"CONNECT a:443 HTTP/1.1\r\n\r\n"), out) == 1
    assert out.getvalue().startswith(b"HTTP/1.1 502 Bad Gateway\r\n")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_no_request_makes_it_fail_otherwise(data):
    try:
        host, port, request = upstream_request(read_head(io.BytesIO(data)))
    except ProxyRefusal:
        return
    assert 0 <= port <= 65535 and host
    head = request.split(b"\r\n")
    assert head[0].split(b" ")[0] in (b"GET", b"HEAD") and head[0].endswith(b" HTTP/1.1")
    assert head[-3:] == [b"Connection: close", b"", b""]
    assert request.count(b"\r\n\r\n") == 1
