"""Health checks: one probe over TCP or HTTP against a real local listener, and the consecutive-result thresholds."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest

from runnerlink.runtime.health import HealthCheck, Tally, probe


def _check(protocol: str = "TCP", path: str = "/", healthy: int = 1, unhealthy: int = 3) -> HealthCheck:
    return HealthCheck(protocol, path, interval=1, timeout=1, healthy_threshold=healthy, unhealthy_threshold=unhealthy)


@pytest.fixture
def web():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/ok" else 503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_tcp_passes_on_a_listening_port_and_fails_on_a_closed_one(web):
    assert probe(_check(), "127.0.0.1", web)[0]
    passed, detail = probe(_check(), "127.0.0.1", _closed_port())
    assert not passed and "refused" in detail.lower()


def test_http_passes_only_on_2xx(web):
    assert probe(_check("HTTP", "/ok"), "127.0.0.1", web) == (True, "HTTP GET /ok answered 200")
    assert probe(_check("HTTP", "/down"), "127.0.0.1", web) == (False, "HTTP GET /down answered 503")
    assert not probe(_check("HTTP"), "127.0.0.1", _closed_port())[0]


def test_thresholds_count_consecutive_results():
    tally = Tally(_check(healthy=2, unhealthy=2))
    assert tally.add(True) is None
    assert tally.add(False) is None  # a failure resets the passes
    assert tally.add(True) is None
    assert tally.add(True) == "healthy"
    assert tally.add(False) is None
    assert tally.add(False) == "unhealthy"


def test_from_configuration_reads_app_runner_names():
    check = HealthCheck.from_configuration({"Protocol": "HTTP", "Path": "/health", "Interval": 3, "Timeout": 2,
                                            "HealthyThreshold": 4, "UnhealthyThreshold": 6})
    assert check == HealthCheck("HTTP", "/health", 3.0, 2.0, 4, 6)
    assert "HTTP GET /health every 3 s" in check.describe()
