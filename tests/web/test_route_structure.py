"""The staff side is one Mount("/staff") of each area's own routes, written relative to it."""

from __future__ import annotations

from starlette.routing import Mount, Route

from participation.app import localized_routes
from tests.trust.routing import walk


def test_staff_pages_sit_under_one_staff_mount_and_no_route_spells_staff() -> None:
    mounts = [r for r in localized_routes if isinstance(r, Mount) and r.path == "/staff"]
    assert len(mounts) == 1
    spelled = [f.template for f in walk(localized_routes) if "/staff" in f.route.path]
    assert not spelled, spelled
    outside = [
        f.template
        for f in walk([r for r in localized_routes if r not in mounts])
        if "/staff" in f.template
    ]
    assert not outside, outside


def test_publish_and_withdraw_of_results_live_in_the_results_area() -> None:
    found = {f.route.name: f.route for f in walk(localized_routes) if isinstance(f.route, Route)}
    for name in ("staff_publish_results", "results_withdraw", "results_staff"):
        assert found[name].endpoint.__module__ == "participation.results.staff_routes", name
    assert found["frontdesk"].endpoint.__module__ == "participation.frontdesk.routes"
    assert found["consultation_poster"].endpoint.__module__ == "participation.consultations.posters"
