"""App Runner services' own hostnames from workloads, through the subnet gateway: a public service over the internet
path (or unreachable, naming the hop), a private service only through its VPC ingress connection's name via an
apprunner.requests endpoint (refused from the edge, from other VPCs, and by the endpoint's security group), and the
traffic log entries of all of them."""

from __future__ import annotations

import json
import sys

from tests.conftest import wait_for
from tests.e2e.app_helpers import FAST_HEALTH, code_source, get, python_app, wait_settled
from tests.e2e.ec2_fixtures import make_network, make_requests_endpoint
from tests.e2e.test_gateway import exec_in, make_public, runnerlink, traffic, wait_available
from tests.server import RunningServer

# Run inside a workload (proxy and CA bundle from `runnerlink exec`): GET each URL, print one JSON line per URL with
# the status and body, or the error (urllib puts the gateway's CONNECT refusal, reason included, in it); "sleep:S"
# waits S seconds.
FETCH = """
import json, sys, time, urllib.error, urllib.request
for url in sys.argv[1:]:
    if url.startswith("sleep:"):
        time.sleep(float(url[6:]))
        continue
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            print(json.dumps({"status": response.status, "body": response.read().decode()}))
    except urllib.error.HTTPError as error:
        print(json.dumps({"status": error.code, "body": error.read().decode()}))
    except OSError as error:
        print(json.dumps({"status": None, "error": str(getattr(error, "reason", error))}))
"""


def fetch(server, account: str, subnet: str, *urls: str, public_ip: bool = False) -> list[dict]:
    options = ("--public-ip",) if public_ip else ("--no-public-ip",)
    result = exec_in(server, account, subnet, sys.executable, "-c", FETCH, *urls, options=options)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def make_service(apprunner, tmp_path, name: str, public: bool = True) -> dict:
    service = apprunner.create_service(
        ServiceName=name, SourceConfiguration=code_source(f"file://{python_app(tmp_path / name)}"),
        HealthCheckConfiguration=FAST_HEALTH,
        NetworkConfiguration={"IngressConfiguration": {"IsPubliclyAccessible": public}})["Service"]
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    # A private service's description has no ServiceUrl; its public name is still its DNS target.
    service.setdefault("ServiceUrl", apprunner.describe_custom_domains(ServiceArn=service["ServiceArn"])["DNSTarget"])
    return service


def app_entries(server, host: str) -> list[dict]:
    return [e for e in traffic(server, service="apprunner") if e["host"] == host]


def test_a_public_service_from_a_public_subnet_over_https(server, account, ec2, apprunner, tmp_path):
    service = make_service(apprunner, tmp_path, "public-web")
    network = make_network(ec2)
    make_public(ec2, network)
    answer, plain = fetch(server, account, network.subnet_ids[0], f"https://{service['ServiceUrl']}/hello?x=1",
                          f"http://{service['ServiceUrl']}/plain", public_ip=True)
    assert answer["status"] == 200, answer
    assert plain["status"] == 200 and json.loads(plain["body"])["forwardedProto"] == "http"  # absolute-form http
    seen = json.loads(answer["body"])
    assert seen["path"] == "/hello?x=1" and seen["host"] == service["ServiceUrl"]
    assert seen["forwardedProto"] == "https"
    assert seen["forwardedFor"].startswith("192.0.2.")  # the workload's public address, not its private one

    entry, _ = app_entries(server, service["ServiceUrl"])
    assert (entry["source"], entry["outcome"], entry["operation"], entry["status"]) == (
        "vpc", "internet", "GET /hello", 200)
    assert entry["hops"][-1]["step"] == "internet-gateway" and entry["vpc"] == network.vpc_id
    assert entry["application"]["service"] == "public-web" and entry["account"] == account


def test_a_public_service_from_a_private_subnet_without_nat_is_unreachable(server, account, ec2, apprunner,
                                                                         tmp_path):
    service = make_service(apprunner, tmp_path, "public-web")
    network = make_network(ec2)  # no internet gateway, no NAT
    [answer] = fetch(server, account, network.subnet_ids[0], f"https://{service['ServiceUrl']}/")
    assert answer["status"] is None
    assert "502" in answer["error"] and "no route from rtb-" in answer["error"]
    assert service["ServiceUrl"] in answer["error"]

    [entry] = app_entries(server, service["ServiceUrl"])
    assert (entry["outcome"], entry["status"], entry["service"]) == ("unreachable", 502, "apprunner")
    assert entry["hops"][-1] == {"step": "route", "ok": False, "detail": entry["hops"][-1]["detail"]}


def _private_setup(server, account, ec2, apprunner, tmp_path):
    """A private service, a VPC (no internet path) with an apprunner.requests endpoint, and an AVAILABLE ingress
    connection linking them: (service, network, endpoint id, the connection's DomainName)."""
    service = make_service(apprunner, tmp_path, "private-web", public=False)
    network = make_network(ec2)
    endpoint = make_requests_endpoint(ec2, network)
    wait_available(ec2, endpoint)
    connection = apprunner.create_vpc_ingress_connection(
        ServiceArn=service["ServiceArn"], VpcIngressConnectionName="private-web",
        IngressVpcConfiguration={"VpcId": network.vpc_id, "VpcEndpointId": endpoint})["VpcIngressConnection"]
    arn = connection["VpcIngressConnectionArn"]
    wait_for(lambda: apprunner.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)
             ["VpcIngressConnection"]["Status"] == "AVAILABLE")
    return service, network, endpoint, connection["DomainName"]


def test_a_private_service_through_its_ingress_connection(server, account, ec2, apprunner, tmp_path):
    service, network, endpoint, domain = _private_setup(server, account, ec2, apprunner, tmp_path)

    # From the internet (straight to the edge): neither name answers.
    assert get(server, service["ServiceUrl"])[0] == 403
    # (the supervisor routes the name once the connection is AVAILABLE: within moments)
    status, body = wait_for(lambda: (lambda answer: answer if answer[0] != 404 else None)(get(server, domain)))
    assert status == 403 and network.vpc_id in body

    # From the VPC, by the connection's name: through the endpoint, arriving from the workload's private address.
    def served():
        [answer] = fetch(server, account, network.subnet_ids[0], f"https://{domain}/hello")
        return answer if answer["status"] == 200 else None

    answer = served()
    assert answer is not None
    seen = json.loads(answer["body"])
    assert seen["forwardedFor"].startswith("10.0.1.") and seen["forwardedProto"] == "https"
    assert seen["host"] == domain

    # The service's public URL from the same VPC: no internet path there.
    [public] = fetch(server, account, network.subnet_ids[0], f"https://{service['ServiceUrl']}/")
    assert public["status"] is None and "502" in public["error"]

    entries = app_entries(server, domain)
    ok = [e for e in entries if e["status"] == 200]
    assert ok and ok[-1]["outcome"] == "endpoint" and ok[-1]["endpoint"] == endpoint
    assert ok[-1]["operation"] == "GET /hello" and ok[-1]["application"]["via"] == "ingress"
    assert [h["step"] for h in ok[-1]["hops"]] == ["dns", "route", "security-group", "endpoint"]
    edge = [e for e in entries if e["source"] == "internet"]
    assert edge and edge[0]["status"] == 403 and edge[0]["error"] == "Forbidden"

    # `runnerlink resolve` shows the name resolving to the endpoint's ENIs, inside the VPC only.
    result = runnerlink(server, account, "resolve", domain, "--subnet", network.subnet_ids[0],
                        "--endpoint-url", server.url, "--json")
    assert result.returncode == 0, result.stderr
    resolution = json.loads(result.stdout)["resolution"]
    assert resolution["via"] == "private-name" and resolution["endpoint"] == endpoint
    assert all(a.startswith("10.0.") for a in resolution["addresses"]) and resolution["addresses"]
    result = runnerlink(server, account, "trace", f"https://{domain}/", "--subnet", network.subnet_ids[0],
                        "--endpoint-url", server.url)
    assert result.returncode == 0, result.stderr
    assert f"outcome: endpoint — through endpoint {endpoint}" in result.stdout
    assert "endpoint policies do not apply to apprunner.requests" in result.stdout


def test_a_private_service_is_refused_from_another_vpc(server, account, ec2, apprunner, tmp_path):
    service, network, _, domain = _private_setup(server, account, ec2, apprunner, tmp_path)
    other = make_network(ec2, second_octet=1)
    make_public(ec2, other)
    wait_for(lambda: get(server, domain)[0] == 403)  # the supervisor routes the connection's name
    by_name, by_url = fetch(server, account, other.subnet_ids[0], f"https://{domain}/",
                            f"https://{service['ServiceUrl']}/", public_ip=True)
    # The name resolves publicly there, and App Runner's public front end refuses both (403 inside the tunnel).
    assert by_name["status"] == 403 and network.vpc_id in by_name["body"]
    assert by_url["status"] == 403 and "private" in by_url["body"]
    result = runnerlink(server, account, "resolve", domain, "--subnet", other.subnet_ids[0],
                        "--endpoint-url", server.url, "--json")
    resolution = json.loads(result.stdout)["resolution"]
    assert resolution["via"] == "public" and resolution["addresses"][0].startswith("192.0.2.")
    assert f"private to {network.vpc_id}" in resolution["reason"]
    refused = [e for e in app_entries(server, domain) if e["vpc"] == other.vpc_id]
    assert refused and (refused[0]["outcome"], refused[0]["status"]) == ("internet", 403)


def test_the_endpoint_security_group_must_admit_443(server, account, ec2, apprunner, tmp_path):
    _, network, endpoint, domain = _private_setup(server, account, ec2, apprunner, tmp_path)
    ec2.revoke_security_group_ingress(GroupId=network.group_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    [answer] = fetch(server, account, network.subnet_ids[0], f"https://{domain}/")
    assert answer["status"] is None
    assert "502" in answer["error"] and network.group_id in answer["error"] and "443" in answer["error"]
    [entry] = [e for e in app_entries(server, domain) if e["outcome"] == "unreachable"]
    assert entry["hops"][-1]["step"] == "security-group" and entry["endpoint"] == endpoint


def test_an_ingress_name_answers_once_its_connection_turns_available(tmp_path):
    """The gateway's cached decision for a PENDING_CREATION connection's name expires when the status flips (a server
    of its own, with a lifecycle delay long enough to ask while the connection is pending)."""
    delay = 2.5
    slow = RunningServer(state="memory", lifecycle_delay=delay).start()
    try:
        account = "100000000999"
        apprunner, ec2 = slow.client("apprunner", account=account), slow.client("ec2", account=account)
        service = make_service(apprunner, tmp_path, "later", public=False)
        network = make_network(ec2)
        endpoint = make_requests_endpoint(ec2, network)
        wait_available(ec2, endpoint)
        connection = apprunner.create_vpc_ingress_connection(
            ServiceArn=service["ServiceArn"], VpcIngressConnectionName="later",
            IngressVpcConfiguration={"VpcId": network.vpc_id, "VpcEndpointId": endpoint})["VpcIngressConnection"]
        url = f"https://{connection['DomainName']}/"
        early, late = fetch(slow, account, network.subnet_ids[0], url, f"sleep:{delay + 0.3}", url)
        assert early["status"] is None and "PENDING_CREATION" in early["error"]
        assert late["status"] == 200, late
    finally:
        slow.stop()
