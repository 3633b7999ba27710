"""create_app(settings) -> Starlette: middleware and mounts, nothing else."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount, Route

from participation import tables  # noqa: F401 - every table known before first use
from participation.accounts.admin_routes import staff_routes as account_admin_routes
from participation.accounts.password_routes import staff_routes as account_password_routes
from participation.accounts.permissions import can
from participation.accounts.routes import staff_routes as login_routes
from participation.accounts.security_routes import staff_routes as account_security_routes
from participation.api.routes import routes as api_routes
from participation.caching.pages import PageCacheMiddleware
from participation.channels.sms.routes import routes as sms_webhook_routes
from participation.channels.sms.staff_display import sms_sender
from participation.channels.voice.routes import routes as voice_webhook_routes
from participation.channels.voice.staff_routes import staff_routes as calls_staff_routes
from participation.consultations.preview_routes import preview_routes as consultation_previews
from participation.consultations.public_routes import public_routes as consultation_routes
from participation.consultations.setup_routes import setup_routes as consultation_setup
from participation.consultations.staff_routes import staff_routes as consultation_staff_routes
from participation.contributions.labels import channel_label
from participation.contributions.reference import format_reference
from participation.contributions.routes import public_routes as contribution_routes
from participation.db import make_engine
from participation.frontdesk.routes import staff_routes as frontdesk_routes
from participation.housekeeping import housekeeping
from participation.i18n.formatting import use_timezone
from participation.moderation.public_routes import public_routes as moderation_public_routes
from participation.moderation.routes import staff_routes as moderation_staff_routes
from participation.operator.grant_routes import staff_routes as operator_access_routes
from participation.operator.login_routes import routes as operator_login_routes
from participation.operator.routes import operator_root
from participation.operator.routes import routes as operator_council_routes
from participation.operator.usage_routes import routes as operator_usage_routes
from participation.outbox.routes import staff_routes as outbox_staff_routes
from participation.outbox.routes import webhook_routes as outbox_webhook_routes
from participation.privacy_routes import staff_routes as privacy_routes
from participation.questionnaires.paper_routes import public_routes as paper_form_routes
from participation.questionnaires.paper_routes import staff_routes as paper_form_staff_routes
from participation.questionnaires.public_routes import public_routes as questionnaire_routes
from participation.questionnaires.staff_routes import staff_routes as question_staff_routes
from participation.rendering import environment
from participation.results.routes import MEDIA as DOWNLOAD_MEDIA
from participation.results.routes import public_routes as result_routes
from participation.results.staff_routes import staff_routes as result_staff_routes
from participation.settings import LANGUAGES, Settings, load_settings
from participation.simulator.routes import public_routes as simulator_routes
from participation.sitepages.media import serve_media
from participation.sitepages.routes import public_routes as sitepage_routes
from participation.sitepages.routes import staff_routes as sitepage_staff_routes
from participation.staff.home import staff_routes as staff_home_routes
from participation.staff.look import staff_routes as council_look_staff_routes
from participation.staff_menu import count_waiting
from participation.web.council_look import routes as council_look_routes
from participation.web.councils import CouncilDirectory, CouncilMiddleware
from participation.web.errors import EXCEPTION_HANDLERS
from participation.web.health import healthz, root
from participation.web.middleware import (
    FormGuardMiddleware,
    LanguageMiddleware,
    SecurityHeadersMiddleware,
)
from participation.web.proxy import TrustedProxyMiddleware
from participation.web.static import serve_static
from participation.web.templating import templates


class LanguageConvertor(Convertor[str]):
    regex = "|".join(sorted(LANGUAGES, key=len, reverse=True))

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("lang", LanguageConvertor())


def register_template_helpers() -> None:
    """The domain's words in templates: the rendering floor below knows no domain."""
    environment.filters["reference"] = format_reference
    environment.globals["channel_name"] = channel_label
    # The moderation queue shows each SMS sender's last three digits.
    environment.globals["sms_sender"] = sms_sender
    # Role checks in templates ask the route's own guard (accounts/permissions.py).
    environment.globals["can"] = can


#: The council's side, under /de/staff/, /ar/staff/, ...: each area's own staff routes,
#: written relative to /staff. An area whose index page has no trailing slash
#: (/staff/moderation) keeps it beside its Mount, as Starlette mounts only match below
#: their path.
staff_routes = [
    *staff_home_routes,
    *login_routes,
    *account_admin_routes,
    # The consultations' own pages before the results' Mount of /staff/consultations/{id},
    # which answers 404 for every path below it that is not its own (/results, ...);
    # the set-up steps before the one-page form: GET /staff/consultations/new is step one.
    *consultation_setup,
    *consultation_previews,
    # The questionnaire builder (/staff/consultations/{id}/questions), also before it.
    *paper_form_staff_routes,
    *question_staff_routes,
    *consultation_staff_routes,
    *result_staff_routes,
    *moderation_staff_routes,
    *frontdesk_routes,
    *sitepage_staff_routes,
    *council_look_staff_routes,
    *account_security_routes,
    *account_password_routes,
    *privacy_routes,
    *calls_staff_routes,
    *outbox_staff_routes,
    *operator_access_routes,
]

#: The operator's side, under /operator/de/, ...: served on OPERATOR_HOSTS only, and
#: there nothing else is (web/councils.py).
operator_routes = [
    Route("/", operator_root),
    Mount(
        "/{lang:lang}",
        routes=[*operator_login_routes, *operator_council_routes, *operator_usage_routes],
    ),
]

#: Pages in the reader's language, under /de/, /ar/, ...
localized_routes = [
    *consultation_routes,
    *paper_form_routes,
    *questionnaire_routes,
    *contribution_routes,
    *result_routes,
    *moderation_public_routes,
    *sitepage_routes,
    *simulator_routes,
    Mount("/staff", routes=staff_routes),
]


def _routes() -> list[BaseRoute]:
    """The installation's own addresses first (webhooks, API, files, the operator), then
    the pages of every language."""
    return [
        Route("/", root),
        Route("/healthz", healthz),
        *voice_webhook_routes,
        *sms_webhook_routes,
        *outbox_webhook_routes,
        Mount("/api/v1", routes=api_routes),
        Route("/static/{path:path}", serve_static),
        Route("/media/sign-language.{ext}", serve_media),
        *council_look_routes,
        Route("/operator", operator_root),
        Mount("/operator", routes=operator_routes),
        Mount("/{lang:lang}", routes=localized_routes),
    ]


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url)
    https = settings.public_base_url.startswith("https://")
    register_template_helpers()
    councils = CouncilDirectory(engine, settings)
    app = Starlette(
        debug=settings.debug,
        routes=_routes(),
        middleware=[
            # First, so that everything after it sees the real client address.
            Middleware(TrustedProxyMiddleware, trusted=settings.trusted_proxies),
            Middleware(SecurityHeadersMiddleware, hsts=https),
            # Before the page cache: a kept page belongs to the council of its host.
            Middleware(CouncilMiddleware, councils=councils),
            *(
                [Middleware(PageCacheMiddleware, seconds=settings.page_cache_seconds)]
                if settings.page_cache_seconds > 0
                else []
            ),
            Middleware(
                GZipMiddleware,
                minimum_size=800,
                # An XLSX is a zip already; the text downloads come compressed when built.
                exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, DOWNLOAD_MEDIA["xlsx"]),
            ),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="staff_session",
                same_site="lax",
                https_only=https,
                max_age=12 * 3600,
            ),
            Middleware(LanguageMiddleware),
            Middleware(FormGuardMiddleware, settings=settings),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.settings = settings
    app.state.engine = engine
    # The staff menu's counts of what waits, asked for by requires_role().
    app.state.count_waiting = count_waiting
    app.state.councils = councils
    # The phone simulator runs the schedule on demand (demo and staff training).
    app.state.housekeeping = housekeeping
    # Both are process-wide, as the template environment is: one council per process.
    use_timezone(settings.timezone)
    templates.env.auto_reload = settings.debug
    return app
