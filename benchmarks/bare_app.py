"""The bare HTTP stack runnerlink is compared with: a trivial ASGI app that answers every request with a fixed small
JSON body, served by uvicorn with exactly the options `runnerlink serve` uses (server/serving.py's UVICORN_OPTIONS).

    python benchmarks/bare_app.py --port 8000

It reads the request body (as any real app must) and ignores everything else. bench_apprunner.py checks that
UVICORN_OPTIONS still matches runnerlink serve's and warns when they drift apart.
"""

from __future__ import annotations

import argparse

# The keyword arguments `runnerlink serve` passes to uvicorn.run (server/serving.py), besides the app, host, port and
# its own front protocol. loop is left at "auto", which picks uvloop when uvicorn[standard] is installed.
UVICORN_OPTIONS = {
    "log_level": "warning",
    "lifespan": "on",
    "access_log": False,
    "server_header": False,
    "date_header": False,
    "timeout_keep_alive": 120,
}

BODY = b'{"ok":true,"service":"bare"}'
HEADERS = [
    (b"content-type", b"application/x-amz-json-1.0"),
    (b"content-length", str(len(BODY)).encode()),
]
START = {"type": "http.response.start", "status": 200, "headers": HEADERS}
RESPONSE = {"type": "http.response.body", "body": BODY}


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(START)
    await send(RESPONSE)


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    print(f"bare ASGI app serving on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, **UVICORN_OPTIONS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
