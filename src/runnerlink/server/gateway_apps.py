"""Requests from a workload to an application (an App Runner service's own hostname), as the subnet gateway carries
them: along the path the network model found, to App Runner's front end, which passes them to the serving instance.

Who may reach what, as App Runner's front end decides it:
- a service's public URL (and its custom domains) over the internet path; a private service's public URL is refused
  (403: a private service "can't be accessed from the internet", and a workload's request along the internet path
  arrives from the internet, so it gets what a request straight to the edge gets);
- a VPC ingress connection's DomainName only through its own apprunner.requests endpoint (the name resolves to its
  ENIs only inside the connection's VPC; from elsewhere it reaches the public front end and is refused, 403);
- an unknown name 404, a service without a serving instance 503 with the reason.
X-Forwarded-For is the address the request arrives from: the workload's public IP or its NAT's Elastic IP over the
internet, its private IP through an endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from runnerlink.network.context import ENDPOINT
from runnerlink.runtime.supervisor import Route
from runnerlink.server import app_traffic
from runnerlink.server.app_proxy import APP_DOMAIN, REFUSAL_CODES, AppProxy, refusal_from_internet, unreachable_text
from runnerlink.server.app_upstream import HOP, Headers, Unreachable
from runnerlink.server.workload_paths import Decision


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Headers
    body: bytes


def is_application(app_proxy: AppProxy | None, decision: Decision) -> bool:
    """Whether the path's host is an application's: an App Runner name, or another name a service answers to (a
    custom domain)."""
    if app_proxy is None:
        return False
    path = decision.path
    return path.application or (path.service is None and app_proxy.route(path.host) is not None)


def _text(status: int, text: str) -> Answer:
    return Answer(status, [(b"content-type", b"text/plain; charset=utf-8")], (text + "\n").encode())


def _refusal(route: Route | None, decision: Decision, host: str) -> Answer | None:
    """Why App Runner's front end does not pass this request on, or None."""
    network = decision.network
    if route is None:
        noun = "has the domain" if host.endswith(APP_DOMAIN) else "answers to"
        return _text(404, f"No App Runner service {noun} {host}.")
    if route.via.get("via") == "ingress":
        if network.outcome == ENDPOINT and network.endpoint == route.via.get("endpoint") \
                and network.vpc == route.via.get("vpc"):
            return None
        return _text(*refusal_from_internet(route, host))
    if network.outcome == ENDPOINT:  # a public name sent to an apprunner.requests ENI: not a name it serves
        return _text(404, f"{host} is not a VPC ingress connection of endpoint {network.endpoint}.")
    refusal = refusal_from_internet(route, host)
    return _text(*refusal) if refusal is not None else None


async def answer(app_proxy: AppProxy, decision: Decision, method: str, target: str, headers: dict[str, str],
                 body: bytes, scheme: str) -> tuple[Answer, dict]:
    """(the answer, its traffic log entry) of one request to an application along a reachable path (routed by the
    name the tunnel was opened for, as App Runner's front end routes by the TLS server name)."""
    network = decision.network
    host = decision.path.host
    headers.pop("proxy-authorization", None)
    route = app_proxy.route(host)
    refused = _refusal(route, decision, host)
    if refused is None and route is not None and route.port is None:
        refused = _text(503, f"{host}: {route.unavailable}.")
    if refused is None and route is not None and route.port is not None:
        client = (network.address if network.outcome == ENDPOINT else network.public_address) or "127.0.0.1"
        try:
            status, answer_headers, answer_body = await app_proxy.exchange(route.port, method, target, headers, body,
                                                                           client, scheme)
        except Unreachable as error:
            refused = _text(502, unreachable_text(host, route, error))
        else:
            # The gateway frames the answer itself: the instance's hop-by-hop headers and length are not copied.
            found = Answer(status, [(k, v) for k, v in answer_headers if k.lower() not in HOP], answer_body)
            return found, app_traffic.entry(network, method, target, status, route)
    assert refused is not None
    message = refused.body.decode("utf-8", "replace").strip()
    code = REFUSAL_CODES.get(refused.status, "Error")
    return refused, app_traffic.entry(network, method, target, refused.status, route, code, message)

