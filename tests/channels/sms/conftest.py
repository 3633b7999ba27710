"""Signed SMS webhooks, as Twilio sends them, and their parsed TwiML replies."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import PUBLIC_BASE, TEST_TWILIO_TOKEN

WEBHOOK = "/twilio/sms"
ALICE = "+4915111111111"
BOB = "+4916022222222"


@dataclass
class Reply:
    status: int
    #: The <Message> texts of the TwiML answer; [] when Twilio is told to send nothing.
    messages: list[str]
    sid: str

    @property
    def text(self) -> str | None:
        return self.messages[0] if self.messages else None


def twilio_params(body: str, number: str, sid: str, num_media: int = 0) -> dict[str, str]:
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": number,
        "To": "+4915100000000",
        "Body": body,
        "NumMedia": str(num_media),
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }
    for index in range(num_media):
        params[f"MediaUrl{index}"] = f"https://api.twilio.com/media/ME{index}"
        params[f"MediaContentType{index}"] = "image/jpeg"
    return params


def signature(url: str, params: dict[str, str], token: str = TEST_TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def parse_twiml(xml: str) -> list[str]:
    root = ET.fromstring(xml)  # noqa: S314 - our own application's TwiML
    assert root.tag == "Response", xml
    return [message.text or "" for message in root.iter("Message")]


def send_sms(
    client,
    body: str,
    number: str = ALICE,
    *,
    sid: str | None = None,
    num_media: int = 0,
) -> Reply:
    sid = sid or "SM" + secrets.token_hex(16)
    params = twilio_params(body, number, sid, num_media)
    response = client.post(
        WEBHOOK,
        data=params,
        headers={"X-Twilio-Signature": signature(PUBLIC_BASE + WEBHOOK, params)},
    )
    messages = []
    if response.status_code == 200:
        assert response.headers["content-type"].startswith("application/xml")
        messages = parse_twiml(response.text)
    return Reply(response.status_code, messages, sid)


@pytest.fixture
def sms(client):
    """sms("4711 JA", number=BOB) -> Reply, through the signed webhook."""

    def send(body: str, number: str = ALICE, **kwargs) -> Reply:
        return send_sms(client, body, number, **kwargs)

    return send
