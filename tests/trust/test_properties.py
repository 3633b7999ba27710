"""Property-based tests (hypothesis) on the one write path and its doors: whatever people
type — any Unicode, very long texts, control characters, mixed scripts and directions —
there is never a server error, nothing is stored when the text is refused, and what is
stored is exactly normalise_text() of what was sent.

Example counts are kept small so the file runs in seconds on two cores; set
HYPOTHESIS_SCALE=10 (or more) for a deeper run. Each test counts its examples and
refuses to pass with fewer than it asked for, so a filter that rejects everything cannot
make it pass vacuously.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, select

from participation.contributions.errors import ContributionRefused, PseudonymTooLong
from participation.contributions.models import Channel, Contribution
from participation.contributions.reference import is_valid
from participation.contributions.service import MAX_PSEUDONYM, Submission, submit_contribution
from participation.contributions.text import normalise_line, normalise_text
from participation.db import session_scope
from participation.web.csrf import new_token
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation

SCALE = int(os.environ.get("HYPOTHESIS_SCALE", "1"))
#: Examples per test, recorded in the report of issue 7.
EXAMPLES = {"service": 120, "normalise": 300, "web": 40, "sms_parser": 300, "sms_webhook": 30}
FAST = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    "derandomize": False,
}

#: Pieces people really send: scripts of our eight languages, emoji, bidi controls,
#: combining marks, control characters, Windows newlines, a BOM, zero-width joiners.
PIECES = st.sampled_from(
    [
        "Mehr Bänke am Marktplatz",
        "مزيد من المقاعد",
        "Больше скамеек",
        "Більше лавок",
        "Więcej ławek, żółć",
        "Daha fazla bank, ığüşöç",
        "漢字かな",
        "🌳🚲👩🏽‍🦽",
        "\u200f\u202e\u2066\u2069",
        "e\u0301 A\u030a",
        "\x00\x07\x1b\x7f\x85",
        "\r\n",
        "\r",
        "\t",
        "   ",
        "\ufeff",
        "\u200d\u200c",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "4711",
    ]
)
ANY_CHAR = st.characters(exclude_categories=())  # surrogates included
HTTP_CHAR = st.characters(exclude_categories=("Cs",))  # what a form encoding can carry
LONG = st.builds(
    lambda piece, n: piece * n, st.text(HTTP_CHAR, min_size=1, max_size=6), st.integers(200, 1400)
)


def texts(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    mixed = st.lists(st.one_of(PIECES, st.text(alphabet, max_size=12)), max_size=10).map("".join)
    return st.one_of(st.text(alphabet, max_size=300), mixed, LONG)


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Contribution)).one()


def _examples(name: str) -> int:
    return EXAMPLES[name] * SCALE


def test_normalise_text_is_idempotent_and_clean():
    ran = []

    @settings(max_examples=_examples("normalise"), **FAST)
    @given(texts(ANY_CHAR))
    def check(raw: str) -> None:
        ran.append(1)
        once = normalise_text(raw)
        assert normalise_text(once) == once
        assert once == once.strip()
        assert unicodedata.is_normalized("NFC", once)
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", once)
        assert "\r" not in once
        once.encode("utf-8")  # storable: no lone surrogates left

    check()
    assert len(ran) >= _examples("normalise")


def test_submit_contribution_stores_exactly_the_normalised_text(engine):
    consultation = make_consultation(engine)
    ran = {"stored": 0, "refused": 0}

    @settings(max_examples=_examples("service"), **FAST)
    @given(body=texts(ANY_CHAR), pseudonym=st.one_of(st.none(), texts(ANY_CHAR)))
    def check(body: str, pseudonym: str | None) -> None:
        with Session(engine, expire_on_commit=False) as session:
            before = _count(session)
            try:
                submitted = submit_contribution(
                    session,
                    Submission(
                        consultation=session.merge(consultation),
                        body=body,
                        pseudonym=pseudonym,
                        channel=Channel.web,
                        locale="de",
                    ),
                )
            except ContributionRefused as refused:
                ran["refused"] += 1
                session.flush()
                assert _count(session) == before
                expected_refusal = (
                    not normalise_text(body)
                    or len(normalise_text(body)) > 5000
                    or isinstance(refused, PseudonymTooLong)
                )
                assert expected_refusal, refused
            else:
                ran["stored"] += 1
                session.flush()
                session.expire_all()
                row = session.exec(
                    select(Contribution).where(
                        Contribution.reference == submitted.contribution.reference
                    )
                ).one()
                # Read back from the database: what went in is what comes out.
                assert row.body == normalise_text(body)
                assert row.pseudonym == (normalise_line(pseudonym) or None)
                assert row.pseudonym is None or len(row.pseudonym) <= MAX_PSEUDONYM
                assert is_valid(row.reference)
                assert _count(session) == before + 1
            finally:
                session.rollback()

    check()
    assert ran["stored"] + ran["refused"] >= _examples("service")
    assert ran["stored"] > 0 and ran["refused"] > 0


def test_the_web_form_never_fails_and_stores_what_was_sent(client, engine):
    consultation = make_consultation(engine)
    path = f"/de/c/{consultation.slug}/contribute"
    ran = []

    @settings(max_examples=_examples("web"), **FAST)
    @given(body=texts(HTTP_CHAR), pseudonym=st.text(HTTP_CHAR, max_size=100))
    def check(body: str, pseudonym: str) -> None:
        ran.append(1)
        with session_scope(engine) as session:
            before = _count(session)
        data = {
            "csrf_token": new_token(TEST_SECRET, {}),
            "body": body,
            "pseudonym": pseudonym,
        }
        response = client.post(path, data=data, follow_redirects=False)
        assert response.status_code in (303, 422), response.status_code
        with session_scope(engine) as session:
            after = _count(session)
            if response.status_code == 303:
                reference = re.search(r"/r/(\d{8})", response.headers["location"]).group(1)
                row = session.exec(
                    select(Contribution).where(Contribution.reference == reference)
                ).one()
                assert row.body == normalise_text(body)
                assert after == before + 1
            else:
                assert after == before

    check()
    assert len(ran) >= _examples("web")


def test_the_sms_parser_reads_anything():
    from participation.channels.sms.parser import Intent, parse_sms

    ran = []

    @settings(max_examples=_examples("sms_parser"), **FAST)
    @given(texts(ANY_CHAR), st.sampled_from(["", "4711 ", "4711 JA ", "STATUS ", "INFO "]))
    def check(raw: str, prefix: str) -> None:
        ran.append(1)
        parsed = parse_sms(prefix + raw)
        assert isinstance(parsed.intent, Intent)
        # The person's words are a clean, normalised piece of what they sent.
        assert parsed.text == normalise_text(parsed.text)
        assert normalise_text(prefix + raw).endswith(parsed.text)
        if parsed.code is not None:
            assert parsed.code.isdigit()

    check()
    assert len(ran) >= _examples("sms_parser")


def test_the_sms_webhook_never_fails_and_stores_the_parsed_words(client, engine):
    from participation.channels.sms.parser import parse_sms
    from tests.channels.sms.conftest import send_sms

    make_consultation(engine, code="4711")
    ran = {"stored": 0, "other": 0}

    @settings(max_examples=_examples("sms_webhook"), **FAST)
    @given(texts(HTTP_CHAR))
    def check(raw: str) -> None:
        body = "4711 " + raw
        with session_scope(engine) as session:
            before = _count(session)
        # A fresh number each time, so the per-number rate limit does not answer instead.
        number = "+49151" + str(secrets.randbelow(10**8)).zfill(8)
        reply = send_sms(client, body, number)
        assert reply.status == 200
        with session_scope(engine) as session:
            rows = session.exec(
                select(Contribution).order_by(Contribution.id.desc()).limit(1)  # type: ignore[union-attr]
            ).all()
            after = _count(session)
        if after > before:
            ran["stored"] += 1
            assert after == before + 1
            assert rows[0].body == parse_sms(body).text
            assert rows[0].body == normalise_text(rows[0].body)
        else:
            ran["other"] += 1

    check()
    assert ran["stored"] + ran["other"] >= _examples("sms_webhook")
    assert ran["stored"] > 0
