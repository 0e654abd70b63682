"""`runnerlink policy validate` and `runnerlink policy simulate`: the policy engine from the command line."""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_string  # json.dumps(str, ensure_ascii=False)'s encoder
from typing import Any, Iterable, Iterator

import orjson

from runnerlink.policy.validate_types import POLICY_TYPES

# Case keys holding one policy, a list of policies, or OU levels of policies: (policy type, `evaluate` argument).
SINGLE = {"resourcePolicy": ("resource", "resource"), "trustPolicy": ("trust", "resource"),
          "sessionPolicy": ("session", "session")}
LISTS = {"identityPolicies": ("identity", "identity"), "permissionBoundaries": ("boundary", "boundaries"),
         "vpcEndpointPolicies": ("endpoint", "endpoint")}
LEVELS = {"serviceControlPolicies": ("scp", "scps"), "resourceControlPolicies": ("rcp", "rcps")}
CASE_KEYS = {"id", "request", "description", *SINGLE, *LISTS, *LEVELS}
REQUEST_KEYS = {"principal", "action", "resource", "resourceAccount", "context"}

SIMULATE_HELP = """\
Input: one case, a JSON array of cases, {"cases": [...]}, or JSON lines. A case:
  {"id": "...", "request": {"principal": ARN, "action": "apprunner:CreateService", "resource": ARN or "*",
   "resourceAccount": "111122223333", "context": {"aws:SourceVpce": "vpce-...", "aws:TagKeys": ["team"]}},
   "identityPolicies": [...], "resourcePolicy": {...} or "trustPolicy": {...} (a role's, for sts:AssumeRole: it
   must allow too), "permissionBoundaries": [...], "vpcEndpointPolicies": [...],
   "sessionPolicy": {...}, "serviceControlPolicies": [{"orgIdentifier": "r-root", "policies": [...]}, ...],
   "resourceControlPolicies": [...]}
Every policy key is optional; a policy is a document or {"name": "...", "policy": {...}}. SCP/RCP lists hold OU
levels (root first) of {"orgIdentifier", "policies"}; a plain list of policies is one level.
Output: one JSON line per case, {"id", "decision", "matchedStatements", "blockedBy"}, or {"id", "error"}.
Exit status: 0 when every case was valid, 1 otherwise, 2 when the input cannot be read."""


class CaseError(Exception):
    """A case the simulator cannot run; the message says where and why."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    policy = commands.add_parser("policy", help="validate IAM policies and simulate requests against them")
    actions = policy.add_subparsers(dest="policy_command", required=True)

    validate = actions.add_parser("validate", help="print AWS's MalformedPolicyDocument messages for a policy")
    validate.add_argument("file", help="the policy document (JSON), or - for standard input")
    validate.add_argument("--type", dest="policy_type", required=True, choices=POLICY_TYPES,
                          help="the kind of policy, which decides Principal, Version and size rules")
    validate.add_argument("--entity", choices=("user", "group", "role"),
                          help="an inline identity policy of this kind of entity (its size limit); default: managed")

    simulate = actions.add_parser("simulate", help="decide requests against policies and explain the decisions",
                                  description=SIMULATE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    simulate.add_argument("file", help="the cases (JSON or JSON lines), or - for standard input")

    explain = actions.add_parser(
        "explain", help="decide a request against a running server's stored IAM state and endpoint policies",
        description="Ask a running runnerlink whether PRINCIPAL may do ACTION (on RESOURCE, through ENDPOINT), as "
                    "enforce mode would decide: the principal's stored identity policies (a user's and its groups', "
                    "a role's; an assumed-role session ARN stands for its role), its permissions boundary, the "
                    "endpoint's policy and, for sts:AssumeRole on a role, the role's trust policy. Prints the "
                    "decision, the statements that matched and what blocked it. Exit status: 0 allowed, 1 denied, "
                    "2 the question couldn't be asked.")
    explain.add_argument("--principal", required=True, metavar="ARN",
                         help="a user, role, assumed-role session or account root ARN")
    explain.add_argument("--action", required=True, help="service:Action, e.g. apprunner:CreateService")
    explain.add_argument("--resource", default="*", metavar="ARN", help='the resource ARN (default "*")')
    explain.add_argument("--endpoint", metavar="VPCE", help="judge the request as sent through this VPC endpoint")
    explain.add_argument("--region", help="the region of the endpoint (default: the server's)")
    explain.add_argument("--context", action="append", default=[], metavar="KEY=VALUE",
                         help="a condition key of the request (repeat a key for a multi-valued one)")
    explain.add_argument("--json", action="store_true", help="print the decision as JSON")
    explain.add_argument("--endpoint-url", default=None, help="runnerlink's URL (default from RUNNERLINK_*)")


def run(args: argparse.Namespace) -> int:
    if args.policy_command == "explain":
        return _explain(args)
    try:
        text = _read(args.file)
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    if args.policy_command == "validate":
        return _validate(text, args)
    return _simulate(text)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _validate(text: str, args: argparse.Namespace) -> int:
    from runnerlink.policy.validate import validate

    messages = validate(text, args.policy_type, entity=args.entity)
    for message in messages:
        print(message)
    if args.policy_type == "endpoint" and not messages:
        from runnerlink.policy.validate_endpoint import endpoint_considerations

        for warning in endpoint_considerations(text):  # PrivateLink rules whose enforcement is not recorded
            print(f"warning: {warning}", file=sys.stderr)
    if not messages:
        print(f"{args.file}: a valid {args.policy_type} policy", file=sys.stderr)
    return 1 if messages else 0


# --- simulate ----------------------------------------------------------------------------------------------------

_FLUSH_EVERY = 1000  # result lines written per write(): progress shows on a long run, without a flush per case


def _simulate(text: str) -> int:
    # A JSON document of cases becomes millions of small objects at once: the cyclic collector, run again and again
    # while they are built, would cost more than parsing them. Off while reading; then what was read is frozen out
    # of its sight. (JSON lines are parsed one case at a time, as they are decided.)
    gc.disable()
    try:
        reader = _Reader()
        cases = reader.iter_cases(text)
    except CaseError as error:
        print(f"cannot read the cases: {error}", file=sys.stderr)
        return 2
    finally:
        gc.freeze()
        gc.enable()
    all_valid = True
    cache = PolicyCache()
    out: list[str] = []
    write = sys.stdout.write
    try:
        for position, case in enumerate(cases, start=1):
            if reader.non_finite:
                cache.exact_keys = False
            result = _outcome(case, position, cache)
            all_valid &= "error" not in result
            out.append(result_line(result))
            if len(out) >= _FLUSH_EVERY:
                write("".join(out))
                out.clear()
    finally:  # even when a case breaks the simulator, the lines before it are printed
        write("".join(out))
        sys.stdout.flush()
    return 0 if all_valid else 1


class _Reader:
    """json.loads that notes whether the input held a non-finite number (NaN, Infinity, 1e400): orjson, which keys
    the policy cache, writes those as null."""

    def __init__(self) -> None:
        self.non_finite = False
        self._decoder = json.JSONDecoder(parse_float=self._float, parse_constant=self._constant)

    def _float(self, text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            self.non_finite = True
        return value

    def _constant(self, name: str) -> float:
        self.non_finite = True
        return float(name)  # "NaN", "Infinity", "-Infinity", as json.loads gives them

    def loads(self, text: str) -> Any:
        return self._decoder.decode(text)

    def iter_cases(self, text: str) -> Iterator[Any]:
        """The cases of an input: one case, an array, {"cases": [...]}, or JSON lines (a bad line becomes an
        error; the lines are parsed as the iterator reaches them). CaseError, at once, when there are none."""
        try:
            data = self.loads(text)
        except ValueError as whole_error:
            lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
            if not lines:
                raise CaseError("no cases") from None
            try:
                first = self.loads(lines[0][1])
            except ValueError:
                raise CaseError(f"not JSON: {whole_error}") from None
            return self._lines(first, lines)
        if isinstance(data, dict) and "cases" in data and "request" not in data:
            data = data["cases"]
            if not isinstance(data, list):
                raise CaseError('"cases" must be a list')
        return iter(data if isinstance(data, list) else [data])

    def parse_cases(self, text: str) -> list[Any]:
        return list(self.iter_cases(text))

    def _lines(self, first: Any, lines: list[tuple[int, str]]) -> Iterator[Any]:
        yield first
        for index in range(1, len(lines)):
            number, line = lines[index]
            lines[index] = (number, "")  # a decided line's text is no longer needed
            try:
                yield self.loads(line)
            except ValueError as error:
                yield _BadLine(f"line {number} is not JSON: {error}")


def parse_cases(text: str) -> list[Any]:
    """The cases of an input: one case, an array, {"cases": [...]}, or JSON lines (a bad line becomes an error)."""
    return _Reader().parse_cases(text)


@dataclass
class _BadLine:
    message: str


class PolicyCache:
    """Compiled policies of a run, by (policy type, name, document): a batch repeats a few documents over many
    cases, and compiling (validation included) costs far more than deciding. A document that doesn't compile keeps
    its error message, so it fails alike every time."""

    LIMIT = 8192  # entries; a run with more distinct policies starts over rather than growing without bound

    def __init__(self, exact_keys: bool = True) -> None:
        self._entries: dict[tuple[str, str, Any], Any] = {}
        # False: documents may hold NaN or infinities, which orjson writes as null; keys are then json's text (str,
        # never equal to orjson's bytes, so entries keyed before stay apart).
        self.exact_keys = exact_keys

    def compile(self, document: dict | str, policy_type: str, name: str) -> Any:
        """compile_policy(document, policy_type, name), or CaseError with its message."""
        try:
            key = (policy_type, name, document if isinstance(document, str) else
                   orjson.dumps(document) if self.exact_keys else json.dumps(document))
        except (TypeError, ValueError):  # a value orjson cannot write (an integer beyond 64 bits): not cached
            return _compile_document(document, policy_type, name)
        got = self._entries.get(key)
        if got is None:
            try:
                got = _compile_document(document, policy_type, name)
            except CaseError as error:
                got = error
            if len(self._entries) >= self.LIMIT:
                self._entries.clear()
            self._entries[key] = got
        if isinstance(got, CaseError):
            raise CaseError(str(got))
        return got


def run_case(case: Any, position: int, cache: PolicyCache | None = None) -> dict[str, Any]:
    """The JSON result of one case: the decision and its explanation, or an error."""
    return json.loads(result_line(_outcome(case, position, cache or PolicyCache())))


def _outcome(case: Any, position: int, cache: PolicyCache) -> dict[str, Any]:
    """run_case's result, with the matched statements as MatchedStatement objects (result_line writes them)."""
    case_id = case.get("id", position) if isinstance(case, dict) else position
    try:
        if isinstance(case, _BadLine):
            raise CaseError(case.message)
        return {"id": case_id, **_decide(case, cache)}
    except CaseError as error:
        return {"id": case_id, "error": str(error)}


_STATEMENT_JSON: dict[Any, str] = {}


def result_line(result: dict[str, Any]) -> str:
    """The output line of a result of `_outcome`: what `json.dumps(..., ensure_ascii=False)` writes of its JSON
    form, byte for byte, and a newline. A decision's line is assembled from pieces (each matched statement is
    serialized once)."""
    matched = result.get("matchedStatements")
    if matched is None:
        return json.dumps(result, ensure_ascii=False) + "\n"
    pieces = []
    for m in matched:
        piece = _STATEMENT_JSON.get(m)
        if piece is None:
            piece = json.dumps({"policyType": m.policy_type, "policy": m.policy, "sid": m.sid, "index": m.index,
                                "effect": m.effect}, ensure_ascii=False)
            if len(_STATEMENT_JSON) >= PolicyCache.LIMIT:
                _STATEMENT_JSON.clear()
            _STATEMENT_JSON[m] = piece
        pieces.append(piece)
    case_id = result["id"]
    id_json = _encode_string(case_id) if type(case_id) is str else json.dumps(case_id, ensure_ascii=False)
    blocked = ", ".join(f'"{kind}"' for kind in result["blockedBy"])  # policy kinds: plain ASCII words
    return (f'{{"id": {id_json}, "decision": "{result["decision"]}", "matchedStatements": [{", ".join(pieces)}], '
            f'"blockedBy": [{blocked}]}}\n')


def _decide(case: Any, cache: PolicyCache) -> dict[str, Any]:
    from runnerlink.policy import evaluate

    if not isinstance(case, dict):
        raise CaseError("a case must be a JSON object")
    unknown = sorted(set(case) - CASE_KEYS)
    if unknown:
        raise CaseError(f"unknown case key(s): {', '.join(unknown)} (expected {', '.join(sorted(CASE_KEYS))})")
    request = _request(case.get("request"))
    decision = evaluate(request, **_policies(case, cache))
    return {"decision": decision.decision, "matchedStatements": decision.matched,
            "blockedBy": decision.blocked_by}


def _request(raw: Any) -> Any:
    from runnerlink.policy import PolicyError, Request

    if not isinstance(raw, dict):
        raise CaseError('"request" must be an object with "principal" and "action"')
    unknown = sorted(set(raw) - REQUEST_KEYS)
    if unknown:
        raise CaseError(f"unknown request key(s): {', '.join(unknown)}")
    for key in ("principal", "action"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise CaseError(f'request.{key} must be a non-empty string')
    resource = raw.get("resource", "*")
    account = raw.get("resourceAccount")
    context = raw.get("context", {})
    if not isinstance(resource, str) or not resource:
        raise CaseError("request.resource must be an ARN or \"*\"")
    if account is not None and not isinstance(account, str):
        raise CaseError("request.resourceAccount must be a string")
    if not isinstance(context, dict):
        raise CaseError("request.context must be an object of condition keys")
    try:
        return Request(raw["principal"], raw["action"], resource=resource, resource_account=account, context=context)
    except (PolicyError, ValueError, TypeError) as error:
        raise CaseError(f"request: {error}") from None


def _policies(case: dict, cache: PolicyCache) -> dict[str, Any]:
    """The compiled policies of a case, as `evaluate`'s keyword arguments."""
    policies: dict[str, Any] = {}
    if case.get("resourcePolicy") is not None and case.get("trustPolicy") is not None:
        raise CaseError("a case has a resourcePolicy or a trustPolicy, not both")
    if case.get("trustPolicy") is not None:
        policies["resource_required"] = True
    for key, (policy_type, argument) in SINGLE.items():
        if case.get(key) is not None:
            policies[argument] = _compile(case[key], policy_type, key, cache)
    for key, (policy_type, argument) in LISTS.items():
        policies[argument] = [_compile(entry, policy_type, f"{key}[{i}]", cache)
                              for i, entry in enumerate(_list(case, key))]
    for key, (policy_type, argument) in LEVELS.items():
        policies[argument] = [[_compile(entry, policy_type, location, cache) for entry, location in level]
                              for level in _levels(case, key)]
    return policies


def _list(case: dict, key: str) -> list:
    value = case.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise CaseError(f"{key} must be a list of policies")
    return value


def _levels(case: dict, key: str) -> Iterable[list[tuple[Any, str]]]:
    """OU levels, root first, each a list of (policy entry, location)."""
    entries = _list(case, key)
    is_level = [isinstance(e, dict) and "policies" in e for e in entries]
    if not any(is_level):
        return [[(entry, f"{key}[{i}]") for i, entry in enumerate(entries)]] if entries else []
    if not all(is_level):
        raise CaseError(f'{key} mixes OU levels ({{"orgIdentifier", "policies"}}) with bare policies')
    levels = []
    for number, level in enumerate(entries):
        policies = level["policies"]
        if not isinstance(policies, list):
            raise CaseError(f"{key}[{number}].policies must be a list of policies")
        where = level.get("orgIdentifier") or f"{key}[{number}]"
        levels.append([(entry, f"{where}[{i}]") for i, entry in enumerate(policies)])
    return levels


def _compile(entry: Any, policy_type: str, location: str, cache: PolicyCache) -> Any:
    name, document = location, entry
    if isinstance(entry, dict) and "policy" in entry and "Statement" not in entry:
        name, document = entry.get("name") or location, entry["policy"]
        if not isinstance(name, str):
            raise CaseError(f"{location}: name must be a string")
    if not isinstance(document, (dict, str)):
        raise CaseError(f"{location}: a policy must be a JSON object (or a JSON string holding one)")
    return cache.compile(document, policy_type, name)


def _compile_document(document: dict | str, policy_type: str, name: str) -> Any:
    from runnerlink.policy import PolicyError, compile_policy

    try:
        return compile_policy(document, policy_type, name)
    except PolicyError as error:
        messages = getattr(error, "messages", None) or [str(error)]
        raise CaseError(f"{name} ({policy_type} policy): {'; '.join(messages)}") from None


# --- explain -----------------------------------------------------------------------------------------------------

def explain_payload(args: argparse.Namespace) -> dict[str, Any]:
    """The admin action's body; ValueError for a --context that isn't KEY=VALUE."""
    context: dict[str, Any] = {}
    for pair in args.context:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--context {pair!r}: give KEY=VALUE")
        if key in context:
            context[key] = [*(context[key] if isinstance(context[key], list) else [context[key]]), value]
        else:
            context[key] = value
    payload: dict[str, Any] = {"principal": args.principal, "action": args.action, "resource": args.resource,
                               "context": context}
    if args.endpoint:
        payload["endpoint"] = args.endpoint
    if args.region:
        payload["region"] = args.region
    return payload


def _explain(args: argparse.Namespace) -> int:
    import urllib.error
    import urllib.request

    from runnerlink.config import edge_url

    try:
        payload = explain_payload(args)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    base = edge_url(args.endpoint_url)
    request = urllib.request.Request(f"{base}/_runnerlink/iam/explain", data=json.dumps(payload).encode(),
                                     method="POST", headers={"content-type": "application/json"})
    try:
        # Not through a proxy the shell may have set: the edge is local.
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        try:
            print(json.loads(body).get("message") or body, file=sys.stderr)
        except ValueError:
            print(body, file=sys.stderr)
        return 2
    except urllib.error.URLError as error:
        print(f"runnerlink is not reachable at {base}: {error.reason}", file=sys.stderr)
        return 2
    print(json.dumps(answer, indent=2) if args.json else explain_text(answer))
    return 0 if answer.get("allowed") else 1


def _statement_text(m: dict) -> str:
    sid = m.get("sid") or f"#{m.get('index')}"
    return f"{m.get('effect')} {m.get('policyType')} {m.get('policy') or '-'} ({sid})"


def explain_text(answer: dict) -> str:
    """The decision for people: the verdict, what decided it, the policies considered, matched statements."""
    lines = [f"{answer['decision']}: {answer['principal']} → {answer['action']} on {answer['resource']}"]
    if answer.get("message"):
        lines.append(f"  AWS would answer: {answer['message']}")
    decided = answer.get("decidedBy")
    if decided:
        if decided.get("effect"):
            lines.append(f"  decided by: {_statement_text(decided)}")
        else:
            name = f" {decided['policy']}" if decided.get("policy") else ""
            lines.append(f"  decided by: no statement of the {decided['policyType']} policy{name} allows it")
    policies = answer.get("policies") or {}
    lines.append("  policies:")
    for kind in ("identity", "boundary", "session", "endpoint", "resource"):
        value = policies.get(kind)
        shown = ", ".join(value) if isinstance(value, list) else value
        lines.append(f"    {kind}: {shown or '-'}")
    if answer.get("unresolved"):
        lines.append(f"  not found (left out): {', '.join(answer['unresolved'])}")
    lines.append("  matched statements:" if answer.get("matchedStatements") else "  matched statements: none")
    lines += [f"    {_statement_text(m)}" for m in answer.get("matchedStatements") or ()]
    if answer.get("blockedBy"):
        lines.append(f"  blocked by: {', '.join(answer['blockedBy'])}")
    return "\n".join(lines)
