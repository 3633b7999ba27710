"""The client side of the "nothing lost" test, run in several processes at once.

Each process takes a share of the jobs and fires them from a thread pool over its own
HTTP connection pool: web form posts, signed SMS webhooks, signed recording callbacks
and front-desk entries by a logged-in moderator.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx
from bs4 import BeautifulSoup
from twilio.request_validator import RequestValidator

from participation.web.csrf import new_token
from tests.conftest import TEST_SECRET, TEST_TWILIO_TOKEN
from tests.trust.live import ACCOUNT_SID

THREADS = 8


def _signed(client: httpx.Client, base: str, path: str, params: dict) -> httpx.Response:
    signature = RequestValidator(TEST_TWILIO_TOKEN).compute_signature(base + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def _reference(text: str) -> str | None:
    match = re.search(r"\b(\d{4})[- ]?(\d{4})\b", text)
    return match.group(1) + match.group(2) if match else None


def fire(job: dict, client: httpx.Client, base: str, staff: httpx.Client | None) -> dict:
    door = job["door"]
    result = {"door": door, "key": job["key"], "status": 0, "reference": None}
    try:
        if door == "web":
            response = client.post(
                f"/de/c/{job['slug']}/contribute",
                data={
                    "csrf_token": new_token(TEST_SECRET, {}),
                    "body": job["body"],
                    "pseudonym": job["key"],
                },
            )
            found = re.search(r"/r/(\d{8})", response.headers.get("location", ""))
            result["reference"] = found.group(1) if found else None
        elif door == "sms":
            params = {
                "MessageSid": job["key"],
                "SmsSid": job["key"],
                "AccountSid": ACCOUNT_SID,
                "From": job["from"],
                "To": "+4915100000000",
                "Body": job["body"],
                "NumMedia": "0",
            }
            response = _signed(client, base, "/twilio/sms", params)
            result["reply"] = response.text
            result["reference"] = _reference(response.text)
        elif door == "voice":
            path = "/twilio/voice/recording?" + urlencode(
                {"c": job["consultation_id"], "lang": "de"}
            )
            params = {
                "AccountSid": ACCOUNT_SID,
                "CallSid": job["call_sid"],
                "RecordingSid": job["key"],
                "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
                f"/Recordings/{job['key']}",
                "RecordingDuration": "17",
                "RecordingStatus": "completed",
            }
            response = _signed(client, base, path, params)
        else:  # front desk
            assert staff is not None
            response = staff.post(
                f"/de/staff/front-desk/{job['consultation_id']}",
                data={
                    "csrf_token": job["csrf_token"],
                    "channel": "paper",
                    "received": job["received"],
                    "locale": "de",
                    "body": job["body"],
                    "pseudonym": "",
                },
            )
            found = re.search(r"/receipt/(\d{8})", response.headers.get("location", ""))
            result["reference"] = found.group(1) if found else None
        result["status"] = response.status_code
    except httpx.HTTPError as error:
        result["error"] = repr(error)
    return result


def _staff_client(base: str, email: str, password: str) -> tuple[httpx.Client, str]:
    staff = httpx.Client(base_url=base, timeout=60)
    page = staff.get("/de/staff/login")
    token = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf_token"})
    response = staff.post(
        "/de/staff/login",
        data={"email": email, "password": password, "csrf_token": token["value"]},
    )
    assert response.status_code == 303, response.text
    page = staff.get("/de/staff/front-desk")
    token = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf_token"})
    return staff, token["value"]


def fire_share(base: str, jobs: list[dict], staff_login: tuple[str, str] | None) -> list[dict]:
    """One client process: its share of the jobs, THREADS at a time."""
    limits = httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS)
    with httpx.Client(base_url=base, timeout=60, limits=limits) as client:
        staff = None
        if any(job["door"] == "front_desk" for job in jobs):
            staff, token = _staff_client(base, *staff_login)
            for job in jobs:
                job["csrf_token"] = token
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(lambda job: fire(job, client, base, staff), jobs))
        if staff is not None:
            staff.close()
    return results
