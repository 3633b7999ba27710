"""The phone report per week and per month, on a seeded set of calls with known answers.

The clock stands at Wednesday 4 March 2026, 10:00 in Germany; the line is staffed
Monday to Friday, 08:00 to 18:00, so a call-back's 24 service hours span days.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.channels.voice.models import CallbackRequest, CallbackStatus, VoiceCall
from participation.channels.voice.report import STEPS, period_report
from participation.councils.service import add_host, by_slug, create_council
from participation.db import session_scope
from tests.factories import log_in_as, login, make_staff, soup

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = "mon-fri 08:00-18:00"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def call(sid: str, started: datetime, *, ended: bool = True, **done) -> VoiceCall:
    return VoiceCall(
        call_sid=sid,
        started_at=started,
        ended_at=started.replace(minute=started.minute + 3) if ended else None,
        duration=180 if ended else None,
        **done,
    )


def callback(sid: str, created: datetime, done: datetime | None = None) -> CallbackRequest:
    return CallbackRequest(
        call_sid=sid,
        locale="de",
        created_at=created,
        done_at=done,
        status=CallbackStatus.done if done else CallbackStatus.open,
    )


def seed(engine, council_id: int, suffix: str = "") -> None:
    rows = [
        # The week of Monday 2 March (this week).
        call("c1", at(3, 2, 9), contributed=True),
        call("c2", at(3, 2, 10), voted=True, requested_callback=True),
        callback("c2", at(3, 2, 10, 5), done=at(3, 2, 15, 5)),  # 5 service hours
        call("c3", at(3, 3, 11), heard_status=True),
        call("c4", at(3, 3, 12), last_step="language"),
        call("c5", at(3, 3, 12, 30), last_step="consultation"),
        call("c6", at(3, 4, 9, 50), ended=False, last_step="action"),  # still talking
        call("c9", at(3, 2, 8, 30), requested_callback=True),
        callback("c9", at(3, 2, 8, 30)),  # open, 21.5 service hours so far: pending
        # The week of Monday 23 February (last week, and February).
        call("c7", at(2, 27, 17), requested_callback=True),
        # Friday 17:00 to Tuesday 09:30: four days, but 1 + 10 + 1.5 = 12.5 service hours.
        callback("c7", at(2, 27, 17), done=at(3, 3, 9, 30)),
        call("c8", at(2, 26, 9), requested_callback=True),
        # Thursday 09:00 to Monday 14:00: 9 + 10 + 6 = 25 service hours, late.
        callback("c8", at(2, 26, 9), done=at(3, 2, 14)),
        call("c10", at(2, 26, 10), requested_callback=True),
        callback("c10", at(2, 26, 10)),  # still open, well past 24 service hours: late
    ]
    with session_scope(engine, write=True, council_id=council_id) as session:
        for row in rows:
            row.call_sid += suffix
            session.add(row)


#: (calls, completed, finished, abandoned, resolved at first contact,
#:  call-backs, within, late, pending, median service hours)
THIS_WEEK = (7, 2, 6, 2, 2, 2, 1, 0, 1, 5.0)
LAST_WEEK = (3, 0, 3, 0, 0, 3, 1, 2, 0, 12.5)


def figures(period):
    return (
        period.calls,
        period.completed,
        period.finished,
        period.abandoned,
        period.resolved_first_contact,
        period.callbacks,
        period.within_promise,
        period.late,
        period.pending,
        period.median_callback_hours,
    )


@pytest.fixture
def seeded(engine):
    seed(engine, 1)
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    seed(engine, other, "-b")
    seed(engine, other, "-b2")  # twice as many there: any leak would show
    return other


def report_of(engine, council_id: int = 1):
    with session_scope(engine, council_id=council_id) as session:
        return period_report(session, timezone="Europe/Berlin", hours=HOURS)


def test_weekly_figures_with_known_answers(engine, seeded):
    report = report_of(engine)
    this_week, last_week = report.weeks[0], report.weeks[1]
    assert this_week.start.isoformat() == "2026-03-02"
    assert last_week.start.isoformat() == "2026-02-23"
    assert figures(this_week) == THIS_WEEK
    assert figures(last_week) == LAST_WEEK
    assert dict(this_week.abandoned_at) == {"language": 1, "consultation": 1}
    assert this_week.within_share == 1.0
    assert last_week.within_share == pytest.approx(1 / 3)
    assert this_week.first_contact_share == pytest.approx(2 / 6)
    assert last_week.first_contact_share == 0.0
    assert all(figures(w)[0] == 0 for w in report.weeks[2:])
    assert len(report.weeks) == 8


def test_monthly_figures_and_another_councils_calls_never_counted(engine, seeded):
    report = report_of(engine)
    march, february = report.months[0], report.months[1]
    assert (march.start.isoformat(), march.end.isoformat()) == ("2026-03-01", "2026-03-31")
    assert (february.start.isoformat(), february.end.isoformat()) == ("2026-02-01", "2026-02-28")
    assert figures(march) == THIS_WEEK
    assert figures(february) == LAST_WEEK
    theirs = report_of(engine, seeded)
    assert figures(theirs.weeks[0])[:2] == (14, 4)


def table(page, kind: str) -> dict[str, dict[str, str]]:
    rows = {}
    for row in page.find(id=f"report-{kind}s").find("tbody").find_all("tr"):
        rows[row["data-period"]] = {
            cell["data-figure"]: cell.get("data-value", cell.get_text(strip=True))
            for cell in row.find_all("td")
        }
    return rows


def test_the_page_shows_the_figures_and_the_csv_matches_it(client, engine, seeded):
    login(client, engine, Role.editor)
    page = soup(client.get("/de/staff/calls/report").text)
    weeks, months = table(page, "week"), table(page, "month")
    this_week = weeks["week-2026-03-02"]
    assert this_week["calls"] == "7" and this_week["completed"] == "2"
    assert this_week["abandoned"] == "2" and this_week["callbacks_requested"] == "2"
    assert this_week["share_within_24_service_hours"] == "1.000"
    assert this_week["median_callback_service_hours"] == "5.0"
    assert this_week["first_contact_resolution"] == "0.333"
    assert weeks["week-2026-02-23"]["share_within_24_service_hours"] == "0.333"
    abandoned = page.find(id="report-weeks-abandoned").find("tr", attrs={"data-step": "language"})
    assert abandoned.find("td", attrs={"data-period": "week-2026-03-02"}).get_text() == "1"

    response = client.get("/de/staff/calls/report.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 8 + 6
    for row in rows:
        shown = (weeks if row["period"] == "week" else months)[f"{row['period']}-{row['start']}"]
        for name, value in shown.items():
            expected = value if value not in ("–",) else ""
            assert row[name] == expected, (row["period"], row["start"], name)
        steps_row = page.find(id=f"report-{row['period']}s-abandoned")
        for step in STEPS:
            line = steps_row.find("tr", attrs={"data-step": step})
            if line is None:
                assert row[f"abandoned_at_{step}"] == "0"
                continue
            cell = line.find("td", attrs={"data-period": f"{row['period']}-{row['start']}"})
            assert row[f"abandoned_at_{step}"] == cell.get_text(), step


@pytest.mark.parametrize("path", ["/de/staff/calls/report", "/de/staff/calls/report.csv"])
def test_the_report_is_for_staff_only(client, engine, seeded, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and "login" in response.headers["location"]
    for role in (Role.editor, Role.moderator, Role.admin):
        client.cookies.clear()
        login(client, engine, role)
        assert client.get(path).status_code == 200, role


def this_weeks_calls(client: TestClient) -> str:
    rows = csv.DictReader(io.StringIO(client.get("/de/staff/calls/report.csv").text))
    return next(r for r in rows if r["period"] == "week" and r["start"] == "2026-03-02")["calls"]


def test_each_councils_staff_see_their_own_calls_only(app, engine, seeded):
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        add_host(session, by_slug(session, "beispieldorf"), "beispieldorf.localhost")
    ours = make_staff(engine, Role.editor, "musterstadt-staff@example.org")
    theirs = make_staff(engine, Role.editor, "beispieldorf-staff@example.org", council_id=seeded)
    with TestClient(app, base_url="https://musterstadt.localhost") as musterstadt:
        # Another council's account does not log in here, and so sees nothing here.
        assert log_in_as(musterstadt, theirs.email) != 303
        assert (
            musterstadt.get("/de/staff/calls/report.csv", follow_redirects=False).status_code == 303
        )
        assert log_in_as(musterstadt, ours.email) == 303
        assert this_weeks_calls(musterstadt) == "7"
    with TestClient(app, base_url="https://beispieldorf.localhost") as dorf:
        assert log_in_as(dorf, theirs.email) == 303
        assert this_weeks_calls(dorf) == "14"
