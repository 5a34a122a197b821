"""What every benchmark shares: ports, child processes, the hub server, databases.

Children are started with the benchmark's own interpreter and environment (API key and
secret key set here), their output goes to a log file in the run's work directory so a
failure can be read afterwards, and they are stopped by their own process id only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "bench-api-key-0123456789abcdef"
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnopqrstuv"
POSTGRES_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HUB_API_KEYS=API_KEY,
        HUB_SECRET_KEY=SECRET_KEY,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    env.pop("HUB_DATABASE_URL", None)
    env.update(extra)
    return env


def rss_of(pid: int) -> int:
    """Resident set size of a process in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        return 0
    return 0


def stop_process(proc: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    """SIGINT (a graceful uvicorn shutdown), then SIGKILL if it does not exit in time."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def wait_http(url: str, proc: subprocess.Popen[Any], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}; see {log}:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s; see {log}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def hub_config(
    db_url: str,
    enabled: list[str],
    *,
    default_provider: str,
    run_workers: bool = True,
    plugins: dict[str, dict[str, Any]] | None = None,
    pipeline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A hub.toml as a dict: production defaults except where a benchmark says otherwise."""
    return {
        "hub": {"default_video_provider": default_provider},
        "database": {"url": db_url},
        "pipeline": {"run_workers": run_workers, **(pipeline or {})},
        "logging": {"level": "warning"},
        "plugins": {"enabled": enabled, **(plugins or {})},
    }


@dataclass
class HubServer:
    """A running ``bench.server`` process and an HTTP client for its set-up calls."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss(self) -> int:
        return rss_of(self.proc.pid)

    def client(self, timeout: float = 120.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=timeout
        )

    def stats(self, deliveries: bool = False) -> dict[str, Any]:
        with self.client() as client:
            response = client.get("/bench/stats", params={"deliveries": deliveries})
            response.raise_for_status()
            return response.json()


@contextlib.contextmanager
def hub_server(work: Path, name: str, config: dict[str, Any], **env: str) -> Iterator[HubServer]:
    """Start the hub under test with ``config``; stop it (gracefully) when the block ends."""
    work.mkdir(parents=True, exist_ok=True)
    config_path = work / f"{name}.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    log = work / f"{name}.log"
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(config_path), str(port)],
            cwd=ROOT,
            env=child_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health", proc, log)
        yield HubServer(proc, url, log)
    finally:
        stop_process(proc)


@contextlib.contextmanager
def worker_process(work: Path, name: str, config: dict[str, Any]) -> Iterator[int]:
    """Delivery workers in their own process (as ``hub worker``) on ``config``'s database;
    ``config`` may be the server's own (``run_workers = false``): workers run here anyway."""
    config_path = work / f"{name}-worker.json"
    worker_config = {**config, "pipeline": {**config.get("pipeline", {}), "run_workers": True}}
    config_path.write_text(json.dumps(worker_config), encoding="utf-8")
    log = work / f"{name}-worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", str(config_path)],
            cwd=ROOT,
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "worker ready" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker process did not start; see {log}:\n{_tail(log)}")
            time.sleep(0.1)
        yield proc.pid
    finally:
        stop_process(proc)


def sqlite_url(work: Path, name: str) -> str:
    path = work / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


def postgres_available() -> bool:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    try:
        with _pg_admin() as conn:
            conn.execute("SELECT 1")
    except Exception:
        return False
    return True


@contextlib.contextmanager
def _pg_admin() -> Iterator[Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    with psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or None,
        dbname=url.database or "postgres",
        autocommit=True,
        connect_timeout=3,
    ) as conn:
        yield conn


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new database on the benchmark's PostgreSQL server, dropped afterwards."""
    from sqlalchemy.engine import make_url

    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Emulator:
    """A running ``bench.emulator_proc`` (the Zoom emulator) and its URLs."""

    proc: subprocess.Popen[bytes]
    base_url: str

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/v2"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_emulator"

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.control_url}{path}", timeout=60, **kwargs)
        response.raise_for_status()
        return response.json()


@contextlib.contextmanager
def emulator(work: Path, name: str, time_scale: float) -> Iterator[Emulator]:
    """The Zoom emulator in its own process, its clock running ``time_scale`` times fast."""
    work.mkdir(parents=True, exist_ok=True)
    log = work / f"{name}.log"
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.emulator_proc", str(port), str(time_scale)],
            cwd=ROOT,
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/_emulator/health", proc, log)
        yield Emulator(proc, base)
    finally:
        stop_process(proc)
