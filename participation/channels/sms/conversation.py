"""The answers to what people ask by SMS: a contribution, a poll answer, HILFE, INFO,
ERGEBNIS and STATUS. Each takes the Turn and returns the reply text; every write goes
through the domain: texts by submit_contribution, poll answers by submit_vote."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from participation.channels.sms import replies
from participation.channels.sms.models import InboundSms
from participation.channels.sms.parser import ParsedSms
from participation.channels.sms.turn import Turn
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase, PollOption
from participation.contributions import errors, lookups
from participation.contributions.models import Channel, Contribution
from participation.contributions.service import (
    ChannelDetails,
    Submission,
    Submitted,
    submit_contribution,
)
from participation.contributions.text import normalise_text
from participation.contributions.votes import Voter, submit_vote
from participation.crypto import encrypt
from participation.questionnaires.status import ResponseStatus
from participation.results.models import SmsNotifyRequest
from participation.settings import LANGUAGES, Settings

#: How long "the consultation this number was last asked about" answers a bare "JA".
CONTEXT_WINDOW = timedelta(days=3)


# -- finding the consultation --------------------------------------------------------------


def _open_choices(turn: Turn, *, with_poll: bool = False) -> list[tuple[str, str]]:
    found = consultations.open_consultations(turn.session, turn.now)
    if with_poll:
        found = [c for c in found if _options(turn, c)]
    texts = consultations.texts_for(turn.session, [c.id for c in found])
    locale = LANGUAGES.get(turn.lang(), "de")
    choices = []
    for consultation in found:
        picked = consultations.pick_text(
            texts.get(consultation.id, []),
            locale,
            consultation.default_locale,
        )
        choices.append((consultation.code, picked.text.title if picked else ""))
    return choices


def _by_code(turn: Turn, code: str) -> Consultation | None:
    """A published consultation with this code; drafts are not revealed."""
    consultation = consultations.get_by_code(turn.session, code)
    if consultation is None or consultation.phase(turn.now) is Phase.draft:
        return None
    return consultation


def _from_context(turn: Turn, *, with_poll: bool = False) -> Consultation | None:
    """No code given: the consultation last asked about, or the only one open."""
    last_id = turn.session.exec(
        select(InboundSms.consultation_id)
        .where(
            InboundSms.from_key == turn.key,
            col(InboundSms.created_at) > turn.now - CONTEXT_WINDOW,
            col(InboundSms.consultation_id).is_not(None),
        )
        .order_by(col(InboundSms.created_at).desc())
    ).first()
    if last_id is not None:
        last = turn.session.get(Consultation, last_id)
        if (
            last is not None
            and last.phase(turn.now) is Phase.open
            and (not with_poll or _options(turn, last))
        ):
            return last
    candidates = consultations.open_consultations(turn.session, turn.now)
    if with_poll:
        candidates = [c for c in candidates if _options(turn, c)]
    return candidates[0] if len(candidates) == 1 else None


def _asked_about(turn: Turn, purpose: str, *, with_poll: bool = False) -> Consultation | str:
    """The consultation the message names by its code or, without one, the one it is
    about; where there is none, the reply (the text) that says so and lists the choices."""
    code = turn.parsed.code
    if code is not None:
        consultation = _by_code(turn, code)
        if consultation is None:
            return replies.unknown_code(turn.lang(), code=code, choices=_open_choices(turn))
        return consultation
    consultation = _from_context(turn, with_poll=with_poll)
    if consultation is None:
        choices = _open_choices(turn, with_poll=with_poll)
        return replies.choose(turn.lang(), purpose=purpose, choices=choices)
    return consultation


def example_code(turn: Turn) -> str | None:
    if turn.parsed.code:
        return turn.parsed.code
    current = _from_context(turn)
    if current is not None:
        return current.code
    choices = _open_choices(turn)
    return choices[0][0] if choices else None


def _options(turn: Turn, consultation: Consultation) -> list[PollOption]:
    return consultations.poll_options(turn.session, consultation.id)


def _not_open(turn: Turn, consultation: Consultation) -> str:
    phase = consultation.phase(turn.now)
    return replies.not_open(
        turn.lang(consultation),
        code=consultation.code,
        phase=phase.value,
        opens_at=consultation.opens_at,
        choices=_open_choices(turn),
    )


# -- the intents ---------------------------------------------------------------------------


def _store(
    turn: Turn, consultation: Consultation | None, body: str, option: PollOption | None = None
) -> Submitted | str:
    """submit_contribution(); a refusal comes back as the reply text."""
    language = turn.lang(consultation)
    try:
        submitted = submit_contribution(
            turn.session,
            Submission(
                consultation=consultation,
                body=body,
                channel=Channel.sms,
                locale=LANGUAGES.get(language, "de"),
                poll_option_id=option.id if option else None,
                max_chars=turn.settings.max_contribution_chars,
                details=ChannelDetails(
                    external_id=turn.message_sid,
                    author_key=turn.key,
                ),
            ),
        )
    except errors.ConsultationNotOpen:
        assert consultation is not None
        return _not_open(turn, consultation)
    except errors.TooLong as problem:
        return replies.too_long(language, length=problem.length, limit=problem.limit)
    except errors.EmptyContribution:
        return replies.empty(language, media=turn.num_media > 0, code=example_code(turn))
    turn.contribution_id = submitted.id
    return submitted


def contribute(turn: Turn) -> str:
    parsed = turn.parsed
    media = turn.num_media > 0
    if parsed.code is not None:
        consultation = _by_code(turn, parsed.code)
        if consultation is None:
            # Nothing is lost: staff can assign it; the reply shows what is open.
            whole = normalise_text(_whole_text(turn))
            stored = _store(turn, None, whole)
            if isinstance(stored, str):
                return stored
            return replies.unassigned(
                turn.lang(),
                reference=stored.reference,
                choices=_open_choices(turn),
                unknown_code=parsed.code,
                media=media,
            )
        if consultation.phase(turn.now) is not Phase.open:
            return _not_open(turn, consultation)
        stored = _store(turn, consultation, parsed.text)
        if isinstance(stored, str):
            return stored
        turn.remember(consultation)
        return replies.received(
            turn.lang(consultation), code=consultation.code, reference=stored.reference, media=media
        )

    target = _from_context(turn)
    stored = _store(turn, target, parsed.text)
    if isinstance(stored, str):
        return stored
    if target is not None:
        turn.remember(target)
        return replies.received(
            turn.lang(target), code=target.code, reference=stored.reference, media=media
        )
    return replies.unassigned(
        turn.lang(), reference=stored.reference, choices=_open_choices(turn), media=media
    )


def _whole_text(turn: Turn) -> str:
    """The whole message as a contribution (an unknown code stays part of the text)."""
    code = turn.parsed.code or ""
    text = turn.parsed.text
    return f"{code} {text}".strip()


def vote(turn: Turn) -> str:
    parsed = turn.parsed
    consultation = _asked_about(turn, "vote", with_poll=True)
    if isinstance(consultation, str):
        return consultation
    language = turn.lang(consultation)
    if consultation.phase(turn.now) is not Phase.open:
        return _not_open(turn, consultation)
    options = _options(turn, consultation)
    if not options:
        if parsed.text:  # "4711 Ja, gute Idee" where nothing is asked: a plain comment
            stored = _store(turn, consultation, parsed.text)
            if isinstance(stored, str):
                return stored
            turn.remember(consultation)
            return replies.received(language, code=consultation.code, reference=stored.reference)
        return replies.no_poll(language, code=consultation.code)
    option = _option_for(options, parsed)
    locale = LANGUAGES.get(language, "de")
    if option is None:
        turn.remember(consultation)
        return replies.vote_options(
            language,
            code=consultation.code,
            options=[(o.position, o.label(locale)) for o in options],
        )
    turn.remember(consultation)
    if parsed.text:
        # Two calls: the text goes to moderation, the vote to the votes, linked so a
        # text rejected as spam takes its vote with it.
        stored = _store(turn, consultation, parsed.text, option)
        if isinstance(stored, str):
            return stored
        _record_vote(turn, consultation, option, stored.id)
        return replies.received(
            language,
            code=consultation.code,
            reference=stored.reference,
            option=option.label(locale),
            media=turn.num_media > 0,
        )
    _record_vote(turn, consultation, option)
    return replies.voted(language, code=consultation.code, option=option.label(locale))


def _option_for(options: list[PollOption], parsed: ParsedSms) -> PollOption | None:
    for option in options:
        if parsed.vote is not None and option.key == parsed.vote:
            return option
        if parsed.option_number is not None and option.position == parsed.option_number:
            return option
    return None


def _record_vote(
    turn: Turn, consultation: Consultation, option: PollOption, contribution_id: int | None = None
) -> None:
    # The voter is the number: the same person as a web vote confirmed by a code sent to
    # it, or a call from it. Two answers at the same moment: the upsert keeps the later.
    submit_vote(
        turn.session,
        consultation=consultation,
        option_id=option.id,
        channel=Channel.sms,
        voter=Voter(turn.key),
        contribution_id=contribution_id,
    )


def help_text(turn: Turn) -> str:
    return replies.help_text(turn.lang(), code=example_code(turn))


def info(turn: Turn) -> str:
    consultation = _asked_about(turn, "info")
    if isinstance(consultation, str):
        return consultation
    language = turn.lang(consultation)
    text = consultations.text_for(
        turn.session, consultation, LANGUAGES.get(language, consultation.default_locale)
    )
    phase = consultation.phase(turn.now)
    turn.remember(consultation)
    if phase is Phase.results:
        return _results_reply(turn.settings, turn.session, consultation, language)
    return replies.info(
        language,
        code=consultation.code,
        title=text.text.title if text else "",
        summary=(text.text.phone_summary or text.text.summary) if text else "",
        phase=phase.value,
        closes_at=consultation.closes_at,
    )


def _results_reply(
    settings: Settings, session: Session, consultation: Consultation, language: str
) -> str:
    text = consultations.text_for(session, consultation, LANGUAGES.get(language, "de"))
    link = f"{settings.public_base_url}/{language}/c/{consultation.slug}/results"
    return replies.results(
        language,
        code=consultation.code,
        title=text.text.title if text else "",
        summary=text.text.results_summary if text else "",
        link=link,
    )


def notify(turn: Turn) -> str:
    consultation = _asked_about(turn, "notify")
    if isinstance(consultation, str):
        return consultation
    language = turn.lang(consultation)
    turn.remember(consultation)
    if consultation.phase(turn.now) is Phase.results:
        return _results_reply(turn.settings, turn.session, consultation, language)
    if not turn.number.startswith("+"):
        return replies.notify_impossible(language)
    existing = turn.session.exec(
        select(SmsNotifyRequest).where(
            SmsNotifyRequest.consultation_id == consultation.id,
            SmsNotifyRequest.phone_key == turn.key,
        )
    ).first()
    request = existing or SmsNotifyRequest(
        consultation_id=consultation.id,
        phone_key=turn.key,
        number_encrypted=encrypt(turn.settings.secret_key, turn.number),
    )
    request.language = language
    savepoint = turn.session.begin_nested()
    turn.session.add(request)
    try:
        turn.session.flush()
    except IntegrityError:  # asked twice at the same moment: one request is enough
        savepoint.rollback()
    else:
        savepoint.commit()
    return replies.notify_confirmed(language, code=consultation.code)


def status(turn: Turn) -> str:
    parsed = turn.parsed
    language = turn.lang()
    contribution: Contribution | None
    if parsed.reference is not None:
        # Counted per phone: a number that asks for many unknown references is guessing.
        key = lookups.phone_lookup_key(turn.settings.secret_key, turn.key)
        try:
            found = lookups.look_up(turn.session, key, parsed.reference, turn.now)
        except lookups.LookupsLimited:
            return replies.status_limited(language)
        if found is None:
            return replies.status_unknown(language, reference=parsed.reference)
        if isinstance(found, ResponseStatus):
            return replies.response_status(
                language,
                reference=found.reference,
                code=found.consultation.code,
                changed_at=found.changed_at,
                texts=found.texts,
            )
        contribution = found
    elif parsed.raw_argument:
        return replies.status_unknown(language, invalid=True)
    else:
        # STATUS alone: this number's latest text.
        contribution = turn.session.exec(
            select(Contribution)
            .where(Contribution.author_key == turn.key)
            .order_by(col(Contribution.id).desc())
        ).first()
        if contribution is None:
            return replies.status_unknown(language)
    consultation = (
        turn.session.get(Consultation, contribution.consultation_id)
        if contribution.consultation_id
        else None
    )
    return replies.status(
        language,
        reference=contribution.reference,
        state=contribution.status.value,
        code=consultation.code if consultation else None,
        reason=contribution.rejection_reason,
        answered=bool(contribution.answer),
    )
