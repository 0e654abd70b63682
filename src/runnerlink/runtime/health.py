"""App Runner's health checks of an instance: TCP (the port accepts a connection) or HTTP (a GET of the path answers
2xx), each within the timeout, repeated every interval; HealthyThreshold consecutive passes make the instance healthy,
UnhealthyThreshold consecutive failures unhealthy."""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class HealthCheck:
    protocol: str  # "TCP" | "HTTP"
    path: str
    interval: float
    timeout: float
    healthy_threshold: int
    unhealthy_threshold: int

    @classmethod
    def from_configuration(cls, configuration: dict) -> "HealthCheck":
        """From the service's HealthCheckConfiguration (always complete: App Runner's defaults are filled in)."""
        return cls(protocol=configuration.get("Protocol", "TCP"), path=configuration.get("Path") or "/",
                   interval=float(configuration.get("Interval", 5)), timeout=float(configuration.get("Timeout", 2)),
                   healthy_threshold=int(configuration.get("HealthyThreshold", 1)),
                   unhealthy_threshold=int(configuration.get("UnhealthyThreshold", 5)))

    def describe(self) -> str:
        target = f"HTTP GET {self.path}" if self.protocol == "HTTP" else "TCP"
        return (f"{target} every {self.interval:g} s (timeout {self.timeout:g} s, healthy after "
                f"{self.healthy_threshold}, unhealthy after {self.unhealthy_threshold})")


def probe(check: HealthCheck, host: str, port: int) -> tuple[bool, str]:
    """One health check of host:port: (passed, what happened)."""
    if check.protocol != "HTTP":
        try:
            with socket.create_connection((host, port), timeout=check.timeout):
                return True, f"TCP {port} accepted a connection"
        except OSError as error:
            return False, f"TCP {port}: {error.strerror or error}"
    connection = http.client.HTTPConnection(host, port, timeout=check.timeout)
    try:
        connection.request("GET", check.path, headers={"User-Agent": "runnerlink-health-check",
                                                       "Connection": "close"})
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        return False, f"HTTP GET {check.path}: {getattr(error, 'strerror', None) or error or type(error).__name__}"
    finally:
        connection.close()
    if 200 <= status < 300:
        return True, f"HTTP GET {check.path} answered {status}"
    return False, f"HTTP GET {check.path} answered {status}"


class Tally:
    """Consecutive passes and failures: healthy / unhealthy once a threshold is reached."""

    def __init__(self, check: HealthCheck):
        self.check = check
        self.passes = 0
        self.failures = 0

    def add(self, passed: bool) -> str | None:
        """Count one result; "healthy" or "unhealthy" when that threshold is reached now, else None."""
        if passed:
            self.passes, self.failures = self.passes + 1, 0
            return "healthy" if self.passes >= self.check.healthy_threshold else None
        self.passes, self.failures = 0, self.failures + 1
        return "unhealthy" if self.failures >= self.check.unhealthy_threshold else None
