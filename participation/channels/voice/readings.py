"""Recorded readings of a consultation's phone summary: stored, listed, played.

The phone line plays a recording instead of text-to-speech for its language; staff
upload and delete them on the summaries page (summary_routes.py).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from participation.channels.voice.models import SummaryAudio
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, ConsultationText, Phase
from participation.moderation.service import audit
from participation.outcomes import NotFound, get_or_404
from participation.settings import LANGUAGES

CODE_OF_LOCALE = {locale: code for code, locale in LANGUAGES.items()}


def published_audio(session: Session, audio_id: int) -> tuple[bytes, str]:
    """(audio, content type) of a recording whose consultation is out of draft; public
    like the summary text it reads out."""
    audio = get_or_404(session, SummaryAudio, audio_id)
    consultation = session.get(Consultation, audio.consultation_id)
    if consultation is None or consultation.phase() is Phase.draft:
        raise NotFound
    return audio.audio, audio.content_type


def staff_audio(session: Session, audio_id: int) -> tuple[bytes, str]:
    """(audio, content type) of any recording, drafts' too: staff hear them first."""
    row = session.exec(
        select(SummaryAudio.audio, SummaryAudio.content_type).where(
            col(SummaryAudio.id) == audio_id
        )
    ).first()
    if row is None:
        raise NotFound
    return row[0], row[1]


def summary_rows(session: Session) -> list[dict]:
    """Every consultation with its languages' summaries and recordings, for the page."""
    every = consultations.all_consultations(session)
    texts = consultations.texts_for(session, [c.id for c in every])
    audio = {
        # Rows, which SQLModel types as plain tuples.
        (a.consultation_id, a.locale): a  # type: ignore[attr-defined]
        for a in session.exec(
            select(
                SummaryAudio.id,
                SummaryAudio.consultation_id,
                SummaryAudio.locale,
                SummaryAudio.created_at,
            )
        ).all()
    }
    rows = []
    for consultation in every:
        own: list[ConsultationText] = sorted(
            texts.get(consultation.id, []),
            key=lambda t: (
                list(LANGUAGES.values()).index(t.locale) if t.locale in LANGUAGES.values() else 99
            ),
        )
        picked = consultations.pick_text(own, "de")
        rows.append(
            {
                "consultation": consultation,
                "title": picked.text.title if picked else consultation.slug,
                "languages": [
                    {
                        "code": CODE_OF_LOCALE.get(t.locale, t.locale),
                        "locale": t.locale,
                        "summary": t.phone_summary,
                        "audio": audio.get((consultation.id, t.locale)),
                    }
                    for t in own
                    if t.locale in CODE_OF_LOCALE
                ],
            }
        )
    return rows


def store_summary_audio(
    session: Session, consultation_id: int, locale: str, data: bytes, kind: str, staff_id: int
) -> None:
    """The recording for one language of a consultation, replacing an earlier one."""
    get_or_404(session, Consultation, consultation_id)
    audio = session.exec(
        select(SummaryAudio).where(
            SummaryAudio.consultation_id == consultation_id, SummaryAudio.locale == locale
        )
    ).first() or SummaryAudio(
        consultation_id=consultation_id, locale=locale, content_type=kind, audio=b""
    )
    audio.audio, audio.content_type, audio.uploaded_by_id = data, kind, staff_id
    session.add(audio)
    audit(
        session,
        "summary_audio_upload",
        staff_id=staff_id,
        object_type="consultation",
        object_id=consultation_id,
        locale=locale,
        bytes=len(data),
    )


def delete_summary_audio(session: Session, audio_id: int, staff_id: int) -> None:
    """The phone line reads the summary text again."""
    audio = get_or_404(session, SummaryAudio, audio_id)
    audit(
        session,
        "summary_audio_delete",
        staff_id=staff_id,
        object_type="consultation",
        object_id=audio.consultation_id,
        locale=audio.locale,
    )
    session.delete(audio)
