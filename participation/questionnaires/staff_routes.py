"""The question builder: a consultation's questions on their own staff page, without
JavaScript, for editors and admins (/staff/consultations/{id}/questions)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import EDITORS, requires_role
from participation.consultations.forms import EDIT_LOCALES
from participation.i18n.catalogs import gettext as _
from participation.questionnaires import editing
from participation.questionnaires.builder import BuilderError
from participation.questionnaires.forms import parse_question, values_of
from participation.questionnaires.models import QuestionKind
from participation.web.templating import render, url
from participation.web.transactions import read, write


def _back(request: Request, consultation_id: int, done: str) -> Response:
    target = url(request, "staff_questions", id=consultation_id)
    return RedirectResponse(f"{target}?done={done}", status_code=303)


async def _page(
    request: Request, values: dict | None = None, errors: dict | None = None, status: int = 200
) -> Response:
    page = await read(request, editing.builder_page, request.path_params["id"])
    return render(
        request,
        "questionnaires/builder.html",
        {
            "page": page,
            "values": values or {"kind": "single_choice"},
            "errors": errors or {},
            "kinds": list(QuestionKind),
            "locales": EDIT_LOCALES,
            "done": request.query_params.get("done", ""),
        },
        status_code=status,
    )


@requires_role(*EDITORS)
async def builder_page(request: Request) -> Response:
    return await _page(request)


@requires_role(*EDITORS)
async def add(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    parsed = parse_question(await request.form())
    if parsed.draft is not None:
        try:
            await write(
                request, editing.add, consultation_id, parsed.draft, request.scope["staff"].id
            )
        except BuilderError as refused:
            parsed.errors["question"] = _(refused.message)
        else:
            return _back(request, consultation_id, "added")
    return await _page(request, parsed.values, parsed.errors, status=422)


async def _question_page(
    request: Request, values: dict | None = None, errors: dict | None = None, status: int = 200
) -> Response:
    found = await read(
        request, editing.question_editing, request.path_params["id"], request.path_params["qid"]
    )
    return render(
        request,
        "questionnaires/question.html",
        {
            "found": found,
            "values": values or values_of(found),
            "errors": errors or {},
            "kinds": list(QuestionKind),
            "locales": EDIT_LOCALES,
        },
        status_code=status,
    )


@requires_role(*EDITORS)
async def question_page(request: Request) -> Response:
    return await _question_page(request)


@requires_role(*EDITORS)
async def update(request: Request) -> Response:
    consultation_id, question_id = request.path_params["id"], request.path_params["qid"]
    parsed = parse_question(await request.form())
    if parsed.draft is not None:
        try:
            await write(
                request,
                editing.update,
                consultation_id,
                question_id,
                parsed.draft,
                request.scope["staff"].id,
            )
        except BuilderError as refused:
            parsed.errors["question"] = _(refused.message)
        else:
            return _back(request, consultation_id, "saved")
    return await _question_page(request, parsed.values, parsed.errors, status=422)


@requires_role(*EDITORS)
async def move(request: Request) -> Response:
    consultation_id, question_id = request.path_params["id"], request.path_params["qid"]
    step = -1 if (await request.form()).get("step") == "up" else 1
    await write(
        request, editing.move, consultation_id, question_id, step, request.scope["staff"].id
    )
    return _back(request, consultation_id, "moved")


@requires_role(*EDITORS)
async def remove(request: Request) -> Response:
    consultation_id, question_id = request.path_params["id"], request.path_params["qid"]
    try:
        await write(
            request, editing.remove, consultation_id, question_id, request.scope["staff"].id
        )
    except BuilderError as refused:
        return await _page(request, errors={"question": _(refused.message)}, status=409)
    return _back(request, consultation_id, "removed")


PREFIX = "/consultations/{id:int}/questions"
#: Under /staff (app.py), beside the consultation's own pages.
staff_routes = [
    Route(PREFIX, builder_page, methods=["GET"], name="staff_questions"),
    Route(PREFIX, add, methods=["POST"], name="staff_question_add"),
    Route(PREFIX + "/{qid:int}", question_page, methods=["GET"], name="staff_question"),
    Route(PREFIX + "/{qid:int}", update, methods=["POST"], name="staff_question_update"),
    Route(PREFIX + "/{qid:int}/move", move, methods=["POST"], name="staff_question_move"),
    Route(PREFIX + "/{qid:int}/remove", remove, methods=["POST"], name="staff_question_remove"),
]
