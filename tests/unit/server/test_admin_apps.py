"""The App Runner admin reads without a server: no supervisor, bad queries, the log cursor, local names."""

from __future__ import annotations

from runnerlink.cli_apps import log_line, services_row
from runnerlink.runtime.logs import ServiceLog, read_after
from runnerlink.server import admin_apps
from runnerlink.server.app_proxy import without_local_suffix


def test_a_server_that_runs_no_applications_answers_503():
    status, answer = admin_apps.services(None, 4566, {})
    assert status == 503 and "does not run applications" in answer["message"]
    assert admin_apps.service_logs(None, {"service": "x"})[0] == 503


class _Supervisor:
    def services(self):
        return [{"ServiceName": "web1", "ServiceArn": f"arn:aws:apprunner:{region}:111122223333:service/web1/{i}",
                 "ServiceId": str(i), "account": "111122223333", "region": region, "Status": "RUNNING",
                 "logs": "/nonexistent", "ServiceUrl": f"{i}.awsapprunner.com", "hosts": [f"{i}.awsapprunner.com"]}
                for i, region in enumerate(("us-east-1", "eu-west-1"))]


def test_log_queries_name_one_service_or_say_why_not():
    supervisor = _Supervisor()
    assert admin_apps.service_logs(supervisor, {})[0] == 400
    status, answer = admin_apps.service_logs(supervisor, {"service": "web1"})
    assert status == 404 and "us-east-1" in answer["message"] and "eu-west-1" in answer["message"]
    assert admin_apps.service_logs(supervisor, {"service": "web1", "region": "eu-west-1"})[0] == 200
    assert admin_apps.service_logs(supervisor, {"service": "web2"})[0] == 404
    for bad in ({"streams": "stdout"}, {"since": "yesterday"}, {"after": "build:x"}, {"after": "other:1"}):
        status, answer = admin_apps.service_logs(supervisor, {"service": "1", **bad})
        assert status == 400 and answer["message"], bad


def test_local_urls_and_names():
    assert admin_apps.local_url("abc.us-east-1.awsapprunner.com", 4566) == \
        "http://abc.us-east-1.awsapprunner.com.localhost:4566"
    assert without_local_suffix("abc.us-east-1.awsapprunner.com.localhost") == "abc.us-east-1.awsapprunner.com"
    assert without_local_suffix("localhost") == "localhost"
    assert without_local_suffix("example.com") == "example.com"


def test_read_after_gives_each_entry_once_and_waits_for_a_whole_line(tmp_path):
    log = ServiceLog(tmp_path)
    log.write("build", "one", "d1")
    log.write("application", "two", "d1")
    entries, cursor = read_after(tmp_path)
    assert [e["text"] for e in entries] == ["one", "two"]
    assert read_after(tmp_path, offsets=cursor)[0] == []
    with (tmp_path / "build.log").open("a") as handle:
        handle.write('{"time": 1, "text": "half')
    log_entries, cursor = read_after(tmp_path, offsets=cursor)
    assert log_entries == []
    with (tmp_path / "build.log").open("a") as handle:
        handle.write('"}\n')
    log_entries, cursor = read_after(tmp_path, offsets=cursor)
    assert [e["text"] for e in log_entries] == ["half"]
    (tmp_path / "build.log").write_text("")  # made anew: read from its start
    log.write("build", "fresh", "d2")
    assert [e["text"] for e in read_after(tmp_path, ("build",), cursor)[0]] == ["fresh"]


def test_log_lines_and_table_rows():
    line = log_line({"time": 1796286009.1234, "stream": "application", "deployment": "0b8c5128-aaaa", "text": "hi"})
    assert line == "2026-12-03T08:20:09.123Z app   [0b8c5128] hi"
    assert log_line({"time": 0, "stream": "build", "deployment": None, "text": "x"}).endswith("build [-] x")
    row = services_row({"ServiceName": "s", "Status": "PAUSED", "localUrl": "http://u.localhost:1", "port": None,
                        "unavailable": "service s is PAUSED", "public": True, "lastFailure": None})
    assert row == ("s", "PAUSED", "http://u.localhost:1", "service s is PAUSED")
