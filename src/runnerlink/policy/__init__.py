"""runnerlink.policy: the IAM policy language as a pure library (parse, compile, evaluate, explain)."""

from .compiler import POLICY_TYPES, CompiledPolicy, MatchedStatement, compile_policy
from .errors import PolicyError
from .evaluate import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Decision, evaluate
from .request import Request
from .validate import validate

__all__ = [
    "ALLOWED",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "POLICY_TYPES",
    "CompiledPolicy",
    "Decision",
    "MatchedStatement",
    "PolicyError",
    "Request",
    "compile_policy",
    "evaluate",
    "validate",
]
