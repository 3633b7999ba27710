from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.twilio_api import FakeTwilioApi, running_fake_twilio


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilioApi]:
    """A fake Twilio REST API on 127.0.0.1 for the real twilio client to talk to."""
    with running_fake_twilio() as api:
        yield api


@pytest.fixture
def worker_settings(settings, twilio_api):
    return settings.with_(twilio_api_base=twilio_api.base_url)
