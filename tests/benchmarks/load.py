"""Drives the server with Debian's wrk and reads its figures back as JSON.

wrk runs in its own process with one thread (-t1): on a 2-core machine a second load
thread takes CPU from the server and skews the figures. Every script ends in the same
done() that prints exact percentiles (µs) as one JSON line; wrk's own CPU time is read
from the kernel (wait4), so the table shows whether the load generator kept up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: Collects every thread's counters and prints one JSON line for the runner.
REPORT_LUA = r"""
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local ok, other = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + (thread:get("ok") or 0)
    other = other + (thread:get("other") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "bad_status": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"counted_ok": %d, "counted_other": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, ok, other))
end
"""

#: A fixed form POST; the Location of every 303 is written down, so each acknowledged
#: contribution can be looked up in the database afterwards.
POST_FORM_LUA = r"""
ok, other = 0, 0
local out
function init(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  out = assert(io.open(args[2] .. "." .. id, "a"))
  out:setvbuf("line")
end

function response(status, headers, body)
  if status == 303 then
    ok = ok + 1
    out:write(headers["location"] or headers["Location"] or "", "\n")
  else
    other = other + 1
  end
end
"""

#: Twilio-signed webhook bodies, prepared in Python (the signature covers the body, and
#: each message needs its own MessageSid or it is taken for a redelivery and stored once).
SIGNED_LUA = r"""
ok, other = 0, 0
local prepared = {}
local next_index = 0
function init(args)
  for line in io.lines(args[1]) do
    local signature, body = line:match("^([^\t]*)\t(.*)$")
    prepared[#prepared + 1] = wrk.format("POST", args[2], {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = signature,
    }, body)
  end
  -- Start past the messages an earlier run (the warm-up) sent: a repeated MessageSid
  -- is a redelivery, answered from the log without storing anything.
  next_index = tonumber(args[3] or "0") + math.floor((id - 1) * #prepared / 8)
end

function request()
  next_index = next_index % #prepared + 1
  return prepared[next_index]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else other = other + 1 end
end
"""

GET_LUA = ""


@dataclass
class LoadResult:
    name: str
    path: str
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: int = 0
    bad_status: int = 0
    counted_ok: int = 0
    counted_other: int = 0
    connections: int = 0
    server_cpu_percent: float = 0.0
    wrk_cpu_percent: float = 0.0
    ratio_rps: float | None = None
    ratio_p50: float | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: run `make system-deps` (Debian package wrk).")
    return found


def run_wrk(
    url: str,
    *,
    name: str,
    script: str = GET_LUA,
    script_args: list[str] | None = None,
    connections: int = 32,
    duration: float = 15,
    headers: dict[str, str] | None = None,
    server_cpu=None,
) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="wrk-") as scratch:
        script_path = Path(scratch) / "script.lua"
        script_path.write_text(script + REPORT_LUA)
        output_path = Path(scratch) / "out.txt"
        command = [
            wrk_path(),
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script_path),
        ]
        for header_name, value in (headers or {}).items():
            command += ["-H", f"{header_name}: {value}"]
        command.append(url)
        if script_args:
            command += ["--", *script_args]
        cpu_before = server_cpu() if server_cpu else 0.0
        with output_path.open("wb") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
            _pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        cpu_after = server_cpu() if server_cpu else 0.0
        text = output_path.read_text(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("WRK_JSON ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{text}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    return LoadResult(
        name=name,
        path=urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else ""),
        requests=raw["requests"],
        seconds=round(seconds, 2),
        rps=raw["requests"] / seconds if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
        bad_status=raw["bad_status"],
        counted_ok=raw["counted_ok"],
        counted_other=raw["counted_other"],
        connections=connections,
        server_cpu_percent=100 * (cpu_after - cpu_before) / seconds if seconds else 0.0,
        wrk_cpu_percent=100 * (usage.ru_utime + usage.ru_stime) / seconds if seconds else 0.0,
    )
