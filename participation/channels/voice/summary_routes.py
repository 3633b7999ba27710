"""Staff upload recorded readings of a consultation's phone summary, one per language.

The phone line then plays the recording instead of text-to-speech for that language.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import EDITORS, requires_role
from participation.channels.voice import readings
from participation.i18n.catalogs import gettext as _
from participation.settings import LANGUAGES
from participation.web.templating import render, url
from participation.web.transactions import read, write

#: What Twilio's <Play> plays; the request size limit (256 KB) caps the length anyway.
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/mp3", "audio/wav", "audio/x-wav", "audio/wave"})
MAX_AUDIO_BYTES = 240_000


@requires_role(*EDITORS)
async def summaries(request: Request) -> Response:
    rows = await read(request, readings.summary_rows)
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
    await write(request, readings.store_summary_audio, consultation_id, locale, data, kind, user.id)
    return RedirectResponse(back + "?done=saved", status_code=303)


@requires_role(*EDITORS)
async def delete(request: Request) -> Response:
    audio_id = request.path_params["id"]
    user = request.scope["staff"]
    await write(request, readings.delete_summary_audio, audio_id, user.id)
    return RedirectResponse(url(request, "calls_summaries") + "?done=deleted", status_code=303)


@requires_role(*EDITORS)
async def listen(request: Request) -> Response:
    """Staff hear drafts too; the public /twilio/ address serves published ones only."""
    data, content_type = await read(request, readings.staff_audio, request.path_params["id"])
    return Response(data, media_type=content_type, headers={"Cache-Control": "no-store, private"})


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
