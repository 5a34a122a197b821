"""A small closed-loop HTTP/1.1 load generator, for machines without wrk.

``python -m bench.pyload SPEC.json`` (a :class:`bench.load.LoadSpec` as JSON) prints one
``BENCH_JSON {...}`` line with the same fields as the wrk script. It speaks just enough
HTTP/1.1 over asyncio streams (keep-alive, Content-Length bodies) to stay cheap: a general
client such as httpx costs several times more CPU per request, which on a two-core machine
would be taken from the server being measured.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit


def _ticket_source(spec: dict[str, Any], worker: int) -> Callable[[], bytes]:
    counter = 0
    tag = f"{spec['tag']}-p{worker}"

    def next_body() -> bytes:
        nonlocal counter
        counter += 1
        ticket_id = f"{tag}-{counter}"
        return json.dumps(
            {
                "id": ticket_id,
                "event_id": spec["event_id"],
                "email": f"{ticket_id}@example.com",
                "first_name": "Ada",
                "last_name": "Lovelace",
            },
            separators=(",", ":"),
        ).encode()

    return next_body


def _request(host: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    if not any(k.lower() == "content-type" for k in headers):
        lines.append("Content-Type: application/json")
    lines.extend(f"{k}: {v}" for k, v in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connection(
    host: str, port: int, requests: Callable[[], bytes], stop_at: list[float], out: list[float]
) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < stop_at[0]:
            payload = requests()
            started = time.perf_counter()
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:].strip())
            if length:
                await reader.readexactly(length)
            out.append(time.perf_counter() - started)
            if status >= 400:
                errors += 1
    finally:
        writer.close()
    return errors


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def _read_items(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    url = urlsplit(spec["url"])
    host, port = url.hostname or "127.0.0.1", url.port or 80
    headers = dict(spec.get("headers") or {})
    if spec["source"] == "file":
        items = _read_items(spec["requests_file"])  # before the clock starts
        prepared = [_request(host, spec["path"], i["headers"], i["body"].encode()) for i in items]
        offset = int(spec.get("offset") or 0) % max(1, len(prepared))
        prepared = prepared[offset:] + prepared[:offset]
    latencies: list[float] = []
    connections = int(spec["connections"])
    started = time.perf_counter()
    stop_at = [started + float(spec["duration"])]  # SIGINT/SIGTERM end the run early
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_at.__setitem__, 0, 0.0)
    sources: list[Callable[[], bytes]] = []
    for worker in range(connections):
        if spec["source"] == "tickets":
            body_of = _ticket_source(spec, worker)

            def make(body_of: Callable[[], bytes] = body_of) -> bytes:
                return _request(host, spec["path"], headers, body_of())

            sources.append(make)
        else:
            share = prepared[worker::connections] or prepared
            position = [-1]

            def take(share: list[bytes] = share, position: list[int] = position) -> bytes:
                position[0] = (position[0] + 1) % len(share)
                return share[position[0]]

            sources.append(take)
    results = await asyncio.gather(
        *(_connection(host, port, source, stop_at, latencies) for source in sources),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    errors = sum(r if isinstance(r, int) else 1 for r in results)
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "duration_us": elapsed * 1e6,
        "p50_us": _percentile(ordered, 50) * 1e6,
        "p90_us": _percentile(ordered, 90) * 1e6,
        "p99_us": _percentile(ordered, 99) * 1e6,
        "errors": errors,
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        spec = json.load(file)
    result = asyncio.run(run(spec))
    print("BENCH_JSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
