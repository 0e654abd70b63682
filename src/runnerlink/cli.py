"""The runnerlink command: serve, and the local stand-ins for out-of-band AWS steps."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from runnerlink import __version__
from runnerlink.config import DEFAULT_GATEWAY_PORT, DEFAULT_HOST, DEFAULT_PORT, IAM_MODES, Settings, edge_url


# The modules adding commands, with their commands, in the order `runnerlink --help` lists them. A run of one of
# these commands imports that module only: `policy simulate` loads neither the audit engine nor an HTTP client.
COMMAND_MODULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("runnerlink.cli_policy", ("policy",)),
    ("runnerlink.cli_network", ("resolve", "trace")),
    ("runnerlink.cli_workloads", ("exec", "env", "workloads")),
    ("runnerlink.cli_log", ("log",)),
    ("runnerlink.cli_apps", ("services", "logs")),
    ("runnerlink.cli_audit", ("audit",)),
    ("runnerlink.cli_state", ("reset", "state", "wait")),
)


def _command_modules(argv: list[str]) -> list[str]:
    """The command modules a parser for `argv` needs: the one of the command when argv starts with it (the
    command's own parser answers everything after it), else all of them (help, --version, a mistyped command)."""
    first = argv[0] if argv else ""
    for module, names in COMMAND_MODULES:
        if first in names:
            return [module]
    return [module for module, _ in COMMAND_MODULES]


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = argparse.ArgumentParser(prog="runnerlink", description="Local AWS App Runner and private networking.")
    parser.add_argument("--version", action="version", version=f"runnerlink {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the emulator (Ctrl-C stops it)")
    serve.add_argument("--host", help=f"address to listen on (RUNNERLINK_HOST, default {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, help=f"edge port (RUNNERLINK_PORT, default {DEFAULT_PORT})")
    serve.add_argument("--gateway-port", type=int,
                       help=f"subnet gateway port (RUNNERLINK_GATEWAY_PORT, default {DEFAULT_GATEWAY_PORT})")
    serve.add_argument("--state", help="state directory, or 'memory' (RUNNERLINK_STATE, default: user data dir)")
    serve.add_argument("--region", help="default region (RUNNERLINK_REGION, default us-east-1)")
    serve.add_argument("--lifecycle-delay", type=float,
                       help="seconds an asynchronous operation takes (RUNNERLINK_LIFECYCLE_DELAY, default 2)")
    serve.add_argument("--log-level", help="uvicorn log level (RUNNERLINK_LOG_LEVEL, default warning)")
    serve.add_argument("--source", action="append", default=[], metavar="URL=DIR",
                       help="run services whose CodeRepository is URL from the local directory DIR (repeatable; "
                            "also RUNNERLINK_SOURCES; file:// URLs need no mapping)")
    serve.add_argument("--image", action="append", default=[], metavar="IMAGE=COMMAND",
                       help="run services of image IMAGE as the local command COMMAND, standing in for a container "
                            "(repeatable; also RUNNERLINK_IMAGES, one per line)")
    serve.add_argument("--container-engine", choices=("auto", "docker", "podman", "none"),
                       help="what runs image services (RUNNERLINK_CONTAINER_ENGINE, default auto: docker or podman "
                            "when one answers)")
    serve.add_argument("--iam", choices=IAM_MODES,
                       help="off: any access key works and no signature is checked (the default); enforce: every "
                            "signature is verified and requests are authorized with the caller's IAM policies "
                            "(RUNNERLINK_IAM)")
    serve.add_argument("--root-credentials", action="append", default=[], metavar="ACCOUNT=KEYID:SECRET",
                       help="an account's root access key and secret (repeatable; also RUNNERLINK_ROOT_CREDENTIALS, "
                            "comma-separated). Without it an account's root signs with its 12-digit id as key "
                            "and the secret 'test'")

    serve.add_argument("--vpc-quota", type=int,
                       help="VPCs per account and region (RUNNERLINK_VPC_QUOTA, default 5: AWS's default quota, which "
                            "Service Quotas raises)")

    serve.add_argument("--init", metavar="FILE",
                       help="import this state document (runnerlink state export's) at start-up when the state is "
                            "empty; a state directory that holds resources is left as it is (RUNNERLINK_INIT)")

    for name, help_text in (
        ("complete-handshake", "complete an App Runner connection's handshake (PENDING_HANDSHAKE → AVAILABLE)"),
        ("validate-domain", "mark a custom domain's certificate validated (→ active)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("arn", help="the connection ARN" if name == "complete-handshake" else "the service ARN")
        if name == "validate-domain":
            command.add_argument("domain", help="the custom domain name")
        command.add_argument("--endpoint-url", default=None, help="runnerlink's URL (default from RUNNERLINK_*)")

    modules = {name: importlib.import_module(name) for name in _command_modules(argv)}
    for module in modules.values():
        module.add_parser(commands)

    args = parser.parse_args(argv)
    for name, commands_of_module in COMMAND_MODULES:
        if args.command in commands_of_module:
            return modules[name].run(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "complete-handshake":
        return _admin(args, "apprunner/complete-connection-handshake", {"ConnectionArn": args.arn})
    return _admin(args, "apprunner/validate-custom-domain", {"ServiceArn": args.arn, "DomainName": args.domain})


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from runnerlink.server.app import EdgeApp
    from runnerlink.server.serving import check_settings, uvicorn_options

    try:
        settings = Settings.from_env(host=args.host, port=args.port, gateway_port=args.gateway_port,
                                     state=args.state, region=args.region,
                                     lifecycle_delay=args.lifecycle_delay, log_level=args.log_level,
                                     sources=tuple(args.source), images=tuple(args.image),
                                     container_engine=args.container_engine, iam=args.iam, vpc_quota=args.vpc_quota,
                                     root_credentials=tuple(args.root_credentials) or None, init=args.init)
        check_settings(settings)
        seed = _read_init(settings.init) if settings.init else None
    except ValueError as error:  # runtime.sources.MappingError too
        print(f"runnerlink serve: {error}", file=sys.stderr)
        return 2
    app = EdgeApp(settings, gateway=True)
    if seed is not None:
        if app.store.is_empty():
            count = app.store.load(seed)
            print(f"runnerlink serve: initialised the state from {settings.init} ({count} records)", flush=True)
        else:
            print(f"runnerlink serve: --init {settings.init} skipped: the state ({settings.state}) already holds "
                  f"resources, which are kept", flush=True)
    print(f"runnerlink {__version__} serving on http://{settings.host}:{settings.port}, subnet gateway on "
          f"{settings.host}:{settings.gateway_port} (state: {settings.state}, region: {settings.region}); dashboard: "
          f"http://{settings.host}:{settings.port}/_runnerlink/ui", flush=True)
    uvicorn.run(app, **uvicorn_options(app))
    return 0


def _read_init(path: str) -> list:
    """The records of the --init document; ValueError (exit 2) saying what is wrong with it."""
    from runnerlink.server.state_document import StateDocumentError, parse_document

    try:
        data = open(path, "rb").read()
    except OSError as error:
        raise ValueError(f"--init {path}: {error.strerror or error}") from None
    try:
        return parse_document(data)
    except StateDocumentError as error:
        raise ValueError(f"--init {path} is not a state document runnerlink can import: {error}") from None


def _admin(args: argparse.Namespace, path: str, payload: dict) -> int:
    import urllib.error
    import urllib.request

    base = edge_url(args.endpoint_url)
    request = urllib.request.Request(f"{base.rstrip('/')}/_runnerlink/{path}", data=json.dumps(payload).encode(),
                                     method="POST", headers={"content-type": "application/json"})
    try:
        # Not through a proxy the shell may have set (`eval "$(runnerlink env …)"`): the edge is local.
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
            print(json.dumps(json.load(response), indent=2))
            return 0
    except urllib.error.HTTPError as error:
        print(error.read().decode(), file=sys.stderr)
        return 1
    except urllib.error.URLError as error:
        print(f"runnerlink is not reachable at {base}: {error.reason}", file=sys.stderr)
        return 1
