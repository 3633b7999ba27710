"""The browser suite's figures at the end of a run, also under pytest-xdist.

Called from tests/conftest.py, which the xdist controller loads: this folder's own
conftest is loaded by the workers only. The figures travel in each test report's
user_properties (recorded by the ``axe`` fixture).
"""

from __future__ import annotations


def browser_summary(terminalreporter) -> None:
    scans = 0
    combos: set[str] = set()
    seconds = 0.0
    tests = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            keywords = getattr(report, "keywords", {}) or {}
            if "browser" not in keywords:
                continue
            seconds += getattr(report, "duration", 0.0) or 0.0
            if getattr(report, "when", "") != "call":
                continue
            tests += 1
            for name, value in getattr(report, "user_properties", []):
                if name == "axe_scans":
                    scans += value
                elif name == "axe_combos":
                    combos.update(value)
    if tests:
        terminalreporter.write_line(
            f"browser tests: {tests} run in {seconds:.0f} s of test time; axe-core: {scans} "
            f"scans without a violation over {len(combos)} page x language combinations"
        )
