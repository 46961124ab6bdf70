"""The dev server over real sockets: oversized requests and a bounded load test."""

import re
import shutil
import socket
import subprocess

import pytest

from digitpad_bench import browser


def raw_request(url, payload):
    host, port = url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(payload)
        return s.recv(4096).decode("latin-1")


@pytest.fixture
def served(site_root):
    with browser.serving(site_root) as url:
        yield url


def test_oversized_request_line_is_refused(served):
    reply = raw_request(served, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.startswith("HTTP/1.") and " 414 " in reply.splitlines()[0]


def test_oversized_header_is_refused(served):
    reply = raw_request(served, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n")
    assert re.match(r"HTTP/1\.\d (431|400) ", reply), reply[:80]


def test_too_many_headers_are_refused(served):
    headers = b"".join(b"X-%d: y\r\n" % i for i in range(200))
    reply = raw_request(served, b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert re.match(r"HTTP/1\.\d (431|400) ", reply), reply[:80]


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk not installed (apt-get install wrk)")
def test_load_on_loopback_without_errors(site):
    """20 s, 64 connections, 2 threads against the page and its model: no errors."""
    with browser.serving(site) as url:
        result = subprocess.run(["wrk", "-t2", "-c64", "-d20s", "--latency", "--timeout", "10s",
                                 url + "model/model.json"], capture_output=True, text=True, timeout=60)
    out = result.stdout
    print("\n" + out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    assert requests > 1000
    assert "Socket errors" not in out, out
    assert "Non-2xx or 3xx responses" not in out, out
