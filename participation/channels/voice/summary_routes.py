"""Staff upload recorded readings of a consultation's phone summary, one per language.

The phone line then plays the recording instead of text-to-speech for that language.
"""

from __future__ import annotations

from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import EDITORS, requires_role
from participation.channels.voice.models import SummaryAudio
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, ConsultationText
from participation.i18n.catalogs import gettext as _
from participation.moderation.service import audit
from participation.settings import LANGUAGES
from participation.web.errors import error_response
from participation.web.forms import in_transaction
from participation.web.templating import render, url

#: What Twilio's <Play> plays; the request size limit (256 KB) caps the length anyway.
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/mp3", "audio/wav", "audio/x-wav", "audio/wave"})
MAX_AUDIO_BYTES = 240_000
CODE_OF_LOCALE = {locale: code for code, locale in LANGUAGES.items()}


def _rows(session: Session) -> list[dict]:
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


@requires_role(*EDITORS)
async def summaries(request: Request) -> Response:
    rows = await in_transaction(request, _rows)
    messages = {
        "saved": _("The recording was saved; the phone line plays it from now on."),
        "deleted": _("The recording was deleted; the phone line reads the text again."),
        "refused": _(
            "Please choose an MP3 or WAV file of at most 240 KB (about a minute of speech)."
        ),
    }
    message = messages.get(request.query_params.get("done", ""), "")
    return render(
        request,
        "calls/summaries.html",
        {
            "rows": rows,
            "message": message,
            "refused": request.query_params.get("done") == "refused",
        },
    )


@requires_role(*EDITORS)
async def upload(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    code = request.path_params["code"]
    locale = LANGUAGES.get(code)
    user = request.scope["staff"]
    form = await request.form()
    file = form.get("audio")
    data, kind = b"", ""
    if isinstance(file, UploadFile) and file.filename:
        data = await file.read(MAX_AUDIO_BYTES + 1)
        kind = (file.content_type or "").split(";")[0].strip().lower()
    back = url(request, "calls_summaries")
    if locale is None or not data or len(data) > MAX_AUDIO_BYTES or kind not in AUDIO_TYPES:
        return RedirectResponse(back + "?done=refused", status_code=303)

    def store(session: Session) -> bool:
        if session.get(Consultation, consultation_id) is None:
            return False
        audio = session.exec(
            select(SummaryAudio).where(
                SummaryAudio.consultation_id == consultation_id, SummaryAudio.locale == locale
            )
        ).first() or SummaryAudio(
            consultation_id=consultation_id, locale=locale, content_type=kind, audio=b""
        )
        audio.audio, audio.content_type, audio.uploaded_by_id = data, kind, user.id
        session.add(audio)
        audit(
            session,
            "summary_audio_upload",
            staff_id=user.id,
            object_type="consultation",
            object_id=consultation_id,
            locale=locale,
            bytes=len(data),
        )
        return True

    if not await in_transaction(request, store, write=True):
        return error_response(request, 404)
    return RedirectResponse(back + "?done=saved", status_code=303)


@requires_role(*EDITORS)
async def delete(request: Request) -> Response:
    audio_id = request.path_params["id"]
    user = request.scope["staff"]

    def remove(session: Session) -> bool:
        audio = session.get(SummaryAudio, audio_id)
        if audio is None:
            return False
        audit(
            session,
            "summary_audio_delete",
            staff_id=user.id,
            object_type="consultation",
            object_id=audio.consultation_id,
            locale=audio.locale,
        )
        session.delete(audio)
        return True

    if not await in_transaction(request, remove, write=True):
        return error_response(request, 404)
    return RedirectResponse(url(request, "calls_summaries") + "?done=deleted", status_code=303)


@requires_role(*EDITORS)
async def listen(request: Request) -> Response:
    """Staff hear drafts too; the public /twilio/ address serves published ones only."""
    audio_id = request.path_params["id"]

    def load(session: Session) -> tuple[bytes, str] | None:
        row = session.exec(
            select(SummaryAudio.audio, SummaryAudio.content_type).where(
                col(SummaryAudio.id) == audio_id
            )
        ).first()
        return (row[0], row[1]) if row else None

    found = await in_transaction(request, load)
    if found is None:
        return error_response(request, 404)
    return Response(found[0], media_type=found[1], headers={"Cache-Control": "no-store, private"})


#: Localized (under /{lang}/).
#: Under /staff/calls (staff_routes.py).
routes = [
    Route("/summaries", summaries, name="calls_summaries"),
    Route(
        "/summaries/{id:int}/{code}/upload", upload, methods=["POST"], name="calls_summary_upload"
    ),
    Route(
        "/summaries/audio/{id:int}/delete", delete, methods=["POST"], name="calls_summary_delete"
    ),
    Route("/summaries/audio/{id:int}", listen, name="calls_summary_audio"),
]
