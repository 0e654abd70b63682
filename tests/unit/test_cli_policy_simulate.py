"""`policy simulate`'s batch machinery, as pure code: output lines, the policy cache, the case reader."""

from __future__ import annotations

import json

import pytest

from runnerlink import cli_policy
from runnerlink.cli_policy import PolicyCache, _outcome, _Reader, result_line, run_case

ALICE = "arn:aws:iam::111122223333:user/alice"
LIST = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Lists", "Effect": "Allow", "Action": "apprunner:List*", "Resource": "*"}]}
DENY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Nothing", "Effect": "Deny", "Action": "apprunner:*", "Resource": "*"}]}


def case(case_id, *policies, action="apprunner:ListServices"):
    return {"id": case_id, "request": {"principal": ALICE, "action": action}, "identityPolicies": list(policies)}


@pytest.mark.parametrize("case_id", ["plain", "ünï \"quoted\" \\ \u2028 \x00", 7, 2.5, None, True, ["a"]])
def test_a_result_line_is_what_json_dumps_writes(case_id):
    result = run_case(case(case_id, {"name": "nämed \"x\"", "policy": LIST}), 1)
    assert result["decision"] == "allowed"
    line = result_line(_outcome(case(case_id, {"name": "nämed \"x\"", "policy": LIST}), 1, PolicyCache()))
    assert line == json.dumps(result, ensure_ascii=False) + "\n"


def test_an_error_line_and_a_denial_line():
    bad = _outcome({"id": "x", "request": {}}, 1, PolicyCache())
    assert result_line(bad) == json.dumps(bad, ensure_ascii=False) + "\n"
    denied = run_case(case("d", LIST, DENY), 1)
    assert denied["decision"] == "explicitDeny" and denied["blockedBy"] == ["identity"]
    assert [m["sid"] for m in denied["matchedStatements"]] == ["Nothing"]


def test_the_cache_compiles_a_document_once_per_type_and_name(monkeypatch):
    calls = []
    real = cli_policy._compile_document
    monkeypatch.setattr(cli_policy, "_compile_document", lambda *a: calls.append(a[1:]) or real(*a))
    cache = PolicyCache()
    for position in range(5):
        assert _outcome(case(position, {"name": "p", "policy": LIST}), position, cache)["decision"] == "allowed"
    assert calls == [("identity", "p")]
    # The same document under another name, or of another type, is a policy of its own (the name is in the output).
    other = _outcome(case("o", {"name": "q", "policy": LIST}), 1, cache)
    assert other["matchedStatements"][0].policy == "q"
    boundary = {**case("b", {"name": "p", "policy": LIST}), "permissionBoundaries": [{"name": "p", "policy": LIST}]}
    assert _outcome(boundary, 1, cache)["decision"] == "allowed"
    assert calls == [("identity", "p"), ("identity", "q"), ("boundary", "p")]
    # Another document under a name seen before is compiled, not taken for the first one.
    assert _outcome(case("n", {"name": "p", "policy": DENY}), 1, cache)["decision"] == "explicitDeny"


def test_a_bad_document_fails_alike_every_time():
    cache = PolicyCache()
    broken = {"name": "broken", "policy": {"Version": "2012-10-17", "Statement": {
        "Effect": "allow", "Action": "apprunner:ListServices", "Resource": "*"}}}
    first, second = (_outcome(case(i, broken), i, cache) for i in (1, 2))
    assert first["error"] == second["error"] == "broken (identity policy): The policy failed legacy parsing"


def test_non_finite_numbers_are_noted_and_keep_documents_apart():
    reader = _Reader()
    assert reader.loads('{"a": [1, 2.5, "NaN"]}') == {"a": [1, 2.5, "NaN"]} and not reader.non_finite
    assert reader.loads('[1e400]') == [float("inf")] and reader.non_finite
    assert _Reader().loads('[NaN]')[0] != 0 and _Reader().parse_cases("[-Infinity]") == [float("-inf")]
    # orjson writes NaN as null: with non-finite numbers about, the cache keys documents by json instead.
    null_cond = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*", "Condition": {"Null": {"aws:X": None}}}]}
    nan_cond = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "apprunner:List*", "Resource": "*",
         "Condition": {"Null": {"aws:X": float("nan")}}}]}
    for exact, entries in ((True, 1), (False, 2)):
        cache = PolicyCache(exact_keys=exact)
        for document in (null_cond, nan_cond):
            _outcome(case(1, {"name": "p", "policy": document}), 1, cache)
        assert len(cache._entries) == entries  # orjson keys would take the NaN document for the null one


def test_json_lines_and_their_bad_lines_read_as_before():
    text = '{"id": 1}\n\n{not json\n{"id": 2}\n'
    first, bad, second = _Reader().parse_cases(text)
    assert first == {"id": 1} and second == {"id": 2}
    assert bad.message.startswith("line 3 is not JSON: Expecting property name enclosed in double quotes")


def test_lines_before_a_case_that_breaks_the_simulator_are_printed(monkeypatch, capsys):
    real = cli_policy._outcome

    def outcome(case, position, cache):
        if position == 3:
            raise RuntimeError("a bug")
        return real(case, position, cache)

    monkeypatch.setattr(cli_policy, "_outcome", outcome)
    text = "".join(json.dumps(case(i, LIST)) + "\n" for i in range(5))
    with pytest.raises(RuntimeError):
        cli_policy._simulate(text)
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == [0, 1]
