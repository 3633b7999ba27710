"""Every conversation of issue 3, through signed webhooks: the TwiML reply and the rows.

Replies are checked for what does not depend on the catalogs (reference numbers, codes,
keywords in the sender's language), so the tests hold whatever the translators write.
"""

from datetime import timedelta

from sqlmodel import Session, col, select

from participation.channels.sms.models import InboundSms
from participation.clock import set_now, utcnow
from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution, PollVote, Status
from participation.contributions.reference import format_reference
from participation.crypto import decrypt
from participation.db import session_scope
from participation.moderation import service as moderation
from participation.moderation.models import RejectionReason
from participation.outbox.consent import SmsContact
from participation.outbox.models import OutboundMessage, OutboundStatus
from participation.outbox.service import enqueue_sms
from participation.phones import phone_key
from participation.results.models import SmsNotifyRequest
from tests.channels.sms.conftest import ALICE, BOB
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation

ALICE_KEY = phone_key(TEST_SECRET, ALICE)


def rows(engine, model, *where):
    with Session(engine) as session:
        return list(session.exec(select(model).where(*where).order_by(col(model.id))).all())


def contact(engine, number: str = ALICE) -> SmsContact | None:
    found = rows(engine, SmsContact, SmsContact.phone_key == phone_key(TEST_SECRET, number))
    return found[0] if found else None


# -- contributions ----------------------------------------------------------------------


def test_contribution_with_code(sms, engine):
    consultation = make_consultation(engine, code="4711")
    reply = sms("4711 Bitte mehr Bänke am Marktplatz")
    assert reply.status == 200
    [stored] = rows(engine, Contribution)
    assert stored.consultation_id == consultation.id
    assert stored.channel is Channel.sms
    assert stored.body == "Bitte mehr Bänke am Marktplatz"
    assert stored.status is Status.pending
    assert stored.locale == "de"
    assert stored.external_id == reply.sid
    assert stored.author_key == ALICE_KEY
    assert format_reference(stored.reference) in reply.text
    [logged] = rows(engine, InboundSms)
    assert logged.contribution_id == stored.id
    assert logged.from_masked == "•••111"
    assert logged.intent == "contribute"
    assert logged.reply == reply.text


def test_the_plain_number_is_stored_nowhere(sms, engine):
    make_consultation(engine, code="4711", poll=["yes", "no"])
    sms("4711 Bitte mehr Bänke")
    sms("4711 JA")
    digits = ALICE.lstrip("+")
    with Session(engine) as session:
        for model in (InboundSms, SmsContact, Contribution, PollVote):
            for row in session.exec(select(model)).all():
                assert digits not in repr(row.model_dump()), model


def test_without_code_one_open_consultation_takes_the_text(sms, engine):
    make_consultation(engine, phase="closed", code="4700")
    open_one = make_consultation(engine, code="4711")
    reply = sms("Bitte mehr Bänke")
    [stored] = rows(engine, Contribution)
    assert stored.consultation_id == open_one.id
    assert format_reference(stored.reference) in reply.text


def test_without_code_several_open_the_reply_lists_them_and_staff_assign(sms, engine):
    make_consultation(engine, code="4711", title="Marktplatz")
    make_consultation(engine, code="4712", title="Buslinie")
    reply = sms("Bitte mehr Bänke")
    [stored] = rows(engine, Contribution)
    assert stored.consultation_id is None  # unassigned: the moderation queue's bucket
    assert stored.body == "Bitte mehr Bänke"
    assert format_reference(stored.reference) in reply.text
    assert "4711" in reply.text and "4712" in reply.text
    assert "Marktplatz" in reply.text and "Buslinie" in reply.text


def test_without_code_the_consultation_last_asked_about_takes_the_text(sms, engine):
    make_consultation(engine, code="4711")
    bus = make_consultation(engine, code="4712")
    sms("INFO 4712")
    sms("Eine Haltestelle am Friedhof, bitte")
    [stored] = rows(engine, Contribution)
    assert stored.consultation_id == bus.id


def test_nothing_open_the_text_is_kept_for_staff(sms, engine):
    make_consultation(engine, phase="closed", code="4700")
    reply = sms("Wann wird die Laterne repariert?")
    [stored] = rows(engine, Contribution)
    assert stored.consultation_id is None
    assert format_reference(stored.reference) in reply.text


def test_closed_and_upcoming_consultations_say_so_and_list_what_is_open(sms, engine):
    make_consultation(engine, phase="closed", code="4700", title="Freibad")
    make_consultation(engine, phase="upcoming", code="4701", title="Spielplatz")
    make_consultation(engine, code="4711", title="Marktplatz")
    closed = sms("4700 Länger offen bitte")
    assert "4700" in closed.text and "4711" in closed.text and "Marktplatz" in closed.text
    upcoming = sms("4701 Mehr Schaukeln")
    assert "4701" in upcoming.text and "4711" in upcoming.text
    assert rows(engine, Contribution) == []  # nothing stored for a closed consultation


def test_unknown_or_draft_code_keeps_the_whole_text_unassigned(sms, engine):
    make_consultation(engine, code="4711", title="Marktplatz")
    make_consultation(engine, phase="draft", code="4714", title="Geheimer Entwurf")
    reply = sms("9999 Die Ampel an der Schule ist zu kurz grün")
    [stored] = rows(engine, Contribution)
    assert stored.consultation_id is None
    assert stored.body == "9999 Die Ampel an der Schule ist zu kurz grün"
    assert "9999" in reply.text and "4711" in reply.text
    draft = sms("4714 Schaukeln")
    assert "4714" in draft.text
    assert "Geheimer Entwurf" not in draft.text  # drafts are not revealed
    assert len(rows(engine, Contribution, col(Contribution.consultation_id).is_(None))) == 2


# -- votes ------------------------------------------------------------------------------------


def test_vote_yes_then_no_replaces_it(sms, engine):
    consultation = make_consultation(engine, code="4711", poll=["yes", "no", "undecided"])
    first = sms("4711 JA")
    assert "4711" in first.text and "Ja" in first.text
    [vote] = rows(engine, PollVote)
    assert vote.voter_key == ALICE_KEY
    assert vote.channel is Channel.sms
    assert rows(engine, Contribution) == []  # a bare answer is a vote, not a text to moderate
    sms("4711 nein")
    [vote] = rows(engine, PollVote)
    options = {o.key: o.id for o in _options(engine, consultation)}
    assert vote.option_id == options["no"]
    sms("4711 3")
    [vote] = rows(engine, PollVote)
    assert vote.option_id == options["undecided"]
    sms("4711 JA", number=BOB)
    assert len(rows(engine, PollVote)) == 2


def _options(engine, consultation):
    from participation.consultations.service import poll_options

    with Session(engine) as session:
        return poll_options(session, consultation.id)


def test_vote_aliases_in_every_language(sms, engine):
    consultation = make_consultation(engine, code="4711", poll=["yes", "no"])
    yes = {o.key: o.id for o in _options(engine, consultation)}["yes"]
    for index, word in enumerate(["YES", "EVET", "ДА", "ТАК", "نعم", "TAK", "ja"]):
        number = f"+49151000000{index:02d}"
        sms(f"4711 {word}", number=number)
        [vote] = rows(engine, PollVote, PollVote.voter_key == phone_key(TEST_SECRET, number))
        assert vote.option_id == yes, word


def test_vote_with_comment_is_a_contribution_with_its_answer(sms, engine):
    consultation = make_consultation(engine, code="4711", poll=["yes", "no"])
    reply = sms("4711 Ja, aber bitte ohne die Parkplätze wegzunehmen")
    [stored] = rows(engine, Contribution)
    [vote] = rows(engine, PollVote)
    yes = {o.key: o.id for o in _options(engine, consultation)}["yes"]
    assert stored.poll_option_id == yes and vote.option_id == yes
    assert vote.voter_key == ALICE_KEY  # one vote per number, also with a comment
    assert stored.body == "Ja, aber bitte ohne die Parkplätze wegzunehmen"
    assert format_reference(stored.reference) in reply.text


def test_bare_answer_goes_to_the_question_last_asked(sms, engine):
    make_consultation(engine, code="4711", poll=["yes", "no"])
    pool = make_consultation(engine, code="4712", poll=["yes", "no"])
    which = sms("JA")
    assert "4711" in which.text and "4712" in which.text
    assert rows(engine, PollVote) == []
    sms("INFO 4712")
    sms("JA")
    [vote] = rows(engine, PollVote)
    assert vote.consultation_id == pool.id
    # Three days later the context has gone stale.
    set_now(utcnow() + timedelta(days=4))
    again = sms("NEIN")
    assert "4711" in again.text
    [vote] = rows(engine, PollVote)
    assert vote.consultation_id == pool.id


def test_invalid_answer_lists_the_options_and_no_poll_says_so(sms, engine):
    make_consultation(engine, code="4711", poll=["yes", "no"])
    make_consultation(engine, code="4712")
    options = sms("4711 7")
    assert "1 Ja" in options.text and "2 Nein" in options.text
    undecided = sms("4711 weiß nicht")
    assert "1 Ja" in undecided.text
    none = sms("4712 JA")
    assert "4712" in none.text
    assert rows(engine, PollVote) == [] and rows(engine, Contribution) == []


def test_vote_on_a_closed_consultation_is_refused(sms, engine):
    make_consultation(engine, phase="closed", code="4700", poll=["yes", "no"])
    reply = sms("4700 JA")
    assert "4700" in reply.text
    assert rows(engine, PollVote) == []


# -- help, info, notify, status -------------------------------------------------------------


def test_help_in_the_language_it_was_asked_in(sms, engine):
    make_consultation(engine, code="4711")
    expected = {
        "HILFE": ("de", "JA", "LÖSCHEN"),
        "HELP": ("en", "YES", "DELETE"),
        "YARDIM": ("tr", "EVET", "SİL"),
        "ПОМОЩЬ": ("ru", "ДА", "УДАЛИТЬ"),
        "ДОПОМОГА": ("uk", "ТАК", "ВИДАЛИТИ"),
        "POMOC": ("pl", "TAK", "USUŃ"),
        "مساعدة": ("ar", "نعم", "حذف"),
    }
    for index, (word, (language, yes, delete)) in enumerate(expected.items()):
        number = f"+49152000000{index:02d}"
        reply = sms(word, number=number)
        assert f"4711 {yes}" in reply.text, (word, reply.text)
        assert delete in reply.text, (word, reply.text)
        assert contact(engine, number).language == language


def test_contributions_keep_the_language_they_were_written_in(sms, engine):
    make_consultation(engine, code="4712")
    sms("4712 Sabah 6'da Sanayi Caddesi'nde bir durak lazım, lütfen", number=BOB)
    sms("4712 نحتاج محطة قرب المدرسة، شكراً!")
    by_locale = {c.locale: c.body for c in rows(engine, Contribution)}
    assert by_locale["tr"].startswith("Sabah 6'da")
    assert by_locale["ar"] == "نحتاج محطة قرب المدرسة، شكراً!"  # right-to-left, unchanged


def test_info_gives_the_short_summary(sms, engine):
    make_consultation(engine, code="4711")
    make_consultation(engine, code="4712")
    reply = sms("INFO 4711")
    assert "4711" in reply.text and "Kurz gesagt." in reply.text
    assert "ERGEBNIS 4711" in reply.text  # how to get the results by SMS
    assert sms("4711").text == reply.text  # a bare code asks the same
    assert sms("INFO").text == reply.text  # alone: the consultation last asked about
    listing = sms("INFO", number=BOB)  # nothing asked yet: what is open
    assert "4711" in listing.text and "4712" in listing.text
    unknown = sms("INFO 9999")
    assert "9999" in unknown.text
    assert rows(engine, Contribution) == []


def test_notify_keeps_the_number_encrypted_once(sms, engine):
    consultation = make_consultation(engine, code="4711")
    reply = sms("4711 INFO JA")
    assert "4711" in reply.text and "LÖSCHEN" in reply.text
    sms("ERGEBNIS 4711")
    [request] = rows(engine, SmsNotifyRequest)
    assert request.consultation_id == consultation.id
    assert request.phone_key == ALICE_KEY
    assert ALICE.lstrip("+") not in request.number_encrypted
    assert decrypt(TEST_SECRET, request.number_encrypted) == ALICE


def test_notify_after_the_results_sends_them_at_once(sms, engine):
    consultation = make_consultation(engine, code="4711", phase="results")
    with session_scope(engine, write=True) as session:
        from participation.consultations.service import save_text

        save_text(session, consultation, "de", results_summary="Die Mehrheit ist dafür.")
    reply = sms("ERGEBNIS 4711")
    assert "Die Mehrheit ist dafür." in reply.text
    assert f"/de/c/{consultation.slug}/results" in reply.text
    assert rows(engine, SmsNotifyRequest) == []


def test_status_by_reference_with_or_without_dash(sms, engine, settings):
    make_consultation(engine, code="4711")
    sms("4711 Bitte mehr Bänke")
    [stored] = rows(engine, Contribution)
    ref = stored.reference
    for written in (f"STATUS {ref[:4]}-{ref[4:]}", f"status {ref}", f"Status {ref[:4]} {ref[4:]}"):
        reply = sms(written, number=BOB)
        assert reply.text.startswith(format_reference(ref)), written
    waiting = sms(f"STATUS {ref}").text
    with session_scope(engine, write=True) as session:
        moderation.approve(session, session.get(Contribution, stored.id), None)
    published = sms(f"STATUS {ref}").text
    assert published != waiting
    with session_scope(engine, write=True) as session:
        moderation.reject(
            session, session.get(Contribution, stored.id), None, RejectionReason.personal_data
        )
    rejected = sms("STATUS").text  # alone: this number's latest text
    assert format_reference(ref) in rejected
    assert rejected not in (waiting, published)


def test_status_of_an_unknown_or_invalid_reference(sms, engine):
    unknown = sms("STATUS 4711-2093")
    assert "4711-2093" in unknown.text
    invalid = sms("STATUS 4711-2094")
    assert "4711-2094" not in invalid.text  # a number that cannot exist is not repeated
    assert "STATUS" in invalid.text


# -- STOP, START, LÖSCHEN -------------------------------------------------------------------------


def test_stopp_confirms_then_silence_until_start(sms, engine, settings):
    make_consultation(engine, code="4711")
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, ALICE, "Ergebnis da", idempotency_key="x1")
    stopped = sms("STOPP")
    assert "START" in stopped.text
    assert contact(engine).opted_out
    [message] = rows(engine, OutboundMessage)
    assert message.status is OutboundStatus.failed and message.error_code == "opted_out"
    silent = sms("4711 Trotzdem eine Meinung")
    assert silent.status == 200 and silent.messages == []  # no reply at all
    assert len(rows(engine, Contribution)) == 1  # still counted: opting out is not leaving
    assert sms("HILFE").messages == []
    started = sms("START")
    assert "HILFE" in started.text
    assert not contact(engine).opted_out
    assert sms("HILFE").messages


def test_twilio_opt_out_words_get_no_reply_from_us(sms, engine):
    """Twilio answers STOP itself and would block ours; STOPP is ours to confirm."""
    for index, word in enumerate(["STOP", "stop", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]):
        number = f"+49153000000{index:02d}"
        reply = sms(word, number=number)
        assert reply.status == 200 and reply.messages == [], word
        assert contact(engine, number).opted_out, word
    assert sms("СТОП", number=BOB).messages  # not one of Twilio's words
    assert contact(engine, BOB).opted_out


def test_yes_after_stop_opts_back_in_like_twilio(sms, engine):
    make_consultation(engine, code="4711", poll=["yes", "no"])
    sms("STOP")
    assert sms("YES").messages
    assert not contact(engine).opted_out
    assert rows(engine, PollVote) == []


def erase(sms, number: str = ALICE):
    """LÖSCHEN, then the confirmation it asks for."""
    asked = sms("LÖSCHEN", number=number)
    assert "LÖSCHEN JA" in asked.text
    return sms("LÖSCHEN JA", number=number)


def test_loeschen_erases_everything_about_the_number(sms, engine):
    make_consultation(engine, code="4711", poll=["yes", "no"])
    sms("4711 Bitte mehr Bänke")
    sms("Ohne Code, irgendwas")
    sms("4711 JA")
    sms("4711 INFO JA")
    sms("4711 Von Bob", number=BOB)
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, ALICE, "Ergebnis", idempotency_key="results:x")
    reply = erase(sms)
    assert "2" in reply.text and "1" in reply.text  # two texts, one vote, one request
    assert rows(engine, Contribution, Contribution.author_key == ALICE_KEY) == []
    assert rows(engine, PollVote, PollVote.voter_key == ALICE_KEY) == []
    assert rows(engine, SmsNotifyRequest) == []
    assert rows(engine, OutboundMessage) == []
    assert contact(engine) is None
    assert rows(engine, InboundSms, InboundSms.from_key == ALICE_KEY) == []
    assert len(rows(engine, Contribution)) == 1  # Bob's stays
    # Twilio retries the same LÖSCHEN JA: the same answer, nothing else happens.
    [logged] = rows(engine, InboundSms, InboundSms.message_sid == reply.sid)
    assert logged.reply == reply.text and logged.from_key is None
    assert sms("LÖSCHEN JA", sid=reply.sid).text == reply.text
    nothing = erase(sms)
    assert nothing.text != reply.text  # now there is nothing left to delete


def test_loeschen_asks_first_and_erases_nothing(sms, engine):
    make_consultation(engine, code="4711", poll=["yes", "no"])
    sms("4711 Bitte mehr Bänke")
    sms("4711 JA")
    with session_scope(engine, write=True) as session:
        row = session.exec(select(Contribution)).one()
        row.status = Status.published
    asked = sms("LÖSCHEN")
    assert "LÖSCHEN JA" in asked.text
    assert len(rows(engine, Contribution)) == 1  # nothing erased yet, the published text stays
    assert len(rows(engine, PollVote)) == 1
    # A bare JA while the question is open does not vote; it is asked again.
    again = sms("JA")
    assert "LÖSCHEN JA" in again.text
    assert len(rows(engine, PollVote)) == 1
    done = sms("LÖSCHEN JA")
    assert "LÖSCHEN JA" not in done.text
    assert rows(engine, Contribution) == [] and rows(engine, PollVote) == []


def test_the_question_runs_out_after_15_minutes(sms, engine):
    make_consultation(engine, code="4711")
    sms("4711 Bitte mehr Bänke")
    sms("LÖSCHEN")
    set_now(utcnow() + timedelta(minutes=16))
    late = sms("LÖSCHEN JA")
    assert "LÖSCHEN JA" in late.text  # asked again, not erased
    assert len(rows(engine, Contribution)) == 1
    assert "LÖSCHEN JA" not in sms("LÖSCHEN JA").text
    assert rows(engine, Contribution) == []


def test_confirmation_without_a_question_asks_first(sms, engine):
    make_consultation(engine, code="4711")
    sms("4711 Bitte mehr Bänke")
    assert "LÖSCHEN JA" in sms("LÖSCHEN JA").text
    assert len(rows(engine, Contribution)) == 1


def test_erasure_is_asked_and_confirmed_in_the_senders_language(sms, engine):
    make_consultation(engine, code="4711")
    for index, (word, confirm) in enumerate(
        [
            ("DELETE", "DELETE YES"),
            ("SİL", "SİL EVET"),
            ("УДАЛИТЬ", "УДАЛИТЬ ДА"),
            ("ВИДАЛИТИ", "ВИДАЛИТИ ТАК"),
            ("USUŃ", "USUŃ TAK"),
            ("حذف", "حذف نعم"),
        ]
    ):
        number = f"+49152000001{index:02d}"
        sms("4711 Eine Meinung", number=number)
        asked = sms(word, number=number)
        assert confirm in asked.text, (word, asked.text)
        assert (
            len(
                rows(
                    engine, Contribution, Contribution.author_key == phone_key(TEST_SECRET, number)
                )
            )
            == 1
        )
        sms(confirm, number=number)
        assert (
            rows(engine, Contribution, Contribution.author_key == phone_key(TEST_SECRET, number))
            == []
        )


def test_loeschen_after_stop_keeps_the_opt_out(sms, engine):
    make_consultation(engine, code="4711")
    sms("4711 Bitte mehr Bänke")
    sms("STOPP")
    # No reply to a number that opted out, so the question cannot reach it: LÖSCHEN alone
    # erases nothing, LÖSCHEN JA (the confirmation in one message) erases.
    assert sms("LÖSCHEN").messages == []
    assert len(rows(engine, Contribution)) == 1
    reply = sms("LÖSCHEN JA")
    assert reply.messages == []
    assert rows(engine, Contribution) == []
    remaining = contact(engine)
    assert remaining is not None and remaining.opted_out and remaining.language is None


# -- senders that are not one person's number ---------------------------------------------

SHARED_SENDERS = ["Vodafone", "80888", "+4980888"]


def test_sender_names_and_short_codes_cannot_use_identity_commands(sms, engine):
    make_consultation(engine, code="4711", poll=["yes", "no"])
    first = sms("4711 Das ist meine Meinung", number="Vodafone")
    assert first.status == 200
    [stored] = rows(engine, Contribution)  # a text is welcome from anyone
    for sender in SHARED_SENDERS:
        for body in ("STATUS", "LÖSCHEN", "LÖSCHEN JA", "4711 JA", "JA", "4711 2", "ERGEBNIS 4711"):
            reply = sms(body, number=sender)
            assert reply.status == 200 and reply.text, (sender, body)
            assert format_reference(stored.reference) not in reply.text, (sender, body)
            assert "LÖSCHEN JA" not in reply.text, (sender, body)
    assert rows(engine, PollVote) == []
    assert len(rows(engine, Contribution)) == 1  # nothing erased, no vote stored
    assert rows(engine, SmsNotifyRequest) == []
    # A reference number is no identity: anyone may look that up.
    lookup = sms(f"STATUS {stored.reference}", number="Vodafone")
    assert format_reference(stored.reference) in lookup.text


def test_refusal_is_in_the_senders_language(sms, engine):
    from participation.channels.sms import replies

    make_consultation(engine, code="4711", poll=["yes", "no"])
    assert sms("DELETE", number="Vodafone").text == replies.shared_sender("en")
    assert sms("SİL", number="Turkcell").text == replies.shared_sender("tr")
    assert sms("LÖSCHEN", number="80888").text == replies.shared_sender("de")
    assert replies.shared_sender("en") != replies.shared_sender("de")


# -- odd messages ------------------------------------------------------------------------------


def test_same_message_sid_twice_stores_once_and_replies_the_same(sms, engine):
    make_consultation(engine, code="4711")
    first = sms("4711 Bitte mehr Bänke", sid="SM" + "1" * 32)
    second = sms("4711 Bitte mehr Bänke", sid="SM" + "1" * 32)
    assert second.text == first.text
    assert len(rows(engine, Contribution)) == 1
    assert len(rows(engine, InboundSms)) == 1


def test_rate_limit_one_polite_reply_then_silence(sms, engine, settings):
    make_consultation(engine, code="4711")
    assert settings.sms_per_hour == 20
    for index in range(20):
        assert sms(f"4711 Meinung {index}").messages
    polite = sms("4711 Meinung 21")
    assert polite.messages and "4711" not in polite.text
    assert sms("4711 Meinung 22").messages == []
    assert sms("HILFE").messages == []
    assert len(rows(engine, Contribution)) == 20  # nothing stored while limited
    assert sms("4711 Bob ist nicht betroffen", number=BOB).messages
    set_now(utcnow() + timedelta(hours=1, minutes=1))
    assert sms("4711 Eine Stunde später").messages
    assert len(rows(engine, Contribution)) == 22


def test_stop_and_loeschen_work_even_when_rate_limited(sms, engine):
    make_consultation(engine, code="4711")
    for index in range(22):
        sms(f"4711 Meinung {index}")
    assert sms("LÖSCHEN").messages
    assert sms("LÖSCHEN JA").messages
    assert rows(engine, Contribution) == []


def test_too_long_is_refused_politely(sms, engine):
    make_consultation(engine, code="4711")
    reply = sms("4711 " + "x" * 1600)
    assert "1600" in reply.text.replace(".", "").replace(",", "").replace("\u00a0", "")
    assert rows(engine, Contribution) == []
    fits = sms("4711 " + "y" * 1595)
    assert fits.messages
    [stored] = rows(engine, Contribution)
    assert len(stored.body) == 1595


def test_empty_emoji_and_media_only(sms, engine):
    make_consultation(engine, code="4711")
    for body in ("", "   ", "😀👍🎉", "4711 🙏"):
        reply = sms(body)
        assert reply.status == 200 and reply.messages, repr(body)
        assert "4711" in reply.text  # the reply shows how to write one
    media_only = sms("", num_media=2)
    assert media_only.messages and media_only.text not in (sms("").text,)
    assert rows(engine, Contribution) == []
    with_picture = sms("4711 Hier ist das Schlagloch", num_media=1)
    [stored] = rows(engine, Contribution)
    assert stored.body == "Hier ist das Schlagloch"
    assert format_reference(stored.reference) in with_picture.text
    [logged] = rows(engine, InboundSms, InboundSms.message_sid == with_picture.sid)
    assert logged.num_media == 1


def test_mixed_scripts_and_control_characters(sms, engine):
    make_consultation(engine, code="4711")
    sms("4711 Mehr Bänke \u202eبالقرب من المدرسة\u202c и скамейки\x00 bitte")
    [stored] = rows(engine, Contribution)
    assert "\x00" not in stored.body
    assert "بالقرب من المدرسة" in stored.body and "скамейки" in stored.body


def test_sender_without_a_phone_number(sms, engine):
    """Alphanumeric senders exist (operators, tests): matched, never notified."""
    make_consultation(engine, code="4711")
    reply = sms("4711 INFO JA", number="NETZBETR")
    assert reply.messages
    assert rows(engine, SmsNotifyRequest) == []


# -- staff ----------------------------------------------------------------------------------------


def test_moderation_queue_shows_the_channel_and_only_the_last_three_digits(client, sms, engine):
    from participation.accounts.models import Role
    from tests.factories import login, soup

    make_consultation(engine, code="4711")
    sms("4711 Bitte mehr Bänke")
    sms("Ganz ohne Code", number=BOB)
    login(client, engine, Role.moderator)
    page = client.get("/de/staff/moderation")
    assert page.status_code == 200
    text = soup(page.text).get_text(" ", strip=True)
    assert "•••111" in text and "•••222" in text
    assert "15111111111" not in page.text and "16022222222" not in page.text


def test_a_consultation_deleted_later_leaves_the_log_consistent(sms, engine):
    consultation = make_consultation(engine, code="4711")
    sms("4711 Bitte mehr Bänke")
    with session_scope(engine, write=True) as session:
        session.delete(session.get(Consultation, consultation.id))
    [logged] = rows(engine, InboundSms)
    assert logged.consultation_id is None
