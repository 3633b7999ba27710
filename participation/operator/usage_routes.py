"""What each council used in a month (council_usage.py), as a page and as CSV for the
bill; and the councils list with this month's figures. Counts only, never a text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.clock import utcnow
from participation.council_usage import Usage, monthly_usage
from participation.councils.models import Council
from participation.councils.service import listing
from participation.operator.forms import month_of
from participation.operator.guard import requires_operator
from participation.results.exports import csv_safe
from participation.web.templating import render
from participation.web.transactions import read

#: The doors a contribution comes in by, in the order of the columns.
DOORS = ("web", "sms", "voice", "paper", "in_person")
CSV_HEADER = (
    "month",
    "council",
    "name",
    *DOORS,
    "contributions",
    "sms_received",
    "sms_sent",
    "call_minutes",
)


@dataclass(frozen=True)
class ListedCouncil:
    council: Council
    hosts: list[str]
    numbers: list[str]
    usage: Usage


def councils_with_usage(session: Session, month: date) -> list[ListedCouncil]:
    used = {row.council_id: row for row in monthly_usage(session, month)}
    return [
        ListedCouncil(council, hosts, numbers, used.get(council.id) or Usage(council.id, "", ""))
        for council, hosts, numbers in listing(session)
    ]


def _month(request: Request) -> date:
    month = month_of(request.query_params.get("month"), utcnow().date())
    if month is None:
        raise HTTPException(400)
    return month


async def overview(request: Request) -> dict:
    month = utcnow().date().replace(day=1)
    councils = await read(request, councils_with_usage, month)
    return {"councils": councils, "month": month, "done": request.query_params.get("done")}


@requires_operator
async def usage_page(request: Request) -> Response:
    month = _month(request)
    rows = await read(request, monthly_usage, month)
    return render(request, "operator/usage.html", {"rows": rows, "month": month, "doors": DOORS})


def csv_lines(rows: list[Usage], month: date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in rows:
        by_door = [row.contributions.get(door, 0) for door in DOORS]
        writer.writerow(
            [
                f"{month:%Y-%m}",
                csv_safe(row.slug),
                csv_safe(row.name),
                *by_door,
                sum(row.contributions.values()),
                row.sms_received,
                row.sms_sent,
                row.call_minutes,
            ]
        )
    return buffer.getvalue()


@requires_operator
async def usage_csv(request: Request) -> Response:
    month = _month(request)
    rows = await read(request, monthly_usage, month)
    # A byte-order mark, so that Excel, where bills are made, reads the names' UTF-8.
    return Response(
        "\ufeff" + csv_lines(rows, month),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="usage-{month:%Y-%m}.csv"'},
    )


routes = [
    Route("/usage", usage_page, methods=["GET"], name="operator_usage"),
    Route("/usage.csv", usage_csv, methods=["GET"], name="operator_usage_csv"),
]
