"""The dashboard's files as the server serves them: the page and its assets with their types, a content security
policy that allows nothing from elsewhere, revalidation by ETag, and clear refusals (writes, unknown files, paths
out of the asset directory). Not recorded in the traffic log."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def fetch(server, path: str, method: str = "GET", headers: dict | None = None):
    request = urllib.request.Request(f"{server.url}/_runnerlink/{path}", method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_page_and_its_assets(server):
    status, headers, body = fetch(server, "ui")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert b'type="module"' in body
    status, headers, body = fetch(server, "ui/app.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8" and body
    status, headers, _ = fetch(server, "ui/style.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"


def test_an_unchanged_asset_is_not_sent_again(server):
    _, headers, _ = fetch(server, "ui/app.js")
    status, _, body = fetch(server, "ui/app.js", headers={"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_refusals(server):
    status, _, body = fetch(server, "ui/nothing-here.js")
    assert status == 404 and "no file" in json.loads(body)["message"]
    for sneaky in ("ui/..%2F..%2Fpyproject.toml", "ui/%2Fetc%2Fpasswd", "ui/.hidden"):
        assert fetch(server, sneaky)[0] == 404
    status, _, body = fetch(server, "ui", method="POST")
    assert status == 405 and json.loads(body)["error"] == "MethodNotAllowed"
    status, _, body = fetch(server, "ui/api/nothing")
    assert status == 404 and json.loads(body)["error"] == "NotFound"


def test_dashboard_reads_are_not_in_the_traffic_log(server):
    before = json.loads(fetch(server, "traffic?limit=1")[2])["last"]
    for path in ("ui", "ui/app.js", "ui/api/scopes", "ui/api/vpcs"):
        assert fetch(server, path)[0] == 200
    assert json.loads(fetch(server, "traffic?limit=1")[2])["last"] == before


def test_serve_names_the_dashboard(tmp_path):
    from tests.server import RunningServer
    running = RunningServer().start()
    try:
        assert f"dashboard: http://127.0.0.1:{running.port}/_runnerlink/ui" in running.output()
    finally:
        running.stop()
