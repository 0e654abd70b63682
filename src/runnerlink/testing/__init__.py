"""runnerlink for tests: servers (in-process, child process, external), a handle per test with boto3 clients, reset,
state, the traffic log, the documentation's private network and workloads in subnets, and the pytest plugin
(plugin.py) built from them.

Importing this package is cheap (the standard library only): the pytest plugin module is loaded by every pytest run
in an environment where runnerlink is installed, so boto3, uvicorn and the server load only when a server starts or
a handle makes a client.
"""

from __future__ import annotations

import importlib
from typing import Any

# name → the module defining it; loaded on first use (PEP 562), so `import runnerlink.testing.plugin` stays cheap.
_EXPORTS = {
    "DEFAULT_ACCOUNT": "handle", "DEFAULT_REGION": "handle", "Runnerlink": "handle", "Workload": "handle",
    "READ_ONLY_POLICY": "network", "PrivateNetwork": "network", "build_private_network": "network",
    "MODES": "servers", "STORES": "servers", "ExternalServer": "servers", "InProcessServer": "servers",
    "ServerError": "servers", "ServerOptions": "servers", "SubprocessServer": "servers", "TestServer": "servers",
    "start_server": "servers",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
