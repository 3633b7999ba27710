"""What staff see of an SMS sender in the moderation queue: the last three digits.

The queue's templates call ``sms_sender(item)`` (app.py registers it). The first call on
a page loads the masked numbers of every SMS item on it in one statement (never one per
item) and keeps them for the rest of the request.
"""

from __future__ import annotations

from jinja2 import pass_context
from jinja2.runtime import Context
from sqlmodel import Session

from participation.channels.sms.service import masked_senders
from participation.tenancy import scope


@pass_context
def sms_sender(context: Context, item: object) -> str:
    request = context.get("request")
    item_id = getattr(item, "id", None)
    if request is None or item_id is None or getattr(item, "channel", None) != "sms":
        return ""
    cache: dict[int, str] = request.scope.setdefault("sms_senders", {})
    if item_id not in cache:
        page_items = context.get("items") or []
        wanted = {i.id for i in page_items if getattr(i, "channel", None) == "sms"} | {item_id}
        with Session(request.app.state.engine) as session:
            scope(session, request.scope["council"].session_council)
            found = masked_senders(session, sorted(wanted))
        cache.update({wanted_id: found.get(wanted_id, "") for wanted_id in wanted})
    return cache[item_id]
