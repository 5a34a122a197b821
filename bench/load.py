"""Load from a separate process: wrk when it is installed, else :mod:`bench.pyload`.

Both keep ``connections`` keep-alive connections busy for ``duration`` seconds, each
sending its next request as soon as the previous answer arrived (a closed loop), and
report completed requests, latency percentiles and errors. wrk is preferred because it
needs a fraction of the CPU a Python client does, and on two cores every cycle the load
generator burns is taken from the server; the report says which one ran, and ratios are
only ever taken between runs of the same generator.

Two request sources:

* ``tickets``: every request a new ticket (``{tag}-{thread}-{n}``) of one event, so each
  one is a real sale rather than a deduplicated repeat;
* ``file``: pre-built requests (signed webhooks, whose HMAC a wrk script cannot compute),
  one JSON object per line ``{"headers": {...}, "body": "..."}``, split among threads.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from bench.common import ROOT, child_env

Source = Literal["tickets", "file"]


@dataclass
class LoadSpec:
    url: str
    path: str
    source: Source
    duration: float = 10.0
    connections: int = 32
    headers: dict[str, str] = field(default_factory=dict)
    event_id: str = ""
    tag: str = "bench"
    requests_file: str = ""
    offset: int = 0  # file source: where this run starts, so runs do not repeat bodies


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers, socket errors and timeouts
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


ENV_TOOL = "BENCH_LOAD_TOOL"  # "wrk" or "pyload" to choose; unset: wrk when installed


def tool_name() -> str:
    chosen = os.environ.get(ENV_TOOL, "").strip().lower()
    if chosen in ("wrk", "pyload"):
        return chosen
    return "wrk" if shutil.which("wrk") else "pyload"


def run_load(spec: LoadSpec, threads: int = 2) -> LoadResult:
    if tool_name() == "wrk":
        return _run_wrk(spec, threads)
    return _run_pyload(spec)


class Background:
    """A load generator running until :meth:`stop` (SIGINT: both tools then report)."""

    def __init__(self, spec: LoadSpec, threads: int = 2) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="hub-bench-load-")
        self.tool = tool_name()
        if self.tool == "wrk":
            command = _wrk_command(spec, threads, Path(self._tmp.name))
            env = None
        else:
            spec_file = Path(self._tmp.name) / "spec.json"
            spec_file.write_text(json.dumps(asdict(spec)), encoding="utf-8")
            command = [sys.executable, "-m", "bench.pyload", str(spec_file)]
            env = child_env()
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def stop(self) -> LoadResult:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            stdout, stderr = self.proc.communicate(timeout=30)
        finally:
            self._tmp.cleanup()
        return _parse(stdout, stderr, self.tool, scale_us=True)


_MARK = "BENCH_JSON "

_LUA_COMMON = r"""
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%.1f,"p90_us":%.1f,' ..
    '"p99_us":%.1f,"errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
"""

_LUA_TICKETS = r"""
local path, event_id, tag, headers
local n = 0
function init(args)
  path = args[1]
  event_id = args[2]
  tag = args[3] .. "-" .. tostring(tid)
  headers = {["Content-Type"] = "application/json", ["Authorization"] = args[4]}
end
function request()
  n = n + 1
  local id = tag .. "-" .. n
  local body = '{"id":"' .. id .. '","event_id":"' .. event_id .. '","email":"' .. id ..
    '@example.com","first_name":"Ada","last_name":"Lovelace"}'
  return wrk.format("POST", path, headers, body)
end
"""

# Each thread keeps every k-th line of the file, so threads never send the same body.
_LUA_FILE = r"""
local prepared = {}
local n = 0
function init(args)
  local path, file, nthreads = args[1], args[2], tonumber(args[3])
  n = math.floor(tonumber(args[4]) / nthreads)
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == tid then
      local tab = line:find("\t", 1, true)
      local head, body = line:sub(1, tab - 1), line:sub(tab + 1)
      local headers = {}
      for pair in head:gmatch("[^\1]+") do
        local colon = pair:find(":", 1, true)
        headers[pair:sub(1, colon - 1)] = pair:sub(colon + 1)
      end
      table.insert(prepared, wrk.format("POST", path, headers, body))
    end
    i = i + 1
  end
end
function request()
  n = n + 1
  if n > #prepared then n = 1 end  -- past the end: repeats (answered as duplicates)
  return prepared[n]
end
"""


def _wrk_file_lines(requests_file: str) -> Path:
    """The JSON-lines request file in the flat form the wrk script reads."""
    out = Path(requests_file).with_suffix(".wrk")
    if out.exists() and out.stat().st_mtime >= Path(requests_file).stat().st_mtime:
        return out
    with open(requests_file, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            item = json.loads(line)
            head = "\1".join(f"{k}:{v}" for k, v in item["headers"].items())
            dst.write(f"{head}\t{item['body']}\n")
    return out


def _run_wrk(spec: LoadSpec, threads: int) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="hub-bench-wrk-") as tmp:
        command = _wrk_command(spec, threads, Path(tmp))
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    return _parse(done.stdout, done.stderr, "wrk", scale_us=True)


def _wrk_command(spec: LoadSpec, threads: int, tmp: Path) -> list[str]:
    threads = max(1, min(threads, spec.connections))
    script = tmp / "load.lua"
    if spec.source == "tickets":
        script.write_text(_LUA_COMMON + _LUA_TICKETS, encoding="utf-8")
        args = [spec.path, spec.event_id, spec.tag, spec.headers.get("Authorization", "")]
    else:
        script.write_text(_LUA_COMMON + _LUA_FILE, encoding="utf-8")
        lines = _wrk_file_lines(spec.requests_file)
        args = [spec.path, str(lines), str(threads), str(spec.offset)]
    return [
        "wrk",
        f"-t{threads}",
        f"-c{spec.connections}",
        f"-d{max(1, round(spec.duration))}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        spec.url,
        "--",
        *args,
    ]


def _run_pyload(spec: LoadSpec) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(asdict(spec), f)
    command = [sys.executable, "-m", "bench.pyload", f.name]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=ROOT, env=child_env()
    )
    Path(f.name).unlink(missing_ok=True)
    return _parse(done.stdout, done.stderr, "pyload", scale_us=True)


def _parse(stdout: str, stderr: str, tool: str, scale_us: bool) -> LoadResult:
    for line in stdout.splitlines():
        if line.startswith(_MARK):
            data = json.loads(line[len(_MARK) :])
            return LoadResult(
                requests=int(data["requests"]),
                seconds=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1000,
                p90_ms=data["p90_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                errors=int(data["errors"]),
                tool=tool,
            )
    raise RuntimeError(f"{tool} produced no result:\n{stdout[-2000:]}\n{stderr[-2000:]}")
