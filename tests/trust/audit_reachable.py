"""Which vulnerability service pip-audit can reach from here: prints "osv", "pypi" or
nothing. `make test` runs the dependency audit only when one answers, so CI without
network access does not break; `make audit` always runs it (and fails offline).

A service counts as reachable only when it answers a real question about a real release:
some networks let pypi.org through but block its per-release JSON, and pip-audit would
then "pass" while having audited nothing.
"""

from __future__ import annotations

import json
import sys
import urllib.request

TIMEOUT = 8
#: A release that exists and will keep existing, with a known vulnerability (CVE-2024-22195).
PROBE = ("jinja2", "3.1.2")


def _osv() -> bool:
    query = json.dumps(
        {"package": {"name": PROBE[0], "ecosystem": "PyPI"}, "version": PROBE[1]}
    ).encode()
    request = urllib.request.Request(
        "https://api.osv.dev/v1/query", data=query, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        return bool(json.load(response).get("vulns"))


def _pypi() -> bool:
    url = f"https://pypi.org/pypi/{PROBE[0]}/{PROBE[1]}/json"
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return bool(json.load(response).get("vulnerabilities"))


def main() -> int:
    for name, probe in (("osv", _osv), ("pypi", _pypi)):
        try:
            if probe():
                print(name)
                return 0
        except (OSError, ValueError):
            continue
    return 0


if __name__ == "__main__":
    sys.exit(main())
