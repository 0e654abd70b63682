"""What the tests of running applications share: small real apps written into a directory, a service made from one,
waiting for a status, and requests to a service's URL through the edge."""

from __future__ import annotations

import json
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

# A web app that answers every GET with what it sees: its environment, the request's path and forwarding headers.
# It listens on $PORT; /fail answers 500 and /exit ends the process (to test health checks and restarts).
PYTHON_SERVER = textwrap.dedent('''\
    import http.server, json, os, sys

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/exit":
                os._exit(3)
            status = 500 if self.path == "/fail" else 200
            body = json.dumps({
                "version": os.environ.get("APP_VERSION"), "greeting": os.environ.get("GREETING"),
                "path": self.path, "port": os.environ.get("PORT"), "appPort": os.environ.get("APP_PORT"),
                "forwardedFor": self.headers.get("X-Forwarded-For"),
                "forwardedProto": self.headers.get("X-Forwarded-Proto"), "host": self.headers.get("Host"),
                "built": os.path.exists("built.txt"), "preRun": os.path.exists("pre-run.txt"),
            }).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            print("request", self.command, self.path, flush=True)

    print("app starting on", os.environ["PORT"], flush=True)
    http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
''')

APPRUNNER_YAML = textwrap.dedent('''\
    version: 1.0
    runtime: {runtime}
    build:
      commands:
        build:
          - {build}
    run:
      command: {command}
      network:
        port: 8080
        env: APP_PORT
      env:
        - name: APP_VERSION
          value: "{version}"
        - name: GREETING
          value: hello
''')


def python_app(directory: Path, version: str = "1", build: str = "echo built > built.txt",
               command: str = "python3 server.py", runtime: str = "python3") -> Path:
    """A Python web app with an apprunner.yaml in directory (made if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "server.py").write_text(PYTHON_SERVER)
    (directory / "apprunner.yaml").write_text(APPRUNNER_YAML.format(runtime=runtime, build=build, command=command,
                                                                    version=version))
    return directory


def code_source(url: str, branch: str = "main", configuration: dict | None = None,
                source_directory: str | None = None) -> dict:
    """A SourceConfiguration for the code repository at url (apprunner.yaml unless configuration is given)."""
    code: dict = {"RepositoryUrl": url, "SourceCodeVersion": {"Type": "BRANCH", "Value": branch},
                  "CodeConfiguration": configuration or {"ConfigurationSource": "REPOSITORY"}}
    if source_directory is not None:
        code["SourceDirectory"] = source_directory
    return {"CodeRepository": code, "AutoDeploymentsEnabled": False}


FAST_HEALTH = {"Protocol": "HTTP", "Path": "/", "Interval": 1, "Timeout": 1, "HealthyThreshold": 1,
               "UnhealthyThreshold": 3}


def wait_settled(apprunner, arn: str, timeout: float = 60) -> dict:
    """The service once its operation has ended (its Status is no longer OPERATION_IN_PROGRESS)."""
    deadline = time.monotonic() + timeout
    while True:
        service = apprunner.describe_service(ServiceArn=arn)["Service"]
        if service["Status"] != "OPERATION_IN_PROGRESS":
            return service
        if time.monotonic() > deadline:
            raise AssertionError(f"{arn} still OPERATION_IN_PROGRESS after {timeout} s")
        time.sleep(0.1)


def latest_operation(apprunner, arn: str) -> dict:
    return apprunner.list_operations(ServiceArn=arn)["OperationSummaryList"][0]


def get(server, host: str, path: str = "/", timeout: float = 10) -> tuple[int, str]:
    """(status, body) of GET path with Host: host, straight to the edge (from the internet)."""
    request = urllib.request.Request(f"{server.url}{path}", headers={"Host": host})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get_json(server, host: str, path: str = "/") -> dict:
    status, body = get(server, host, path)
    assert status == 200, (status, body)
    return json.loads(body)
