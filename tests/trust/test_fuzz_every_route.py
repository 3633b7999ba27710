"""Generated input (hypothesis) against every route of the app and every signed Twilio
webhook, on SQLite and PostgreSQL: whatever arrives, never a 5xx.

The routes come from walking app.routes, so a route added later is fuzzed without being
named here. Web forms carry a valid CSRF token, so the generated fields reach the
handlers; Twilio requests carry a valid signature (RequestValidator with the test
token), so the webhooks parse and store what was generated. Staff routes are driven
twice: anonymously (they must refuse politely) and as a logged-in admin (their handlers
run). The seed is fixed (derandomize), the example counts small enough for about half a
minute per database; HYPOTHESIS_SCALE=10 runs ten times as many. The number of requests
is printed in the terminal summary (tests/trust/fuzz_summary.py).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import example as explicit_example
from hypothesis import strategies as st
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from participation.accounts.models import Role
from participation.channels.voice.steps import STEPS
from participation.settings import LANGUAGES
from participation.web.csrf import new_token
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import csrf_token, login, make_consultation, make_contribution
from tests.questionnaires.helpers import five_questions
from tests.trust.routing import FoundRoute, all_routes

SCALE = int(os.environ.get("HYPOTHESIS_SCALE", "1"))
#: Examples per route and method; the webhooks, where input is richest, get more.
PER_ROUTE = 5 * SCALE
PER_STAFF_ROUTE = 4 * SCALE
SMS_EXAMPLES = 120 * SCALE
VOICE_EXAMPLES = 160 * SCALE
OTHER_TWILIO_EXAMPLES = 10 * SCALE

HUGE = "99999999999999999999"
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z_]+)?}")
#: What breaks parsers: superscript and foreign digits, numbers beyond any column,
#: NUL and other control characters, path tricks, keypad symbols, RTL overrides, emoji.
NASTY = st.sampled_from(
    [
        "",
        "0",
        "1",
        "-1",
        "2147483647",
        "2147483648",
        HUGE,
        "-" + HUGE,
        "9" * 400,
        "1e3",
        "0x1f",
        "²²²²²²²²",
        "²",
        "٨٨٦٨٧٦٠٢",
        "۸۸۶۸-۷۶۰۲",
        "８８６８７６０２",
        "४७११",
        "\x00",
        "a\x00b",
        "\x07\x1b\x7f\x85",
        "\r\n",
        "../../etc/passwd",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
        "<script>alert(1)</script>",
        "{{ 7*7 }}",
        "%s%n",
        "#",
        "*",
        "1#",
        "#1",
        "*#*#",
        "\u202etxet",
        "🌳🚲",
        "ﷺ",
        "x" * 3000,
        "STATUS ²²²²²²²²",
        "LÖSCHEN",
        "STOP",
        "4711 JA",
        "null",
        "true",
        "[]",
    ]
)
VALUE = st.one_of(NASTY, st.text(max_size=40), st.integers().map(str))
#: Form and query names the app reads (grep for field(form, ...) and query_params).
FORM_NAMES = [
    "body",
    "pseudonym",
    "poll_option",
    "website",
    "description",
    "page",
    "contact_email",
    "email",
    "password",
    "code",
    "reason",
    "note",
    "reference",
    "ref",
    "phone",
    "number",
    "ids",
    "themes",
    "consultation",
    "channel",
    "received",
    "locale",
    "language",
    "title",
    "summary",
    "body_md",
    "phone_summary",
    "poll_question",
    "poll_kind",
    "poll_choices",
    "opens_at",
    "closes_at",
    "retention_days",
    "slug",
    "role",
    "name",
    "answer",
    "text",
    "then",
    "next",
    "action",
    "outcome",
    "key",
    "transcript",
    "results_summary",
    "is_published",
    "approve",
    "confirm",
    "digits",
    "how",
    "back",
    "from",
    "call",
]
QUERY_NAMES = [
    "before",
    "after",
    "ref",
    "new",
    "status",
    "theme",
    "unanswered",
    "saved",
    "next",
    "consultation",
    "channel",
    "from",
    "done",
    "download",
    "problem",
    "retried",
    "skipped",
    "n",
    "q",
    "page",
    "lang",
    "language",
    "format",
    "limit",
    "offset",
]


@dataclass
class Tally:
    requests: int = 0
    #: (kind, status) -> requests: shows the handlers were reached, not only refused.
    statuses: Counter = field(default_factory=Counter)

    def count(self, kind: str, status: int) -> None:
        self.requests += 1
        self.statuses[(kind, status)] += 1

    def share(self, kind: str, statuses: set[int]) -> float:
        total = sum(n for (k, _), n in self.statuses.items() if k == kind)
        hits = sum(n for (k, s), n in self.statuses.items() if k == kind and s in statuses)
        return hits / total if total else 0.0


def explore(
    strategy: st.SearchStrategy,
    check: Callable[[object], None],
    examples: int,
    always: tuple = (),
) -> None:
    """Runs ``check`` on the ``always`` values, then on ``examples`` generated ones,
    hypothesis shrinking any failure."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(example: object) -> None:
        check(example)

    for value in always:
        run = explicit_example(value)(run)
    run()


def _no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code}\n{response.text[:500]}"


# --- web routes -------------------------------------------------------------------------


@dataclass
class World:
    slugs: list[str]
    references: list[str]


def _path_value(name: str, raw_template: str, world: World) -> st.SearchStrategy[str]:
    if f"{{{name}:lang}}" in raw_template:
        return st.sampled_from(sorted(LANGUAGES))
    if f"{{{name}:int}}" in raw_template:
        return st.one_of(st.integers(min_value=0, max_value=10**25).map(str), st.just("1"))
    if f"{{{name}:path}}" in raw_template:
        return st.one_of(NASTY, st.sampled_from(["app.css", "a/b/../../x", "app.0123456789.css"]))
    if name == "slug":
        return st.one_of(st.sampled_from(world.slugs), NASTY)
    if name == "reference":
        return st.one_of(st.sampled_from(world.references), NASTY)
    if name == "kind":
        return st.one_of(st.sampled_from(["csv", "json", "xlsx"]), NASTY)
    if name == "step":
        return st.one_of(st.sampled_from(sorted(STEPS)), NASTY)
    return VALUE


def _request_strategy(found: FoundRoute, world: World) -> st.SearchStrategy:
    names = _PARAM.findall(found.raw_template)
    path_values = st.fixed_dictionaries(
        {name: _path_value(name, found.raw_template, world) for name in names}
    )
    query = st.dictionaries(
        st.one_of(st.sampled_from(QUERY_NAMES), st.text(min_size=1, max_size=8)), VALUE, max_size=3
    )
    form = st.dictionaries(st.sampled_from(FORM_NAMES), VALUE, max_size=8)
    return st.tuples(st.sampled_from(found.methods), path_values, query, form)


def _url(found: FoundRoute, values: dict[str, str], query: dict[str, str]) -> str:
    encoded = {
        name: quote(value, safe="/" if f"{{{name}:path}}" in found.raw_template else "")
        for name, value in values.items()
    }
    path = found.path(**encoded)
    return path + ("?" + urlencode(query) if query else "")


def _drive_web(
    client: TestClient,
    routes: list[FoundRoute],
    world: World,
    token: Callable[[], str],
    *,
    examples: int,
    tally: Tally,
    kind: str,
) -> None:
    for found in routes:

        def check(example, found=found) -> None:
            method, values, query, form = example
            url = _url(found, values, query)
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            else:
                data = {**form, "csrf_token": token()}
                response = client.request(method, url, data=data, follow_redirects=False)
            tally.count(kind if method == "GET" else f"{kind} {method}", response.status_code)
            _no_server_error(response, f"{method} {url} {form if method != 'GET' else ''}")

        explore(_request_strategy(found, world), check, examples)


# --- Twilio webhooks --------------------------------------------------------------------

NUMBERS = st.sampled_from(
    ["+4915111111111", "+4916022222222", "+491511234567", "Vodafone", "12345", "", "+", HUGE]
)
DIGITS = st.one_of(
    st.sampled_from(["", "#", "*", "0", "1", "2", "3", "4", "9", "1#", "12#3", "hangup", HUGE]),
    st.text(alphabet="0123456789*#", max_size=30),
    NASTY,
)
BODIES = st.one_of(
    NASTY,
    st.text(max_size=200),
    st.sampled_from(["STATUS", "HILFE", "INFO 4711", "4711 NEIN", "4711 1", "4711 " + HUGE]),
)


def _signed(client: TestClient, path: str, params: dict[str, str], query: dict | None = None):
    url = path + ("?" + urlencode(query) if query else "")
    signature = RequestValidator(TEST_TWILIO_TOKEN).compute_signature(PUBLIC_BASE + url, params)
    return client.post(url, data=params, headers={"X-Twilio-Signature": signature})


def _maybe_missing(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """Each Twilio field present or missing, as a broken or hostile sender would send."""
    return st.fixed_dictionaries({}, optional=fields)


SMS_PARAMS = st.tuples(
    st.fixed_dictionaries(
        {
            "MessageSid": st.one_of(
                st.text("0123456789abcdef", min_size=32, max_size=32).map(lambda h: "SM" + h),
                NASTY.filter(bool),
            ),
            "From": NUMBERS,
            "Body": BODIES,
        }
    ),
    _maybe_missing({"NumMedia": VALUE, "To": NUMBERS, "SmsSid": VALUE, "AccountSid": VALUE}),
    st.booleans(),
)

CALL_SIDS = ["CA" + "1" * 32, "CA" + "2" * 32, "CA" + "3" * 32]
VOICE_PARAMS = st.tuples(
    # Not empty: /twilio/voice/ is redirected to /twilio/voice, a URL Twilio did not sign.
    st.one_of(st.sampled_from(sorted(STEPS)), NASTY.filter(bool)),
    _maybe_missing(
        {
            "n": st.one_of(st.integers(0, 30).map(str), VALUE),
            "c": st.one_of(st.integers(0, 5).map(str), VALUE),
            "m": st.one_of(st.just("1.2"), VALUE),
            "ref": VALUE,
            "lang": st.one_of(st.sampled_from(sorted(LANGUAGES)), VALUE),
            # A questionnaire's question, and an SMS offer of a response's number.
            "q": st.one_of(st.integers(0, 12).map(str), VALUE),
            "a": st.one_of(st.just("1"), VALUE),
        }
    ),
    st.fixed_dictionaries(
        {"CallSid": st.one_of(st.sampled_from(CALL_SIDS), NASTY), "From": NUMBERS},
        optional={
            "Digits": DIGITS,
            "CallStatus": st.one_of(
                st.sampled_from(["ringing", "in-progress", "completed", "busy"]), VALUE
            ),
            "CallDuration": VALUE,
            "RecordingSid": VALUE,
            "RecordingUrl": st.one_of(
                st.just("https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1"), VALUE
            ),
            "RecordingDuration": VALUE,
            "RecordingStatus": VALUE,
            "SpeechResult": VALUE,
            "To": NUMBERS,
        },
    ),
)
OTHER_TWILIO_PARAMS = st.tuples(
    st.integers(0, 10**22).map(str),
    _maybe_missing(
        {
            "MessageSid": VALUE,
            "MessageStatus": st.one_of(st.sampled_from(["delivered", "failed"]), VALUE),
            "ErrorCode": VALUE,
            "CallSid": st.one_of(st.sampled_from(CALL_SIDS), VALUE),
            "CallStatus": st.one_of(st.sampled_from(["completed", "no-answer"]), VALUE),
            "CallDuration": VALUE,
            "RecordingSid": VALUE,
            "RecordingUrl": VALUE,
            "RecordingDuration": VALUE,
            "RecordingStatus": VALUE,
        }
    ),
)


def _drive_twilio(
    client: TestClient, routes: list[FoundRoute], tally: Tally, answered_steps: set[str]
) -> None:
    def sms(example) -> None:
        required, optional, twice = example
        params = {k: str(v) for k, v in {**required, **optional}.items()}
        for _ in range(2 if twice else 1):  # Twilio retries: the same MessageSid again
            response = _signed(client, "/twilio/sms", params)
            tally.count("sms", response.status_code)
            _no_server_error(response, f"SMS {params!r}")

    def voice(example) -> None:
        step, query, params = example
        path = "/twilio/voice/" + quote(step, safe="")
        response = _signed(client, path, params, query)
        tally.count("voice", response.status_code)
        if response.status_code == 200:
            answered_steps.add(step)
        _no_server_error(response, f"voice {path} {query!r} {params!r}")

    explore(SMS_PARAMS, sms, SMS_EXAMPLES)
    # Every IVR step once with a plain request first: the derandomized draws below need
    # not land on each of the steps, and a step never answered would go unchecked.
    for step in sorted(STEPS):
        voice((step, {"n": "1"}, {"CallSid": CALL_SIDS[0], "From": "+4915112345678"}))
    explore(VOICE_PARAMS, voice, VOICE_EXAMPLES)
    others = [f for f in routes if f.template not in ("/twilio/sms", "/twilio/voice/{step}")]
    for found in others:

        def other(example, found=found) -> None:
            number, params = example
            path = found.path(id=number, message_id=number)
            if "POST" in found.methods:
                response = _signed(client, path, params)
            else:
                response = client.get(path)
            tally.count("twilio callbacks", response.status_code)
            _no_server_error(response, f"{found.template} {path} {params!r}")

        explore(OTHER_TWILIO_PARAMS, other, OTHER_TWILIO_EXAMPLES)


# --- the test ---------------------------------------------------------------------------


def test_no_generated_request_gets_a_server_error(app, engine, client, backend, record_property):
    from datetime import UTC, datetime

    from participation.clock import set_now

    # A Wednesday morning: the phone line is open, so every voice step is reachable.
    set_now(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    open_one = make_consultation(engine, poll=["yes", "no"], code="4711")
    # A questionnaire for key 5 of the phone menu and its question steps.
    five_questions(engine, open_one)
    results = make_consultation(engine, phase="results", poll=["yes", "no"])
    make_consultation(engine, phase="draft")
    world = World(
        slugs=[open_one.slug, results.slug],
        references=[make_contribution(engine, open_one).reference],
    )
    routes = all_routes(app)
    tally = Tally()
    anonymous_token = new_token(TEST_SECRET, {})

    web = [f for f in routes if not f.is_twilio]
    _drive_web(
        client,
        web,
        world,
        lambda: anonymous_token,
        examples=PER_ROUTE,
        tally=tally,
        kind="anonymous",
    )

    staff = TestClient(app, base_url=PUBLIC_BASE)
    with staff:
        login(staff, engine, Role.admin)
        staff_token = csrf_token(staff, "/de/staff/")
        # Logging out (here or everywhere) would end the run's own session.
        staff_routes = [f for f in routes if f.is_staff and "logout" not in f.template]
        _drive_web(
            staff,
            staff_routes,
            world,
            lambda: staff_token,
            examples=PER_STAFF_ROUTE,
            tally=tally,
            kind="admin",
        )

    answered_steps: set[str] = set()
    _drive_twilio(client, [f for f in routes if f.is_twilio], tally, answered_steps)

    record_property("fuzz_requests", {backend: tally.requests})
    kinds = sorted({kind for kind, _ in tally.statuses})
    summary = {k: sum(n for (kk, _), n in tally.statuses.items() if kk == k) for k in kinds}
    print(f"\nfuzz on {backend}: {tally.requests} requests {summary}")
    # Too few would mean a strategy filtered everything away.
    assert tally.requests >= len(web) * PER_ROUTE + SMS_EXAMPLES + VOICE_EXAMPLES
    # The generated requests reached the handlers: valid signatures and CSRF tokens
    # were not refused (403), and many webhooks were answered with TwiML.
    assert tally.share("sms", {403}) == 0 and tally.share("voice", {403}) == 0
    assert tally.share("sms", {200}) > 0.4  # the rest: a missing or broken MessageSid or From
    assert answered_steps >= set(STEPS), set(STEPS) - answered_steps
    assert tally.share("anonymous POST", {403}) < 0.2
