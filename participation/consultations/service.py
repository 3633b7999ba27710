"""Reading and writing consultations; plain functions over a Session."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.consultations.models import (
    Consultation,
    ConsultationText,
    Phase,
    PollOption,
)
from participation.db import table_of
from participation.i18n.catalogs import N_, in_every_language
from participation.outcomes import NotFound
from participation.questionnaires.poll import keep_poll_question
from participation.tenancy import council_or_first

FALLBACK_LOCALE = "de"

# How long a consultation's contact data (phone links, call-back and notification
# numbers, recordings) is kept after the consultation ends, in days. Not less than a
# month: the council still needs it to send the result notifications, to answer "did my
# comment arrive?" and objections (the usual one-month period to object), and a typo
# must not erase what a just-closed consultation still uses. Not more than ten years: the
# longest period a council keeps such files; anything longer is a typo that would keep
# personal data without a purpose (DSGVO Art. 5(1)(e)) and take the date arithmetic past
# the calendar's end. participation.retention reads stored values through
# clamp_retention_days(), so a value saved before these bounds cannot hurt either.
RETENTION_MIN_DAYS = 30
RETENTION_MAX_DAYS = 3650
RETENTION_DEFAULT_DAYS = 180


class InvalidRetention(ValueError):
    """A retention period outside RETENTION_MIN_DAYS..RETENTION_MAX_DAYS, or no number."""


def parse_retention_days(value: str | int | None) -> int:
    """The retention period from a form or an API: empty means the default; anything
    that is not a whole number within the bounds raises InvalidRetention."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return RETENTION_DEFAULT_DAYS
    if isinstance(value, str):
        text = value.strip()
        # int() reads "1_000" and other digits ("²" fails, "١٨٠" passes): plain or
        # Arabic-Indic digits only, and few enough of them to be a plausible number.
        if len(text) > 6 or not text.lstrip("-").isdecimal():
            raise InvalidRetention(value)
        value = int(text)
    if not RETENTION_MIN_DAYS <= value <= RETENTION_MAX_DAYS:
        raise InvalidRetention(value)
    return value


def set_retention_days(consultation: Consultation, value: str | int | None) -> None:
    """The only way the retention period is changed: validated here, for every door."""
    consultation.retention_days = parse_retention_days(value)


def clamp_retention_days(days: int | None) -> int:
    """A stored value read within the bounds (it may predate them, or come from SQL)."""
    if days is None:
        return RETENTION_DEFAULT_DAYS
    return max(RETENTION_MIN_DAYS, min(RETENTION_MAX_DAYS, days))


#: The standard answers of a yes/no poll, labelled in every language from the catalogs.
STANDARD_OPTION_MESSAGES = {"yes": N_("Yes"), "no": N_("No"), "undecided": N_("Undecided")}


@cache
def standard_options() -> dict[str, dict[str, str]]:
    """Option key -> locale -> label ("undecided" -> {"de": "Unentschieden", ...})."""
    return {key: in_every_language(message) for key, message in STANDARD_OPTION_MESSAGES.items()}


@dataclass(frozen=True)
class LocalisedText:
    text: ConsultationText
    #: The locale the text is really in: differs from the reader's when it fell back.
    locale: str

    @property
    def is_fallback(self) -> bool:
        return self.locale != self.requested

    requested: str = ""


# The statements of the hottest reads are built once: building a SQLModel select with
# its WHERE clause costs more than SQLite takes to answer it (80-300 us a statement).


@cache
def _statements() -> dict:
    return {
        "by_slug": select(Consultation).where(Consultation.slug == bindparam("slug")),
        "by_code": select(Consultation).where(Consultation.code == bindparam("code")),
        "texts": select(ConsultationText).where(
            col(ConsultationText.consultation_id).in_(bindparam("ids", expanding=True))
        ),
        "options": select(PollOption)
        .where(PollOption.consultation_id == bindparam("consultation_id"))
        .order_by(col(PollOption.position)),
        "public": select(Consultation)
        .where(Consultation.is_published == True)  # noqa: E712
        .order_by(col(Consultation.closes_at).desc(), col(Consultation.id).desc()),
        "all": select(Consultation).order_by(col(Consultation.id).desc()),
    }


@cache
def _row_statements() -> dict:
    consultation = table_of(Consultation)
    text = table_of(ConsultationText)
    option = table_of(PollOption)
    # Core tables: SQLAlchemy's select() is typed for them and for any number of columns.
    return {
        "by_slug": core_select(
            consultation.c.id,
            consultation.c.slug,
            consultation.c.code,
            consultation.c.default_locale,
            consultation.c.is_published,
            consultation.c.opens_at,
            consultation.c.closes_at,
            consultation.c.results_published_at,
            consultation.c.updated_at,
            consultation.c.allow_unverified_votes,
        ).where(
            consultation.c.council_id == bindparam("council_id"),
            consultation.c.slug == bindparam("slug"),
        ),
        "texts": core_select(text).where(text.c.consultation_id == bindparam("consultation_id")),
        "options": core_select(option.c.id, option.c.position, option.c.labels)
        .where(option.c.consultation_id == bindparam("consultation_id"))
        .order_by(option.c.position),
        "choices": core_select(consultation.c.id, consultation.c.slug, consultation.c.code)
        .where(consultation.c.council_id == bindparam("council_id"))
        .order_by(consultation.c.id.desc()),
        "titles": core_select(text.c.consultation_id, text.c.locale, text.c.title).where(
            text.c.council_id == bindparam("council_id")
        ),
    }


def row_by_slug(session: Session, slug: str) -> Row | None:
    """The columns a public page shows (and phase_of() needs), as a plain row.

    The public pages read rows rather than ORM objects: the ORM's way of running a
    statement and making its objects costs ~130 us a statement there, several times
    what SQLite takes to answer."""
    values = {"slug": slug, "council_id": council_or_first(session)}
    return session.connection().execute(_row_statements()["by_slug"], values).first()


def text_row_for(session: Session, consultation: Any, locale: str) -> LocalisedText | None:
    """text_for() as a plain row: the same choice of language."""
    rows = session.connection().execute(
        _row_statements()["texts"], {"consultation_id": consultation.id}
    )
    # Rows with ConsultationText's columns stand in for the models: pick_text reads those.
    return pick_text(rows.all(), locale, consultation.default_locale)  # type: ignore[arg-type]


def option_rows(session: Session, consultation_id: int) -> list[Row]:
    """The poll's options (id, position, labels) in order, as plain rows."""
    rows = session.connection().execute(
        _row_statements()["options"], {"consultation_id": consultation_id}
    )
    return list(rows)


def titled_choices(session: Session, locale: str) -> list[tuple[int, str, str]]:
    """Every consultation, newest first, as (id, title in ``locale`` or its fallback,
    code): what staff choose from. Two statements for any number of consultations."""
    connection = session.connection()
    council = {"council_id": council_or_first(session)}
    texts: dict[int, list] = {}
    for row in connection.execute(_row_statements()["titles"], council):
        texts.setdefault(row.consultation_id, []).append(row)
    choices = []
    for c in connection.execute(_row_statements()["choices"], council):
        picked = pick_text(texts.get(c.id, []), locale)
        choices.append((c.id, picked.text.title if picked else c.slug, c.code))
    return choices


def get_by_slug(session: Session, slug: str) -> Consultation | None:
    return session.exec(_statements()["by_slug"], params={"slug": slug}).first()


def public_by_slug(session: Session, slug: str) -> Consultation | None:
    """The consultation behind a public address, or None while it is a draft: a draft's
    slug answers like one that does not exist."""
    consultation = get_by_slug(session, slug)
    if consultation is None or consultation.phase() is Phase.draft:
        return None
    return consultation


def public_or_404(session: Session, slug: str) -> Consultation:
    """public_by_slug(), raising NotFound where that finds none."""
    consultation = public_by_slug(session, slug)
    if consultation is None:
        raise NotFound
    return consultation


def get_by_code(session: Session, code: str) -> Consultation | None:
    return session.exec(_statements()["by_code"], params={"code": code}).first()


def texts_for(session: Session, consultation_ids: list[int]) -> dict[int, list[ConsultationText]]:
    result: dict[int, list[ConsultationText]] = {}
    if not consultation_ids:
        return result
    rows = session.exec(_statements()["texts"], params={"ids": list(consultation_ids)}).all()
    for row in rows:
        result.setdefault(row.consultation_id, []).append(row)
    return result


def pick_text(
    texts: list[ConsultationText], locale: str, default: str = FALLBACK_LOCALE
) -> LocalisedText | None:
    by_locale = {t.locale: t for t in texts}
    for candidate in (locale, default, FALLBACK_LOCALE):
        if candidate in by_locale:
            return LocalisedText(by_locale[candidate], candidate, requested=locale)
    if texts:
        return LocalisedText(texts[0], texts[0].locale, requested=locale)
    return None


def text_for(session: Session, consultation: Consultation, locale: str) -> LocalisedText | None:
    texts = texts_for(session, [consultation.id])
    return pick_text(texts.get(consultation.id, []), locale, consultation.default_locale)


def public_consultations(session: Session) -> list[Consultation]:
    return list(session.exec(_statements()["public"]).all())


def open_consultations(session: Session, now: datetime | None = None) -> list[Consultation]:
    now = now or utcnow()
    return [c for c in public_consultations(session) if c.phase(now) is Phase.open]


def poll_options(session: Session, consultation_id: int) -> list[PollOption]:
    return list(
        session.exec(_statements()["options"], params={"consultation_id": consultation_id}).all()
    )


def all_consultations(session: Session) -> list[Consultation]:
    return list(session.exec(_statements()["all"]).all())


_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slugify(title: str) -> str:
    slug = _SLUG_STRIP.sub("-", title.lower().translate(_TRANSLIT)).strip("-")
    return slug[:60] or "beteiligung"


def unique_slug(session: Session, title: str, exclude_id: int | None = None) -> str:
    base = slugify(title)
    slug, n = base, 2
    while True:
        found = get_by_slug(session, slug)
        if found is None or found.id == exclude_id:
            return slug
        slug, n = f"{base}-{n}", n + 1


def new_code(session: Session) -> str:
    """Four digits, not starting with 0, unused; five when four run short."""
    for length in (4, 4, 4, 4, 5, 5, 5, 6):
        code = str(secrets.randbelow(9) + 1) + "".join(
            str(secrets.randbelow(10)) for _ in range(length - 1)
        )
        if get_by_code(session, code) is None:
            return code
    raise RuntimeError("no free consultation code")


def save_text(
    session: Session, consultation: Consultation, locale: str, **fields: str
) -> ConsultationText:
    text = session.exec(
        select(ConsultationText).where(
            ConsultationText.consultation_id == consultation.id,
            ConsultationText.locale == locale,
        )
    ).first()
    if text is None:
        text = ConsultationText(consultation_id=consultation.id, locale=locale, title="")
    for key, value in fields.items():
        setattr(text, key, value)
    session.add(text)
    return text


class PollLocked(Exception):
    """The poll cannot change this way: ``code`` says why ("results_published": frozen
    until the result is withdrawn; "has_votes": options stay, only their wording may be
    fixed; "swapped": a new wording is another option's, which would move its votes)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Relabelled:
    """A wording fix: the option (its id, so its votes) stays, the words change."""

    option_id: int
    position: int
    before: dict
    after: dict


def set_poll(
    session: Session,
    consultation: Consultation,
    options: list[tuple[str, dict]],
    *,
    has_votes: bool,
) -> list[Relabelled]:
    """Set the poll's options: [(key, {locale: label})], positions 1..9 in order.

    Nothing that rewrites what people answered: once anybody voted, the options stay
    (no removing, adding, re-keying, switching the poll off) and only their wording may
    be fixed, in place, so each option keeps its id and its votes; once the result is
    published, nothing changes until it is withdrawn. Raises PollLocked before changing
    anything. Returns the wording changes, for the caller's audit log.

    ``has_votes``: whether anybody answered the poll yet (contributions.votes.has_votes);
    the caller asks, as the votes stand above the consultations they answer."""
    existing = poll_options(session, consultation.id)
    wanted = [(key, labels or standard_options().get(key, {})) for key, labels in options[:9]]
    if [(o.key, o.labels) for o in existing] == wanted:
        return []
    if consultation.results_published_at is not None:
        raise PollLocked("results_published")
    same_shape = [o.key for o in existing] == [key for key, _labels in wanted]
    if has_votes:
        if not same_shape:
            raise PollLocked("has_votes")
        current = {label.casefold() for o in existing for label in o.labels.values()}
        for option, (_key, labels) in zip(existing, wanted, strict=True):
            own = {label.casefold() for label in option.labels.values()}
            if any(label.casefold() in current - own for label in labels.values()):
                raise PollLocked("swapped")
    changes = []
    for option in existing[len(wanted) :]:
        session.delete(option)
    for position, (key, labels) in enumerate(wanted, start=1):
        if position <= len(existing):
            option = existing[position - 1]
            if option.labels != labels and option.key == key:
                changes.append(Relabelled(option.id, position, dict(option.labels), labels))
        else:
            option = PollOption(consultation_id=consultation.id, position=position)
        option.key = key
        option.labels = labels
        session.add(option)
    session.flush()
    keep_poll_question(session, consultation.id, on=bool(wanted))
    return changes
