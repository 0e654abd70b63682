"""`runnerlink serve` configured by environment, and the CLI's local stand-ins for out-of-band AWS steps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

from tests.server import free_port


def test_serve_reads_runnerlink_environment_variables():
    port = free_port()
    gateway_port = free_port()
    env = {**os.environ, "RUNNERLINK_PORT": str(port), "RUNNERLINK_STATE": "memory", "RUNNERLINK_REGION": "eu-west-1",
           "RUNNERLINK_GATEWAY_PORT": str(gateway_port)}
    process = subprocess.Popen([sys.executable, "-m", "runnerlink", "serve"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_runnerlink/health", timeout=1) as response:
                    health = json.load(response)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        assert health["region"] == "eu-west-1"
        assert health["state"] == "memory"
        assert health["gateway"]["port"] == gateway_port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_complete_handshake_command(server, apprunner):
    arn = apprunner.create_connection(ConnectionName="github-conn", ProviderType="GITHUB")["Connection"]["ConnectionArn"]
    result = subprocess.run([sys.executable, "-m", "runnerlink", "complete-handshake", arn,
                             "--endpoint-url", server.url], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Connection"]["Status"] == "AVAILABLE"
    assert apprunner.list_connections()["ConnectionSummaryList"][0]["Status"] == "AVAILABLE"
    missing = arn[:-4] + "0000"
    result = subprocess.run([sys.executable, "-m", "runnerlink", "complete-handshake", missing,
                             "--endpoint-url", server.url], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "ResourceNotFoundException" in result.stderr
