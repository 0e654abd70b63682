"""How EC2 answers bad input: one error (the first problem), in EC2's own words, never Coral's "N validation errors
detected … failed to satisfy constraint".

- a missing required parameter: MissingParameter "The request must contain the parameter VpcId";
- a value of the wrong type, out of range, not of the enum, too long: InvalidParameterValue "Value (x) for parameter
  maxResults is invalid. …" (EC2 names parameters in lowerCamel there, as it does in its other messages);
- an enum value AWS accepts in another letter case (VpcEndpointType=interface, RuleAction=ALLOW) is accepted and
  handed on in the modelled spelling.

The wordings after "is invalid." are the ones AWS was seen to answer where known ("Expecting a value greater than 5."
for MaxResults=1) and plausible ones otherwise.
"""

from __future__ import annotations

from botocore.model import Shape

from runnerlink.errors import AWSError
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue
from runnerlink.wire.validate import HIDDEN, Problem, UnparsableValue

# Enums (by botocore shape name) whose values AWS accepts in any letter case.
CASE_INSENSITIVE_ENUMS = frozenset({
    "VpcEndpointType",  # CreateVpcEndpoint VpcEndpointType=interface
    "RuleAction",  # CreateNetworkAclEntry / ReplaceNetworkAclEntry RuleAction=ALLOW
})
_EXPECTED = {"integer": "integer", "long": "integer", "float": "number", "double": "number", "boolean": "boolean",
             "blob": "base64-encoded data", "timestamp": "timestamp"}


def _segments(path: str) -> list[str]:
    return [part for part in path.split(".") if part and part != "member" and not part.isdigit()]


def parameter_name(problem: Problem) -> str:
    """The lowerCamel name EC2's messages give a parameter ("maxResults", "vpcEndpointType", "ruleAction")."""
    serialization = problem.shape.serialization if problem.shape is not None else {}
    name = serialization.get("name") or serialization.get("queryName")
    if not name:
        segments = _segments(problem.wire or problem.path)
        name = segments[-1] if segments else "input"
    return name[:1].lower() + name[1:]


def _wire_name(problem: Problem) -> str:
    """The parameter as a request names it ("VpcId"), for MissingParameter."""
    serialization = problem.shape.serialization if problem.shape is not None else {}
    name = serialization.get("queryName") or serialization.get("name") or (_segments(problem.path) or ["input"])[-1]
    return name[:1].upper() + name[1:]


def _shown(value: object) -> str:
    if value is HIDDEN or isinstance(value, (dict, list)):
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _bound(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


def _detail(problem: Problem) -> str:
    kind, shape = problem.kind, problem.shape
    if kind == "enum" and shape is not None:
        return f" Valid values: {', '.join(shape.enum)}."
    if kind == "range":
        if problem.low is not None and isinstance(problem.value, (int, float)) and problem.value < problem.low:
            return f" Expecting a value greater than {_bound(problem.low)}."
        return f" Expecting a value less than or equal to {_bound(problem.high)}."
    if kind == "length":
        if problem.low is not None and problem.high is not None:
            return f" Length must be between {_bound(problem.low)} and {_bound(problem.high)}."
        if problem.low is not None:
            return f" Length must be at least {_bound(problem.low)}."
        return f" Length must be at most {_bound(problem.high)}."
    if kind == "type" and shape is not None:
        return f" Expected: '{_EXPECTED.get(shape.type_name, shape.type_name)}'."
    return ""


def _invalid(problem: Problem) -> EC2Error:
    if problem.kind == "required":
        return EC2Error("MissingParameter", f"The request must contain the parameter {_wire_name(problem)}")
    name = parameter_name(problem)
    if problem.kind == "range":  # as AWS writes it for MaxResults=1: "Value ( 1 ) for parameter maxResults …"
        return InvalidParameterValue(f"Value ( {_shown(problem.value)} ) for parameter {name} is invalid."
                                     f"{_detail(problem)}")
    shown = _shown(problem.value)
    head = f"Value ({shown}) for parameter {name} is invalid." if shown or problem.value == "" else \
        f"The value for parameter {name} is invalid."
    return InvalidParameterValue(head + _detail(problem))


class EC2InputStyle:
    """services.ec2's InputStyle (wire/validate.py)."""

    def invalid(self, problems: list[Problem]) -> AWSError:
        return _invalid(problems[0])

    def unparsable(self, error: UnparsableValue) -> AWSError:
        return _invalid(error.problem)

    def canonical(self, shape: Shape, value: str) -> str | None:
        if shape.name not in CASE_INSENSITIVE_ENUMS:
            return None
        folded = value.casefold()
        return next((option for option in shape.enum if option.casefold() == folded), None)


STYLE = EC2InputStyle()
