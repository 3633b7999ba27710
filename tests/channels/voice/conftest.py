"""The phone line's tests run on a Wednesday morning, inside the line's hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from participation.clock import set_now

#: Wednesday 4 March 2026, 10:00 in Germany (CET).
WEDNESDAY_MORNING = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
#: Saturday 7 March 2026, 10:00 in Germany: outside "mon-fri 08:00-18:00".
SATURDAY_MORNING = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def office_hours():
    set_now(WEDNESDAY_MORNING)
    yield WEDNESDAY_MORNING
    set_now(None)
