"""The fuzz test's request count at the end of a run, also under pytest-xdist.

Called from tests/conftest.py; the figures travel in the test reports' user_properties
(recorded by tests/trust/test_fuzz_every_route.py), as the browser suite's do.
"""

from __future__ import annotations


def fuzz_summary(terminalreporter) -> None:
    per_backend: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", "") != "call":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name == "fuzz_requests":
                    for backend, count in value.items():
                        per_backend[backend] = per_backend.get(backend, 0) + count
    if per_backend:
        terminalreporter.section("fuzz: generated requests")
        figures = ", ".join(f"{count} on {backend}" for backend, count in per_backend.items())
        total = sum(per_backend.values())
        terminalreporter.write_line(f"{total} generated requests ({figures}), none answered 5xx")
