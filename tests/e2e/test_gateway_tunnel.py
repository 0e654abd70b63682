"""Inside one kept-alive tunnel, every request takes the path as it is when it arrives: a changed endpoint policy
judges the very next request, and a removed route or security group rule stops the next one. (The gateway keeps its
decided paths between requests; these show it never serves a stale one.)"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import urllib.request
from urllib.parse import urlsplit

from tests.e2e.ec2_fixtures import make_endpoint, make_network
from tests.e2e.test_gateway import make_public, wait_available

HOST = "apprunner.us-east-1.amazonaws.com"
ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
DENY_LIST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
    {"Sid": "NoListing", "Effect": "Deny", "Principal": "*", "Action": "apprunner:ListServices", "Resource": "*"}]})


def place_workload(server, account: str, subnet: str, public_ip: bool = False) -> dict:
    body = json.dumps({"account": account, "region": "us-east-1", "subnet": subnet, "publicIp": public_ip}).encode()
    request = urllib.request.Request(f"{server.url}/_runnerlink/workloads", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


class Tunnel:
    """CONNECT HOST:443 through the gateway, TLS against runnerlink's CA, then requests on the one connection."""

    def __init__(self, placed: dict):
        proxy = urlsplit(placed["proxy"])
        auth = base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
        sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        sock.sendall(f"CONNECT {HOST}:443 HTTP/1.1\r\nHost: {HOST}:443\r\nProxy-Authorization: Basic {auth}\r\n\r\n"
                     .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, head
            head += chunk
        assert head.startswith(b"HTTP/1.1 200"), head
        self.sock = ssl.create_default_context(cafile=placed["caBundle"]).wrap_socket(sock, server_hostname=HOST)

    def list_services(self, account: str) -> tuple[int, dict] | None:
        """(status, JSON body) of one ListServices, or None when the gateway closed the tunnel instead."""
        body = b"{}"
        self.sock.sendall(
            b"POST / HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\nX-Amz-Target: AppRunner.ListServices\r\n"
            b"Content-Type: application/x-amz-json-1.0\r\nAuthorization: AWS4-HMAC-SHA256 Credential=" + account.encode()
            + b"/20240101/us-east-1/apprunner/aws4_request, SignedHeaders=host, Signature=0\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        data = b""
        for _ in range(1000):  # bounded: an answer is a few reads
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            data += chunk
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                if len(rest) >= length:
                    return int(head[9:12]), json.loads(rest[:length])
        raise AssertionError("no complete answer")

    def close(self) -> None:
        self.sock.close()


def test_a_changed_endpoint_policy_judges_the_next_request_in_the_same_tunnel(server, account, ec2):
    network = make_network(ec2)
    endpoint = make_endpoint(ec2, network, PrivateDnsEnabled=True, PolicyDocument=ALLOW_ALL)["VpcEndpointId"]
    wait_available(ec2, endpoint)
    tunnel = Tunnel(place_workload(server, account, network.subnet_ids[0]))
    try:
        for _ in range(3):  # the same path, decided once and reused
            assert tunnel.list_services(account) == (200, {"ServiceSummaryList": []})

        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PolicyDocument=DENY_LIST)
        status, body = tunnel.list_services(account)
        assert status == 400 and body["__type"].endswith("AccessDeniedException")
        assert "explicit deny in a VPC endpoint policy" in (body.get("message") or body.get("Message"))

        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, ResetPolicy=True)
        assert tunnel.list_services(account) == (200, {"ServiceSummaryList": []})

        # The endpoint's security group stops admitting 443: the next request in the tunnel goes nowhere.
        ec2.revoke_security_group_ingress(GroupId=network.group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
        assert tunnel.list_services(account) is None
    finally:
        tunnel.close()


def test_a_removed_route_stops_the_next_request_in_the_same_tunnel(server, account, ec2):
    network = make_network(ec2)
    make_public(ec2, network)
    tunnel = Tunnel(place_workload(server, account, network.subnet_ids[0], public_ip=True))
    try:
        for _ in range(2):
            assert tunnel.list_services(account) == (200, {"ServiceSummaryList": []})
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]},
                                                    {"Name": "association.main", "Values": ["true"]}])
        ec2.delete_route(RouteTableId=tables["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
        assert tunnel.list_services(account) is None
    finally:
        tunnel.close()
