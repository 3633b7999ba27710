"""`participation council ...`: the operator's commands for the councils of an installation.

    participation council create beispieldorf "Gemeinde Beispieldorf" \\
        --host beteiligung.beispieldorf.de --number +4951219876543
    participation council list
    participation council suspend beispieldorf --notice "Die Beteiligung ruht bis 1. März."
    participation council resume beispieldorf
    participation council archive beispieldorf
    participation council add-host beispieldorf beispieldorf.localhost
    participation council add-number beispieldorf +4915112345678
    participation council set-twilio beispieldorf AC0123...  (the token on stdin)
    participation council set-twilio-options beispieldorf --region ie1 --edge dublin \\
        --api-key-sid SK0123... --messaging-service-sid MG0123... --advanced-opt-out on
        (each secret on stdin, one line each: the API key's, then the webhook key's)

Each is one row or one change: no process to start, no file to write. Running web
processes pick a change up within web/councils.py's REFRESH_SECONDS. Each change is in
the operator's log (operator_event) as the command line's, as the operator's pages'
are as theirs.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date

from participation.councils import logos, service
from participation.councils.models import CouncilStatus
from participation.db import make_engine, session_scope
from participation.operator import service as audited
from participation.settings import load_settings

MESSAGES = {
    "slug_invalid": "a council's short name is lower-case letters, digits and hyphens",
    "slug_taken": "a council with this short name exists already",
    "name_missing": "the council needs a name",
    "host_invalid": "not a host name",
    "host_taken": "this host name belongs to a council already",
    "number_invalid": "not a phone number in international form (+49...)",
    "number_taken": "this number belongs to a council already",
    "unknown": "no council with this short name",
    "name_too_long": "the name is too long (200 characters at most)",
    "timezone_invalid": "not a time zone (for example Europe/Berlin)",
    "colour_invalid": "the accent colour is #rrggbb, for example #1d5f3a",
    "colour_contrast": "the accent colour is too light: links in it need a contrast of "
    "4.5:1 on white (WCAG 2.2 AA); choose a darker one",
    "email_invalid": "not an e-mail address",
    "field_unknown": "no such field",
    "hours_invalid": "hours are days and times, for example "
    '"mon-fri 08:00-18:00; sat 09:00-12:00", "Mo–Fr 8–12 und 14–18 Uhr" or '
    '[{"days": [0, 1, 2, 3, 4], "opens": "08:00", "closes": "18:00"}] (0 is Monday); '
    'empty for the installation\'s FRONT_DESK_HOURS / PHONE_HOURS, "always" for a line '
    "open at all hours",
    "twilio_invalid": "an Account SID is AC and 32 hex digits; the token 16 characters or more",
    "twilio_region_invalid": "a Twilio Region is two letters and a digit, for example ie1",
    "twilio_edge_invalid": "a Twilio Edge is a lower-case name, for example dublin",
    "twilio_api_key_sid_invalid": "an API key SID is SK and 32 hex digits",
    "twilio_messaging_service_sid_invalid": "a Messaging Service SID is MG and 32 hex digits",
    "twilio_webhook_key_id_invalid": "not a webhook key id (webhooks_sharedkey_...)",
    "twilio_api_key_secret_invalid": "the API key's secret (16 characters or more) is missing",
    "twilio_webhook_key_secret_invalid": "the webhook key's secret (16 characters or more) "
    "is missing",
    "logo_type": "the logo must be a PNG, JPEG, WebP or SVG file",
    "logo_too_large": f"the logo may be at most {logos.MAX_LOGO_BYTES // 1024} KB",
    "logo_unsafe": "this SVG holds scripts, links or other things than a plain drawing; "
    "save it as plain SVG or as PNG",
    "logo_unreadable": "the logo file cannot be read",
}


def _run(work) -> int:
    settings = load_settings()
    try:
        with session_scope(make_engine(settings.database_url), write=True) as session:
            print(work(session))
    except (service.CouncilError, logos.LogoError) as problem:
        field = problem.code.removesuffix("_too_long").replace("_", " ")
        fallback = f"the {field} is too long" if problem.code.endswith("_too_long") else field
        print(f"Not done: {MESSAGES.get(problem.code, fallback)}.")
        return 1
    return 0


def _create(args: argparse.Namespace) -> int:
    def create(session) -> str:
        council = audited.create(session, None, args.slug, args.name, args.host, args.number)
        return f"Council {council.slug} created (id {council.id})."

    return _run(create)


def _list(_args: argparse.Namespace) -> int:
    def listing(session) -> str:
        lines = [f"{'id':>4}  {'slug':<20} {'status':<10} {'name':<32} hosts / numbers"]
        for council, hosts, numbers in service.listing(session):
            where = (
                ", ".join(hosts + numbers) or "(no host names: every host while no council has one)"
            )
            name = council.name or "(from COUNCIL_NAME)"
            lines.append(
                f"{council.id:>4}  {council.slug:<20} {council.status.value:<10} "
                f"{name[:32]:<32} {where}"
            )
            lines += _free_text_hours(council)
        return "\n".join(lines)

    return _run(listing)


def _free_text_hours(council) -> list[str]:
    """Hours the upgrade could not read as days and times: shown as written, untranslated."""
    return [
        f"      {field.replace('_', ' ')} are text, shown as written in every language: "
        f"{getattr(council, field)!r}; set them with: participation council configure "
        f'{council.slug} --{field.replace("_", "-")} "mon-fri 08:00-18:00"'
        for field in service.SCHEDULES
        if getattr(council, field)
    ]


def _status(status: CouncilStatus):
    def change(args: argparse.Namespace) -> int:
        notice = getattr(args, "notice", "") or ""
        return _run(
            lambda session: (
                f"Council {audited.set_status(session, None, args.slug, status, notice).slug} "
                f"is {status.value} now."
            )
        )

    return change


def _add_host(args: argparse.Namespace) -> int:
    def add(session) -> str:
        audited.add_host(session, None, args.slug, args.host)
        return f"{args.slug} answers on {service.normalise_host(args.host)} now."

    return _run(add)


def _add_number(args: argparse.Namespace) -> int:
    def add(session) -> str:
        audited.add_number(session, None, args.slug, args.number)
        return f"{args.slug}'s SMS and calls to {args.number} are routed to it now."

    return _run(add)


def _set_twilio(args: argparse.Namespace) -> int:
    # The token never on the command line, where the shell's history and `ps` keep it.
    token = getpass.getpass("Auth token: ") if sys.stdin.isatty() else sys.stdin.readline()
    secret_key = load_settings().secret_key

    def store(session) -> str:
        audited.set_twilio(session, None, args.slug, args.account_sid, token.strip(), secret_key)
        return f"{args.slug}'s SMS and calls go through Twilio account {args.account_sid} now."

    return _run(store)


def _secret(prompt: str) -> str:
    # Secrets never on the command line, where the shell's history and `ps` keep them.
    return (getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()).strip()


def _set_twilio_options(args: argparse.Namespace) -> int:
    changes = {
        field: value
        for field in service.TWILIO_OPTIONS
        if (value := getattr(args, field)) is not None
    }
    secrets = {
        secret: _secret(f"Secret of {changes[field]}: ")
        for field, secret in service.TWILIO_SECRETS.items()
        if changes.get(field)
    }
    advanced = None if args.advanced_opt_out is None else args.advanced_opt_out == "on"
    if not changes and advanced is None:
        print("Not done: name at least one option to change (see --help).")
        return 1
    secret_key = load_settings().secret_key

    def store(session) -> str:
        service.set_twilio_options(session, args.slug, changes, secrets, secret_key, advanced)
        named = sorted(changes) + ([] if advanced is None else ["twilio_advanced_opt_out"])
        return f"Council {args.slug}: {', '.join(named)} changed."

    return _run(store)


def _usage(args: argparse.Namespace) -> int:
    from datetime import date

    from participation.council_usage import monthly_usage

    try:
        year, month = (int(part) for part in args.month.split("-"))
        wanted = date(year, month, 1)
    except ValueError:
        print("Not done: give the month as YYYY-MM, e.g. 2026-12.")
        return 1

    doors = ("web", "sms", "voice", "paper", "in_person")

    def table(session) -> str:
        heads = (*doors, "SMS in", "SMS out", "minutes")
        lines = [f"{wanted:%Y-%m}  {'council':<20}" + "".join(f"{h:>10}" for h in heads)]
        for row in monthly_usage(session, wanted):
            figures = [row.contributions.get(door, 0) for door in doors]
            figures += [row.sms_received, row.sms_sent, row.call_minutes]
            lines.append(f"{'':9}{row.slug:<20}" + "".join(f"{n:>10}" for n in figures))
        return "\n".join(lines)

    return _run(table)


def _logo(path: str) -> bytes | None:
    """The file's bytes, at most one past the limit (enough to refuse it); None: none."""
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read(logos.MAX_LOGO_BYTES + 1)
    except OSError:
        raise logos.LogoError("logo_unreadable") from None


def _configure(args: argparse.Namespace) -> int:
    changes = {
        field: value
        for field in service.CONFIGURABLE
        if (value := getattr(args, field, None)) is not None
    }
    if not changes and args.logo is None:
        print("Not done: name at least one field to change (see --help).")
        return 1
    media_dir = load_settings().media_dir

    def store(session) -> str:
        logo = _logo(args.logo or "")
        if logo is not None:
            logos.logo_kind(logo)  # checked before anything is stored
        council = audited.configure(session, None, args.slug, changes)
        if args.logo is not None:
            if logo is None:
                logos.remove_logo(media_dir, council.id)
            else:
                logos.store_logo(media_dir, council.id, logo)
        named = sorted(changes) + (["logo"] if args.logo is not None else [])
        return f"Council {council.slug}: {', '.join(named)} changed."

    return _run(store)


def add_council_commands(sub: argparse._SubParsersAction) -> None:
    council = sub.add_parser("council", help="create, list, suspend the installation's councils")
    commands = council.add_subparsers(dest="council_command", required=True)
    create = commands.add_parser("create", help="a new council: one row")
    create.add_argument("slug", help="short name: lower-case letters, digits, hyphens")
    create.add_argument("name", help='its name as citizens read it ("Gemeinde Beispieldorf")')
    create.add_argument("--host", action="append", default=[], help="host name (repeatable)")
    create.add_argument("--number", action="append", default=[], help="SMS/phone number")
    create.set_defaults(func=_create)
    commands.add_parser("list", help="every council, its status, hosts and numbers").set_defaults(
        func=_list
    )
    suspend = commands.add_parser("suspend", help="pages show a notice, nothing is taken in")
    suspend.add_argument("slug")
    suspend.add_argument("--notice", default="", help="what the pages say, in German")
    suspend.set_defaults(func=_status(CouncilStatus.suspended))
    for name, status, text in (
        ("resume", CouncilStatus.active, "serve a suspended council again"),
        ("archive", CouncilStatus.archived, "keep the data, serve nothing"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("slug")
        command.set_defaults(func=_status(status))
    host = commands.add_parser("add-host", help="a host name the council's pages answer on")
    host.add_argument("slug")
    host.add_argument("host")
    host.set_defaults(func=_add_host)
    number = commands.add_parser("add-number", help="a number whose SMS and calls are its")
    number.add_argument("slug")
    number.add_argument("number")
    number.set_defaults(func=_add_number)
    twilio = commands.add_parser(
        "set-twilio", help="its own Twilio account (token from a prompt or stdin)"
    )
    twilio.add_argument("slug")
    twilio.add_argument("account_sid", help="AC and 32 hex digits")
    twilio.set_defaults(func=_set_twilio)
    options = commands.add_parser(
        "set-twilio-options",
        help="its Twilio region and edge, API key, Messaging Service, webhook signing key",
    )
    options.add_argument("slug")
    for field in service.TWILIO_OPTIONS:
        flag = "--" + field.removeprefix("twilio_").replace("_", "-")
        options.add_argument(flag, dest=field, help="empty: the installation's")
    options.add_argument("--advanced-opt-out", choices=["on", "off"])
    options.set_defaults(func=_set_twilio_options)
    configure = commands.add_parser(
        "configure", help="its name, address, numbers, hours, time zone, accent colour, ..."
    )
    configure.add_argument("slug")
    for field in service.CONFIGURABLE:
        configure.add_argument("--" + field.replace("_", "-"), dest=field)
    configure.add_argument(
        "--logo", help="its logo: a PNG, JPEG, WebP or SVG file (an empty value removes it)"
    )
    configure.set_defaults(func=_configure)
    usage = commands.add_parser("usage", help="contributions, SMS and call minutes by council")
    usage.add_argument("--month", default=date.today().strftime("%Y-%m"), help="YYYY-MM")
    usage.set_defaults(func=_usage)
