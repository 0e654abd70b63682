"""`runnerlink audit`: App Runner's privacy considerations checked on a network read from the running runnerlink
(default), a Terraform plan or state (`--terraform FILE`, the JSON of `terraform show -json`), or any EC2/App Runner
API (`--aws`, read-only boto3 calls). Exit 0, 1 when a finding reaches --fail-on, 2 when the audit couldn't run."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from runnerlink.audit import codec
from runnerlink.audit.config import ConfigError
from runnerlink.audit.config import load as load_config
from runnerlink.audit.engine import Report, run_audit
from runnerlink.audit.findings import SEVERITIES
from runnerlink.audit.model import AuditModel
from runnerlink.audit.sources import SourceError
from runnerlink.config import DEFAULT_ACCOUNT, Settings, edge_url

FORMATS = ("text", "json", "sarif", "html")
_ACCOUNT = re.compile(r"\d{12}")


def add_parser(commands) -> None:
    audit = commands.add_parser(
        "audit", help="check a network for App Runner's privacy gaps (endpoints, private DNS, policies, routes)",
        description="Audit the running runnerlink (default), a Terraform plan/state JSON, or an AWS account.")
    source = audit.add_mutually_exclusive_group()
    source.add_argument("--terraform", metavar="FILE",
                        help="the JSON of `terraform show -json PLAN` (or of the state); '-' reads standard input")
    source.add_argument("--aws", action="store_true",
                        help="read an EC2/App Runner API with boto3 (Describe*/List*/Get* calls only)")
    audit.add_argument("--endpoint-url", help="runnerlink's URL (default from RUNNERLINK_*); with --aws, the API's "
                                              "endpoint (default: AWS's)")
    audit.add_argument("--profile", help="with --aws: the AWS profile to use")
    audit.add_argument("--region", help="the region to audit (default: RUNNERLINK_REGION / the profile's, else "
                                        "us-east-1; with --terraform: the provider's)")
    audit.add_argument("--account", help="runnerlink's account to audit (default: AWS_ACCESS_KEY_ID when it is 12 "
                                         f"digits, else {DEFAULT_ACCOUNT})")
    audit.add_argument("--terraform-dir", metavar="DIR",
                       help="with --terraform: the configuration's directory, for file:line locations (default: the "
                            "JSON file's directory)")
    audit.add_argument("--config", metavar="FILE",
                       help="the audit configuration (TOML: disable, expected_services, build_subnets, severity; "
                            "default ./runnerlink-audit.toml when present)")
    audit.add_argument("--format", choices=FORMATS, default="text", help="the report's format (default text)")
    audit.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (default: standard output)")
    audit.add_argument("--fail-on", choices=("none", *SEVERITIES), default="none", metavar="SEVERITY",
                       help=f"exit 1 when a finding is this severe or worse ({', '.join(SEVERITIES)}; default none)")
    audit.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (default: when writing to a terminal)")
    audit.add_argument("--dump-model", action="store_true", help="print the network model read, as JSON, and stop")


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        model = _read(args)
    except (ConfigError, SourceError) as error:
        print(f"runnerlink audit: {error}", file=sys.stderr)
        return 2
    if args.dump_model:
        _write(args.output, json.dumps(codec.to_dict(model), indent=2) + "\n")
        return 0
    try:
        report = run_audit(model, config)
    except ValueError as error:
        print(f"runnerlink audit: {error}", file=sys.stderr)
        return 2
    _write(args.output, _render(report, args))
    return 1 if report.fails(args.fail_on) else 0


def _read(args: argparse.Namespace) -> AuditModel:
    if args.terraform:
        return _from_terraform(args)
    if args.aws:
        return _from_aws(args)
    from runnerlink.audit.sources import runnerlink as source

    settings = Settings.from_env()
    base = edge_url(args.endpoint_url)
    try:
        return source.load(base, _account(args), args.region or settings.region)
    except (OSError, ValueError) as error:
        raise SourceError(str(error)) from None


def _from_terraform(args: argparse.Namespace) -> AuditModel:
    from runnerlink.audit.sources import terraform as source

    path = args.terraform
    if path == "-":
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            handle.write(sys.stdin.read())
        path = handle.name
    if not Path(path).is_file():
        raise SourceError(f"{args.terraform}: no such file")
    try:
        return source.load(path, region=args.region, config_dir=args.terraform_dir)
    except (OSError, ValueError) as error:
        raise SourceError(f"{args.terraform}: {error}") from None
    finally:
        if args.terraform == "-":
            os.unlink(path)


def _from_aws(args: argparse.Namespace) -> AuditModel:
    import boto3
    import botocore.exceptions

    from runnerlink.audit.sources import aws as source

    try:
        session = boto3.Session(profile_name=args.profile)
    except botocore.exceptions.ProfileNotFound as error:
        raise SourceError(str(error)) from None
    region = args.region or session.region_name or "us-east-1"
    try:
        return source.load(session, region, endpoint_url=args.endpoint_url)
    except botocore.exceptions.NoCredentialsError:
        raise SourceError("no AWS credentials (set AWS_PROFILE / --profile, or AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY)") from None
    except botocore.exceptions.BotoCoreError as error:
        raise SourceError(str(error)) from None
    except ValueError as error:  # the source's own SourceError: refused credentials, an unreachable API
        raise SourceError(str(error)) from None


def _account(args: argparse.Namespace) -> str:
    if args.account:
        return args.account
    key = os.environ.get("AWS_ACCESS_KEY_ID", "")
    return key if _ACCOUNT.fullmatch(key) else DEFAULT_ACCOUNT


def _render(report: Report, args: argparse.Namespace) -> str:
    from runnerlink.audit.report import html, json_report, sarif, text

    if args.format == "json":
        return json_report.render(report)
    if args.format == "sarif":
        return sarif.render(report)
    if args.format == "html":
        return html.render(report)
    color = args.color == "always" or (args.color == "auto" and args.output is None and sys.stdout.isatty()
                                       and not os.environ.get("NO_COLOR"))
    return text.render(report, color=color)


def _write(output: str | None, content: str) -> None:
    if output is None:
        sys.stdout.write(content if content.endswith("\n") else content + "\n")
        return
    Path(output).write_text(content, encoding="utf-8")
