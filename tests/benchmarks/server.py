"""The app as production runs it: uvicorn in its own process, watched through /proc."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]
BENCH_TWILIO_TOKEN = "bench-twilio-auth-token-0123456789"
BENCH_TWILIO_SID = "AC" + "b" * 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5), here shifted by the two cut off.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(n) for n in text)
    return found


@dataclass
class Server:
    database_url: str
    workers: int = 1
    port: int = field(default_factory=free_port)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    extra_env: dict[str, str] = field(default_factory=dict)
    data_dir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="bench-data-"))
    process: subprocess.Popen | None = None
    #: Highest VmHWM seen per worker, kept across peak resets.
    peak_kib: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            SECRET_KEY=self.secret_key,
            PUBLIC_BASE_URL=self.base,
            TWILIO_ACCOUNT_SID=BENCH_TWILIO_SID,
            TWILIO_AUTH_TOKEN=BENCH_TWILIO_TOKEN,
            TWILIO_PHONE_NUMBER="+4915100000000",
            PARTICIPATION_QUIET="1",
        )
        # As the README's systemd unit sets it: two malloc arenas instead of one per
        # thread keep a worker's memory ~20 MB lower after bursts of big pages.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        # The built downloads, shared by the workers as in production; gone with the run.
        env["DATA_DIR"] = self.data_dir
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "participation.bench:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env(), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200 and (
                    len(self.worker_pids()) == self.workers
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not answer within a minute")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: uvicorn itself with one worker, else its children."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        pids = []
        for pid in children(self.process.pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in command:
                pids.append(pid)
        return pids

    def memory(self) -> dict[str, int]:
        """Current and peak RSS of the largest worker, in KiB (peak also kept across resets)."""
        rss, hwm = 0, 0
        for pid in self.worker_pids():
            status = read_status(pid)
            rss, hwm = max(rss, status["VmRSS"]), max(hwm, status["VmHWM"])
        self.peak_kib = max(self.peak_kib, hwm)
        return {"rss_kib": rss, "hwm_kib": hwm, "peak_kib": self.peak_kib}

    def reset_peaks(self) -> bool:
        """Starts VmHWM afresh (Linux clear_refs 5) so one request's peak can be read."""
        self.memory()
        try:
            for pid in self.worker_pids():
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        self._stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def _stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@contextmanager
def running_workers(
    server: Server, count: int, logs: list[IO[str]] | None = None
) -> Iterator[list[subprocess.Popen]]:
    """``count`` `participation worker` processes beside the server, with its environment
    (their output to ``logs``, one a worker, or nowhere); stopped on leaving."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "participation.cli", "worker"],
            cwd=ROOT,
            env=server.env(),
            stdout=logs[n] if logs else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if logs else subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    try:
        yield workers
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
