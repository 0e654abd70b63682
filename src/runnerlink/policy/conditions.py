"""The Condition block, compiled into one test per (operator, key).

Rules (IAM UG, *Condition element*, *Multivalued context keys*, *IfExists*):
AND across operators and keys, OR across one key's values, NOR for negated operators. A missing
key: positive operators false, negated operators true, `...IfExists` true, `ForAllValues:` true,
`ForAnyValue:` false; `Null` tests presence. An empty multi-valued key counts as missing for the set
operators. A single-valued operator on a multi-valued key never matches (iam-simulate; AWS unsure),
so neither an Allow nor a Deny applies through it.
"""

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from .arns import condition_arn_pattern
from .errors import PolicyError
from .values import parse_base64, parse_date, parse_ip, parse_network, parse_number
from .variables import parse_template
from .wildcards import compile_wildcard

SYNTAX = "Syntax errors in policy."
LEGACY = "The policy failed legacy parsing"

# A value set answers: does this one request value match any policy value? None: not comparable.
Matcher = Callable[[Any, Mapping[str, Any]], bool | None]


def _strings(values: list[str], variables: bool, fold: bool) -> Matcher:
    templates = [parse_template(v, variables) for v in values]
    fixed = frozenset(t.text.lower() if fold else t.text for t in templates if not t.has_vars)
    dynamic = [t for t in templates if t.has_vars]

    def match(value: Any, ctx: Mapping[str, Any]) -> bool | None:
        if not isinstance(value, str):
            return None
        if fold:
            value = value.lower()
        if value in fixed:
            return True
        for t in dynamic:
            got = t.resolve(ctx)
            if got is not None and (got.lower() if fold else got) == value:
                return True
        return False

    return match


def _like(values: list[str], variables: bool) -> Matcher:
    templates = [parse_template(v, variables) for v in values]
    fixed = [t.text for t in templates if not t.has_vars]
    exact = frozenset(v for v in fixed if "*" not in v and "?" not in v)
    wild = [v for v in fixed if v not in exact]
    regex = re.compile("|".join(f"(?:{compile_wildcard(v).pattern})" for v in wild), re.DOTALL) if wild else None
    dynamic = [t for t in templates if t.has_vars]

    def match(value: Any, ctx: Mapping[str, Any]) -> bool | None:
        if not isinstance(value, str):
            return None
        if value in exact or (regex is not None and regex.fullmatch(value)):
            return True
        for t in dynamic:
            src = t.resolve_regex(ctx)
            if src is not None and re.fullmatch(src, value, re.DOTALL):
                return True
        return False

    return match


def _ordered(parse: Callable[[str], Any], compare: Callable[[Any, Any], bool]) -> Callable[[list[str], bool], Matcher]:
    def build(values: list[str], variables: bool) -> Matcher:
        parsed = []
        for v in values:
            got = parse(v)
            if got is None:
                raise PolicyError(LEGACY)
            parsed.append(got)

        def match(value: Any, ctx: Mapping[str, Any]) -> bool | None:
            got = parse(value) if isinstance(value, str) else None
            if got is None:
                return None
            return any(compare(got, p) for p in parsed)

        return match

    return build


def _binary(values: list[str], variables: bool) -> Matcher:
    wanted = set()
    for v in values:
        got = parse_base64(v)
        if got is None:
            raise PolicyError(LEGACY)
        wanted.add(got)

    def match(value: Any, ctx: Mapping[str, Any]) -> bool | None:
        if isinstance(value, str):
            decoded = parse_base64(value)
            value = decoded if decoded is not None else value.encode()
        return value in wanted

    return match


def _ip(values: list[str], variables: bool) -> Matcher:
    networks = []
    for v in values:
        got = parse_network(v)
        if got is None:
            raise PolicyError(LEGACY)
        networks.append(got)

    def match(value: Any, ctx: Mapping[str, Any]) -> bool | None:
        address = parse_ip(value) if isinstance(value, str) else None
        if address is None:
            return None
        return any(address.version == n.version and address in n for n in networks)

    return match


def _arn(values: list[str], variables: bool) -> Matcher:
    patterns = [condition_arn_pattern(v, variables) for v in values]

    def match(value: Any, ctx: Mapping[str, Any]) -> bool | None:
        if not isinstance(value, str):
            return None
        return any(p.matches(value, ctx) for p in patterns)

    return match


_num = _ordered(parse_number, operator.eq)
# operator (lower-case) → (builder, negated, variables allowed)
_OPERATORS: dict[str, tuple[Callable[[list[str], bool], Matcher], bool, bool]] = {
    "stringequals": (lambda v, var: _strings(v, var, False), False, True),
    "stringnotequals": (lambda v, var: _strings(v, var, False), True, True),
    "stringequalsignorecase": (lambda v, var: _strings(v, var, True), False, True),
    "stringnotequalsignorecase": (lambda v, var: _strings(v, var, True), True, True),
    "stringlike": (_like, False, True),
    "stringnotlike": (_like, True, True),
    "numericequals": (_num, False, False),
    "numericnotequals": (_num, True, False),
    "numericlessthan": (_ordered(parse_number, operator.lt), False, False),
    "numericlessthanequals": (_ordered(parse_number, operator.le), False, False),
    "numericgreaterthan": (_ordered(parse_number, operator.gt), False, False),
    "numericgreaterthanequals": (_ordered(parse_number, operator.ge), False, False),
    "dateequals": (_ordered(parse_date, operator.eq), False, False),
    "datenotequals": (_ordered(parse_date, operator.eq), True, False),
    "datelessthan": (_ordered(parse_date, operator.lt), False, False),
    "datelessthanequals": (_ordered(parse_date, operator.le), False, False),
    "dategreaterthan": (_ordered(parse_date, operator.gt), False, False),
    "dategreaterthanequals": (_ordered(parse_date, operator.ge), False, False),
    # Bool compares "true"/"false" case-insensitively. Variables: the operators page says yes, the variables page no.
    "bool": (lambda v, var: _strings(v, var, True), False, True),
    "binaryequals": (_binary, False, False),
    "ipaddress": (_ip, False, False),
    "notipaddress": (_ip, True, False),
    "arnequals": (_arn, False, True),
    "arnlike": (_arn, False, True),
    "arnnotequals": (_arn, True, True),
    "arnnotlike": (_arn, True, True),
}


def _values(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            out.append(str(item))
        else:
            raise PolicyError(SYNTAX)
    return out


def _clause(op_name: str, key: str, raw: Any, variables: bool) -> Callable[[Mapping[str, Any]], bool]:
    name = op_name.lower()
    set_op = None
    if name.startswith("forallvalues:"):
        set_op, name = "all", name[len("forallvalues:"):]
    elif name.startswith("foranyvalue:"):
        set_op, name = "any", name[len("foranyvalue:"):]
    key = key.lower()
    values = _values(raw)

    if name == "null":
        if set_op:
            raise PolicyError(SYNTAX)
        wanted = {v.lower() == "true" for v in values}
        return lambda ctx: (key not in ctx) in wanted

    if_exists = name.endswith("ifexists")
    if if_exists:
        name = name[: -len("ifexists")]
    spec = _OPERATORS.get(name)
    if spec is None:
        raise PolicyError(SYNTAX)
    build, negated, allows_vars = spec
    match = build(values, variables and allows_vars)

    if if_exists:
        missing = True
    elif set_op == "all":
        missing = True
    elif set_op == "any":
        missing = False
    else:
        missing = negated

    if set_op is None:

        def single(ctx: Mapping[str, Any]) -> bool:
            got = ctx.get(key)
            if got is None:
                return missing
            if isinstance(got, tuple):
                return False
            hit = match(got, ctx)
            if hit is None:
                return False
            return not hit if negated else hit

        return single

    empty = set_op == "all"  # present but empty: as if missing, IfExists aside

    def for_all(ctx: Mapping[str, Any]) -> bool:
        got = ctx.get(key)
        if got is None:
            return missing
        items = got if isinstance(got, tuple) else (got,)
        if not items:
            return empty
        for item in items:
            hit = match(item, ctx)
            if hit is None or hit == negated:
                return False
        return True

    def for_any(ctx: Mapping[str, Any]) -> bool:
        got = ctx.get(key)
        if got is None:
            return missing
        items = got if isinstance(got, tuple) else (got,)
        for item in items:
            hit = match(item, ctx)
            if hit is not None and hit != negated:
                return True
        return False

    return for_all if set_op == "all" else for_any


def compile_condition(block: Any, variables: bool) -> Callable[[Mapping[str, Any]], bool] | None:
    """One callable for the whole Condition block, or None when it has no tests."""
    if block is None:
        return None
    if not isinstance(block, dict):
        raise PolicyError(SYNTAX)
    tests = []
    for op_name, keys in block.items():
        if not isinstance(op_name, str) or not isinstance(keys, dict):
            raise PolicyError(SYNTAX)
        for key, raw in keys.items():
            tests.append(_clause(op_name, key, raw, variables))
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    tests_t = tuple(tests)
    return lambda ctx: all(t(ctx) for t in tests_t)
