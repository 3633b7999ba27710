"""A real uvicorn server in its own processes, on a free port, for tests that need HTTP
from outside the test process (several client processes, a worker to kill)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.conftest import TEST_SECRET, TEST_TWILIO_TOKEN

ACCOUNT_SID = "AC" + "0" * 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_environment(database_url: str, base_url: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": base_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_TWILIO_TOKEN,
        "TWILIO_PHONE_NUMBER": "+4915100000000",
        "PARTICIPATION_QUIET": "1",
        **extra,
    }


@contextmanager
def live_server(database_url: str, workers: int = 2) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "participation.asgi:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with _running(command, app_environment(database_url, base), base):
        yield base


@contextmanager
def served(database_url: str, **env: str) -> Iterator[str]:
    """`participation serve`, as the README's systemd unit starts it, on 127.0.0.1."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "participation.cli", "serve", "--port", str(port)]
    with _running(command, app_environment(database_url, base, **env), base):
        yield base


@contextmanager
def _running(command: list[str], env: dict[str, str], base: str) -> Iterator[None]:
    """The command in its own process group, until it answers /healthz, then stopped."""
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start: " + process.stderr.read().decode())
            time.sleep(0.2)
        yield
    finally:
        # The server's own process group: uvicorn's supervisor and its workers.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
