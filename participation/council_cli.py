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

from participation.councils import service
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
    "twilio_invalid": "an Account SID is AC and 32 hex digits; the token 16 characters or more",
}


def _run(work) -> int:
    settings = load_settings()
    try:
        with session_scope(make_engine(settings.database_url), write=True) as session:
            print(work(session))
    except service.CouncilError as problem:
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
        return "\n".join(lines)

    return _run(listing)


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


def _configure(args: argparse.Namespace) -> int:
    changes = {
        field: value
        for field in service.CONFIGURABLE
        if (value := getattr(args, field, None)) is not None
    }
    if not changes:
        print("Not done: name at least one field to change (see --help).")
        return 1

    def store(session) -> str:
        council = audited.configure(session, None, args.slug, changes)
        return f"Council {council.slug}: {', '.join(sorted(changes))} changed."

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
    configure = commands.add_parser(
        "configure", help="its name, address, numbers, hours, time zone, accent colour, ..."
    )
    configure.add_argument("slug")
    for field in service.CONFIGURABLE:
        configure.add_argument("--" + field.replace("_", "-"), dest=field)
    configure.set_defaults(func=_configure)
    usage = commands.add_parser("usage", help="contributions, SMS and call minutes by council")
    usage.add_argument("--month", default=date.today().strftime("%Y-%m"), help="YYYY-MM")
    usage.set_defaults(func=_usage)
