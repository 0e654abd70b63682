"""A Node.js app really runs: apprunner.yaml's nodejs18 runtime (revised build, with pre-run) stood in for by the
machine's node, served at its URL to curl and to a SigV4-signed request; without node on PATH the service ends
CREATE_FAILED and its deployment log names what is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.app_helpers import FAST_HEALTH, code_source, latest_operation, wait_settled
from tests.server import RunningServer

NODE_SERVER = textwrap.dedent('''\
    const http = require("http");
    const fs = require("fs");
    const port = Number(process.env.PORT);
    http.createServer((req, res) => {
      const body = JSON.stringify({
        runtime: "node", node: process.version, path: req.url, port: process.env.PORT,
        greeting: process.env.GREETING || null, preRun: process.env.PRE_RUN_MARK || null,
        built: fs.existsSync("built.txt") ? fs.readFileSync("built.txt", "utf8").trim() : null,
        authorization: req.headers["authorization"] || null, amzDate: req.headers["x-amz-date"] || null,
        host: req.headers["host"], forwardedFor: req.headers["x-forwarded-for"] || null,
      });
      res.writeHead(200, {"Content-Type": "application/json", "Content-Length": Buffer.byteLength(body)});
      res.end(body);
    }).listen(port, "127.0.0.1", () => console.log("node app listening on", port));
''')

APPRUNNER_YAML = textwrap.dedent('''\
    version: 1.0
    runtime: nodejs18
    build:
      commands:
        build:
          - node --version > built.txt
    run:
      pre-run:
        - export PRE_RUN_MARK=from-pre-run
      command: node server.js
      network:
        port: 8080
      env:
        - name: GREETING
          value: hello-node
''')

needs_node = pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                                reason="node and npm are not installed on this machine")


def node_app(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "server.js").write_text(NODE_SERVER)
    (directory / "apprunner.yaml").write_text(APPRUNNER_YAML)
    return directory


def _create(apprunner, name: str, app: Path) -> dict:
    return apprunner.create_service(ServiceName=name, SourceConfiguration=code_source(f"file://{app}"),
                                    HealthCheckConfiguration=FAST_HEALTH)["Service"]


@needs_node
def test_a_node_app_builds_runs_and_answers_curl_and_a_signed_request(server, apprunner, tmp_path):
    service = _create(apprunner, "node-hello", node_app(tmp_path / "app"))
    assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "RUNNING"
    host = service["ServiceUrl"]

    curl = subprocess.run(["curl", "-sS", "--noproxy", "*", "-H", f"Host: {host}", f"{server.url}/from-curl?x=1"],
                          capture_output=True, text=True, timeout=10, check=True)
    seen = json.loads(curl.stdout)
    assert seen["runtime"] == "node" and seen["path"] == "/from-curl?x=1" and seen["host"] == host
    assert seen["built"] == subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    assert seen["greeting"] == "hello-node" and seen["preRun"] == "from-pre-run"
    assert seen["forwardedFor"] == "127.0.0.1" and seen["authorization"] is None

    # App Runner's URLs need no signature, but a signed call passes through untouched to the app.
    request = AWSRequest(method="GET", url=f"{server.url}/signed", headers={"Host": host})
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "apprunner", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, headers=dict(request.headers.items()))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(prepared, timeout=10) as response:
        signed = json.load(response)
    assert signed["path"] == "/signed"
    assert signed["authorization"] == request.headers["Authorization"]
    assert signed["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-east-1/apprunner/aws4_request" in signed["authorization"]
    assert signed["amzDate"] == request.headers["X-Amz-Date"]


def test_a_runtime_missing_here_ends_create_failed_naming_the_executable(tmp_path):
    """A server whose PATH holds python3 only: nodejs18 can't be stood in for, and the deployment log says why."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    state = tmp_path / "state"
    running = RunningServer(state=state, extra_env={"PATH": str(bin_dir)}).start()
    try:
        apprunner = running.client("apprunner")
        service = _create(apprunner, "no-node", node_app(tmp_path / "app"))
        assert wait_settled(apprunner, service["ServiceArn"])["Status"] == "CREATE_FAILED"
        assert latest_operation(apprunner, service["ServiceArn"])["Status"] == "FAILED"
        lines = [json.loads(line)["text"] for line in
                 (state / "apps" / service["ServiceId"] / "build.log").read_text().splitlines()]
        reason = "runtime NODEJS_18 needs node and npm on this machine's PATH; node and npm are not found"
        assert any(reason in line for line in lines), lines
    finally:
        running.stop()
