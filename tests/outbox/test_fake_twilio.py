"""The fake Twilio API lists its messages as Twilio does, read by the real twilio client
(filters, newest first, pages followed through next_page_uri)."""

from datetime import timedelta

import httpx
from twilio.rest import Client

from participation.clock import set_now, utcnow
from tests.conftest import TEST_TWILIO_TOKEN

ACCOUNT = "AC" + "0" * 32
OURS = "+4915100000000"
ALICE = "+4915111111111"
BOB = "+4916022222222"


def client_for(api) -> Client:
    client = Client(ACCOUNT, TEST_TWILIO_TOKEN)
    client.api.base_url = api.base_url
    return client


def test_the_list_filters_and_pages_like_twilio(twilio_api):
    client = client_for(twilio_api)
    start = utcnow().replace(microsecond=0)
    try:
        for day, (to, body) in enumerate([(ALICE, "eins"), (BOB, "zwei"), (ALICE, "drei")]):
            set_now(start + timedelta(days=day))
            client.messages.create(to=to, from_=OURS, body=body)
        set_now(start + timedelta(days=3))
        client.messages.create(to=ALICE, from_="+4915199999999", body="vier")
    finally:
        set_now(None)
    to_alice = client.messages.list(to=ALICE, from_=OURS)
    assert [m.body for m in to_alice] == ["drei", "eins"]  # newest first
    assert to_alice[0].date_created == start + timedelta(days=2)
    assert to_alice[0].date_sent == start + timedelta(days=2)
    assert [m.body for m in client.messages.list(to=ALICE, page_size=1)] == [
        "vier",
        "drei",
        "eins",
    ]
    after = client.messages.list(date_sent_after=start + timedelta(days=1))
    assert [m.body for m in after] == ["vier", "drei", "zwei"]
    before = client.messages.list(date_sent_before=start + timedelta(days=1))
    assert [m.body for m in before] == ["zwei", "eins"]
    # Twilio's documented day form, as a raw request.
    day = (start + timedelta(days=1)).date().isoformat()
    raw = httpx.get(
        f"{twilio_api.base_url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
        params={"DateSent": day},
        auth=(ACCOUNT, TEST_TWILIO_TOKEN),
    ).json()
    assert [m["body"] for m in raw["messages"]] == ["zwei"]
    assert raw["next_page_uri"] is None and raw["page"] == 0


def test_a_queued_message_has_no_date_sent(twilio_api):
    twilio_api.keep_queued = True
    client = client_for(twilio_api)
    created = client.messages.create(to=ALICE, from_=OURS, body="wartet")
    assert created.status == "queued" and created.date_sent is None
    [listed] = client.messages.list(to=ALICE)
    assert listed.sid == created.sid and listed.status == "queued"
    assert client.messages.list(date_sent_after=utcnow() - timedelta(days=1)) == []
