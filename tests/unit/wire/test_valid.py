"""wire.valid (the compiled yes/no check) agrees with wire.validate's find_problems on every operation's input."""

import random

import pytest

from runnerlink.wire.models import operation_names, service_model
from runnerlink.wire.valid import is_valid
from runnerlink.wire.validate import find_problems

SERVICES = ("apprunner", "ec2", "iam", "sts")


def _string(shape, rng: random.Random, bad: bool) -> object:
    meta = shape.metadata
    if shape.enum:
        return rng.choice(shape.enum) if not bad else rng.choice(["nope", shape.enum[0].lower(), ""])
    low = meta.get("min", 0)
    high = meta.get("max", low + 12)
    if bad:
        return rng.choice(["", "x" * (high + 1), 7, "\u0000?*", None])
    return "a" * rng.randint(low, min(high, low + 8))


def sample(shape, rng: random.Random, depth: int = 0, bad_rate: float = 0.05) -> object:
    """A value for the shape: mostly within its constraints, now and then not (wrong type, size, enum, pattern)."""
    bad = rng.random() < bad_rate
    kind = shape.type_name
    if kind == "structure":
        if bad and rng.random() < 0.3:
            return "not a structure"
        out = {}
        for name, member in shape.members.items():
            if name in shape.required_members or (depth < 3 and rng.random() < 0.4):
                if not (bad and name in shape.required_members and rng.random() < 0.3):
                    out[name] = sample(member, rng, depth + 1, bad_rate)
        if rng.random() < 0.1:
            out["NotAMember"] = {"anything": 1}
        return out
    if kind == "list":
        if bad and rng.random() < 0.3:
            return {"not": "a list"}
        low = shape.metadata.get("min", 0)
        high = shape.metadata.get("max", low + 3)
        count = rng.randint(low, min(high, low + 2)) if not bad else high + 1 if high < 50 else 0
        items = [sample(shape.member, rng, depth + 1, bad_rate) for _ in range(min(count, 60))]
        if bad and items and rng.random() < 0.3:
            items[0] = None
        return items
    if kind == "map":
        return {str(_string(shape.key, rng, False)) + str(i): sample(shape.value, rng, depth + 1, bad_rate)
                for i in range(rng.randint(0, 2))}
    if kind == "string":
        return _string(shape, rng, bad)
    if kind in ("integer", "long"):
        low = shape.metadata.get("min", -5)
        high = shape.metadata.get("max", low + 1000)
        return rng.choice([True, "3", low - 1, high + 1, 2.5]) if bad else rng.randint(low, min(high, low + 100))
    if kind in ("float", "double"):
        return rng.choice(["1.5", False]) if bad else rng.choice([0, 1.5, 3])
    if kind == "boolean":
        return rng.choice(["true", 1, None]) if bad else rng.choice([True, False])
    if kind == "timestamp":
        return rng.choice([True, [1]]) if bad else rng.choice([1700000000, 1.5, "2024-01-01T00:00:00Z"])
    if kind == "blob":
        return 5 if bad else "aGVsbG8="
    return "x"


@pytest.mark.parametrize("service", SERVICES)
def test_agrees_with_find_problems_on_every_operation(service):
    model = service_model(service)
    rng = random.Random(f"valid-{service}")
    disagreements = []
    for name in sorted(operation_names(service)):
        shape = model.operation_model(name).input_shape
        if shape is None:
            continue
        for _ in range(12):
            value = sample(shape, rng, bad_rate=rng.choice([0.0, 0.02, 0.1]))
            if is_valid(shape, value) != (not find_problems(shape, value)):
                disagreements.append((name, value))
    assert disagreements == []


def test_both_outcomes_are_exercised():
    """The sampler makes valid and invalid inputs alike (a test of the test: it could otherwise pass vacuously)."""
    shape = service_model("apprunner").operation_model("CreateService").input_shape
    rng = random.Random(7)
    outcomes = {is_valid(shape, sample(shape, rng, bad_rate=0.1)) for _ in range(50)}
    assert outcomes == {True, False}


def test_a_broken_constraint_is_invalid():
    shape = service_model("apprunner").operation_model("DescribeService").input_shape
    assert is_valid(shape, {"ServiceArn": "arn:aws:apprunner:us-east-1:111122223333:service/a/" + "0" * 32})
    assert not is_valid(shape, {})
    assert not is_valid(shape, {"ServiceArn": ""})
    assert not is_valid(shape, {"ServiceArn": 5})
    assert not is_valid(shape, {"ServiceArn": "x" * 1012})
