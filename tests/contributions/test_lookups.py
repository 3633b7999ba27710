"""Reference look-ups: every door reads the digits residents type, and none can be used to
enumerate reference numbers (a limit per hashed client address, and per phone by SMS)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from participation.accounts.throttle import LoginThrottle
from participation.clock import set_now, utcnow
from participation.contributions.reference import format_reference, new_reference
from participation.db import session_scope
from tests.channels.sms.conftest import ALICE, BOB, send_sms
from tests.conftest import PUBLIC_BASE
from tests.factories import make_consultation, make_contribution, soup

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
#: Far more than the limit allows: an enumeration must meet a 429 long before.
ATTEMPTS = 40


def _missing(existing: str) -> list[str]:
    """Valid reference numbers (check digit right) that belong to nobody."""
    numbers: list[str] = []
    while len(numbers) < ATTEMPTS:
        number = new_reference()
        if number != existing:
            numbers.append(number)
    return numbers


def test_arabic_indic_persian_and_full_width_references_are_found_on_the_web(client, engine):
    consultation = make_consultation(engine)
    reference = make_contribution(engine, consultation).reference
    for table in (ARABIC, PERSIAN, FULL_WIDTH):
        typed = format_reference(reference).translate(table)
        response = client.get("/en/r", params={"ref": typed}, follow_redirects=False)
        assert response.status_code == 303, typed
        assert response.headers["location"].endswith(f"/en/r/{reference}")
        page = client.get(f"/en/r/{reference.translate(table)}")
        assert page.status_code == 200, typed
        assert format_reference(reference) in page.text


def test_enumerating_references_from_one_address_is_stopped(client, app, engine):
    consultation = make_consultation(engine)
    reference = make_contribution(engine, consultation).reference
    statuses = [client.get(f"/en/r/{number}").status_code for number in _missing(reference)]
    assert 429 in statuses, statuses
    first = statuses.index(429)
    assert 5 <= first <= 20, statuses
    assert set(statuses[:first]) == {404}
    assert set(statuses[first:]) == {429}

    # Now even a real number is refused from this address, with a clear page and the form.
    limited = client.get("/en/r", params={"ref": format_reference(reference)})
    assert limited.status_code == 429
    assert limited.headers["retry-after"]
    page = soup(limited.text)
    assert "too many reference numbers" in page.find(class_="error-summary").get_text()
    assert page.find("input", attrs={"name": "ref"})["value"] == reference
    german = client.get(f"/de/r/{reference}")
    assert german.status_code == 429
    assert "Vorgangsnummern" in soup(german.text).find(class_="error-summary").get_text()

    # Another address is not affected ...
    with TestClient(app, base_url=PUBLIC_BASE, client=("203.0.113.9", 40000)) as other:
        assert other.get(f"/en/r/{reference}").status_code == 200
    # ... and this one may look again an hour later.
    set_now(utcnow() + timedelta(hours=1, minutes=1))
    assert client.get(f"/en/r/{reference}").status_code == 200


def test_no_address_is_stored_for_the_limit(client, engine):
    consultation = make_consultation(engine)
    reference = make_contribution(engine, consultation).reference
    for number in _missing(reference)[:3]:
        client.get(f"/en/r/{number}")
    with session_scope(engine) as session:
        keys = [row.key for row in session.exec(select(LoginThrottle)).all()]
    assert keys and all("testclient" not in key and len(key) == 64 for key in keys)


def test_status_by_sms_is_limited_per_phone(client, engine):
    consultation = make_consultation(engine, code="4711")
    reference = make_contribution(engine, consultation).reference
    # 15 messages: below the general limit of SMS_PER_HOUR (20), which would stop them too.
    numbers = _missing(reference)[:15]
    replies = [send_sms(client, f"STATUS {number}").text or "" for number in numbers]
    limited = [i for i, text in enumerate(replies) if "warten Sie eine Stunde" in text]
    assert limited, replies[-1]
    assert 5 <= limited[0] <= 12
    assert limited == list(range(limited[0], len(replies)))
    # The limit is this phone's: another number still gets its answer.
    assert send_sms(client, f"STATUS {reference}", BOB).text.startswith(format_reference(reference))
    assert "warten Sie eine Stunde" in (send_sms(client, f"STATUS {reference}", ALICE).text or "")


def test_arabic_indic_status_by_sms_still_works(client, engine):
    consultation = make_consultation(engine, code="4711")
    reference = make_contribution(engine, consultation).reference
    reply = send_sms(client, "STATUS " + reference.translate(ARABIC))
    assert reply.text.startswith(format_reference(reference))


def test_status_by_phone_is_limited_per_caller(client, engine):
    from tests.channels.voice.conftest import WEDNESDAY_MORNING
    from tests.channels.voice.phone import to_consultation

    set_now(WEDNESDAY_MORNING)  # inside the line's opening hours
    consultation = make_consultation(engine)
    reference = make_contribution(engine, consultation).reference
    caller = "+4915199999999"
    missing = iter(_missing(reference))
    said = []
    # Three wrong numbers end a call; the caller rings again, and again.
    for _call in range(5):
        call = to_consultation(client, from_number=caller)
        call.press("4")
        while call.gather is not None and call.gather.get("action", "").split("?")[0].endswith(
            "/lookup"
        ):
            call.press(next(missing) + "#")
            said.append(call.text())
    limited = [i for i, text in enumerate(said) if "zu viele Vorgangsnummern" in text]
    assert limited, said[-1]
    assert 5 <= limited[0] <= 12

    call = to_consultation(client, from_number=caller)
    call.press("4")
    call.press(reference + "#")
    assert "zu viele Vorgangsnummern" in call.text()
    other = to_consultation(client, from_number="+4915188888888")
    other.press("4")
    other.press(reference + "#")
    spaced = " ".join(reference[:4]) + ", " + " ".join(reference[4:])
    assert other.text().startswith(f"Ihr Beitrag {spaced} ist angekommen")
