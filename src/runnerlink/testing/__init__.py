"""runnerlink for tests: servers (in-process, child process, external), a handle per test with boto3 clients, reset,
state, the traffic log, a standard private network and workloads in subnets, and the pytest plugin (plugin.py)
built from them.

Importing this package is cheap: the pytest plugin module is loaded by every pytest run in an environment where
runnerlink is installed, so boto3, uvicorn and the server load only when a server or handle is made.
"""
