"""The `participation` command: serve, migrate, demo, create-staff, reset-password, worker."""

from __future__ import annotations

import argparse
import getpass
import sys

from participation.council_cli import add_council_commands
from participation.settings import LANGUAGES, load_settings
from participation.twilio_cli import add_twilio_commands


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "participation.asgi:app",
        host=args.host,
        port=args.port if args.port is not None else load_settings().port,
        workers=args.workers,
        proxy_headers=False,
        log_level="info",
        # An access log holds every visitor's IP address; we store none (README, Operations).
        access_log=False,
    )
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from participation.migrate import upgrade

    upgrade(load_settings().database_url)
    print("Database is up to date.")
    return 0


def _demo(_args: argparse.Namespace) -> int:
    from participation.db import make_engine, session_scope
    from participation.demo import DEMO_ADMIN, seed_demo
    from participation.demo_councils import SECOND_ADMIN, seed_second_council
    from participation.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    with session_scope(make_engine(settings.database_url), write=True) as session:
        added = seed_demo(session)
        seed_second_council(session)
    print("Demo data added." if added else "Demo data was already there.")
    print(f"Gemeinde Musterstadt:  http://musterstadt.localhost:{settings.port}/de/")
    print(f"  staff login: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
    print(f"Gemeinde Beispieldorf: http://beispieldorf.localhost:{settings.port}/de/")
    print(f"  staff login: {SECOND_ADMIN[0]} / {SECOND_ADMIN[1]}")
    return 0


def _create_staff(args: argparse.Namespace) -> int:
    from participation.accounts.models import Role
    from participation.accounts.service import AccountError, create_staff
    from participation.db import make_engine, session_scope

    password = _read_new_password()
    if password is None:
        return 1
    settings = load_settings()
    try:
        with session_scope(make_engine(settings.database_url), write=True) as session:
            user = create_staff(session, args.email, password, Role(args.role), args.name)
    except AccountError as error:
        messages = {
            "too_short": "The password needs at least 12 characters.",
            "exists": "A staff account with this e-mail exists already.",
            "invalid_email": "That is not an e-mail address.",
            "too_long": "The password is too long.",
        }
        print(messages.get(str(error), str(error)), file=sys.stderr)
        return 1
    print(f"Created {user.role} {user.email}.")
    return 0


def _create_operator(args: argparse.Namespace) -> int:
    from participation.accounts.service import AccountError
    from participation.db import make_engine, session_scope
    from participation.operator.accounts import create_operator

    password = _read_new_password()
    if password is None:
        return 1
    settings = load_settings()
    try:
        with session_scope(make_engine(settings.database_url), write=True) as session:
            account = create_operator(session, args.email, password)
    except AccountError as error:
        messages = {
            "too_short": "The password needs at least 12 characters.",
            "exists": "An operator account with this e-mail exists already.",
            "invalid_email": "That is not an e-mail address.",
            "too_long": "The password is too long.",
        }
        print(messages.get(str(error), str(error)), file=sys.stderr)
        return 1
    hosts = ", ".join(settings.operator_hosts) or "none yet: set OPERATOR_HOSTS"
    print(f"Created operator {account.email}. Operator pages: /operator/ on {hosts}.")
    return 0


def _read_new_password() -> str | None:
    if sys.stdin.isatty():
        password = getpass.getpass("Password (at least 12 characters): ")
        if getpass.getpass("Repeat: ") != password:
            print("The passwords differ.", file=sys.stderr)
            return None
        return password
    return sys.stdin.readline().rstrip("\n")


def _reset_password(args: argparse.Namespace) -> int:
    """For the operator when nobody can log in: a one-time link, or a password set here."""
    from participation.accounts.service import get_by_email
    from participation.db import make_engine, session_scope

    settings = load_settings()
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        user = get_by_email(session, args.email)
    if user is None:
        print("No staff account has this e-mail address.", file=sys.stderr)
        return 1
    if not user.is_active:
        print("This account is deactivated; an admin can activate it again.", file=sys.stderr)
        return 1
    if args.link:
        return _print_reset_link(args, settings, engine)
    return _set_password_here(args, engine, user.email)


def _council_address(settings, engine, council_id: int) -> str:
    """The public address of the account's council: its host, or its path prefix on the
    installation's host (councils/service.py), where its staff log in."""
    from participation.councils.service import directory

    with engine.connect() as connection:
        known = directory(connection)
    entry = next((c for c in known.councils if c.id == council_id), None)
    return (entry.settings(settings) if entry else settings).public_base_url


def _print_reset_link(args: argparse.Namespace, settings, engine) -> int:
    from participation.accounts import credentials
    from participation.accounts.service import AccountError, get_by_email
    from participation.db import session_scope
    from participation.moderation.service import audit_account

    if settings.secret_key_generated:
        print(
            "SECRET_KEY is not set: a link made with a random key would not work in the "
            "server. Run this with the server's environment.",
            file=sys.stderr,
        )
        return 1
    with session_scope(engine, write=True) as session:
        fresh = get_by_email(session, args.email)
        if fresh is None:  # removed since the check above
            print("No staff account has this e-mail address.", file=sys.stderr)
            return 1
        try:
            token = credentials.issue_reset_link(session, settings.secret_key, fresh)
        except AccountError:
            print("This account is deactivated.", file=sys.stderr)
            return 1
        audit_account(session, "staff.reset_link", fresh.id, staff_id=None, by="command line")
        council_id = fresh.council_id
    print(
        f"{_council_address(settings, engine, council_id)}/{args.lang}/staff/password-reset/{token}"
    )
    print("The link works once, within one hour. Pass it on in a safe way.")
    return 0


def _set_password_here(args: argparse.Namespace, engine, email: str) -> int:
    from participation.accounts import credentials
    from participation.accounts.passwords import hash_password, password_problem
    from participation.accounts.service import get_by_email
    from participation.db import session_scope
    from participation.moderation.service import audit_account

    password = _read_new_password()
    if password is None:
        return 1
    problem = password_problem(password)
    if problem:
        messages = {
            "too_short": "The password needs at least 12 characters.",
            "too_long": "The password is too long.",
        }
        print(messages.get(problem, problem), file=sys.stderr)
        return 1
    new_hash = hash_password(password)  # before the write, as everywhere (credentials.py)
    with session_scope(engine, write=True) as session:
        fresh = get_by_email(session, args.email)
        if fresh is None or not fresh.is_active:
            print("This account is deactivated or gone.", file=sys.stderr)
            return 1
        credentials.set_password(session, fresh, new_hash)
        audit_account(session, "staff.password_set", fresh.id, staff_id=None, by="command line")
    print(f"New password set for {email}; every login of the account has ended.")
    return 0


def _worker(args: argparse.Namespace) -> int:
    from participation.housekeeping import run_worker

    return run_worker(load_settings(), once=args.once)


def _digest(_args: argparse.Namespace) -> int:
    from participation.db import make_engine
    from participation.moderation.digest import send_staff_digest

    settings = load_settings()
    if not settings.smtp_host:
        print("SMTP_HOST is not set: no e-mail can be sent.", file=sys.stderr)
        return 1
    sent = send_staff_digest(settings, make_engine(settings.database_url), force=True)
    print(f"Staff digest sent to {sent} address(es)." if sent else "Nothing waits: no digest.")
    return 0


def _council_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from participation import council_backup
    from participation.db import make_engine

    engine = make_engine(load_settings().database_url)
    try:
        if args.command == "backup":
            report = council_backup.export_council(engine, args.council, Path(args.path))
            verb = "written to"
        else:
            report = council_backup.restore_council(engine, Path(args.path))
            verb = "restored from"
    except council_backup.CouncilBackupError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"Council {report.council!r} {verb} {report.path}: {report.rows:,} rows in "
        f"{len(report.tables)} tables."
    )
    return 0


def _backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from participation import backup

    if args.council:
        return _council_backup(args)
    settings = load_settings()
    target = Path(args.path)
    try:
        source = backup.sqlite_path(settings.database_url)
        if source is not None:
            report = backup.backup_sqlite(source, target)
            print(
                f"Backup written to {report.path} ({report.size_bytes:,} bytes, "
                f"{report.contributions:,} contributions); integrity check passed."
            )
        else:
            command = backup.backup_postgresql(settings.database_url, target)
            print(f"Backup written to {target} with: {backup.shown(command)}")
            print(
                "Restore with: "
                + backup.shown(backup.pg_restore_command(settings.database_url, target))
            )
    except backup.BackupError as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


def _restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from participation import backup

    if args.council:
        return _council_backup(args)
    settings = load_settings()
    source = Path(args.path)
    database = backup.sqlite_path(settings.database_url)
    if database is None:
        command = backup.pg_restore_command(settings.database_url, source)
        print("For PostgreSQL, stop the server and the worker, then run:")
        print("  " + backup.shown(command))
        return 2
    if not args.yes:
        print(
            f"This replaces {database} with {source}; anything written since the backup "
            "is lost (the current database is kept beside it). Run again with --yes.",
            file=sys.stderr,
        )
        return 1
    try:
        report, kept = backup.restore_sqlite(source, database)
    except backup.BackupError as error:
        print(str(error), file=sys.stderr)
        return 1
    if kept:
        print(f"The database as it was is kept in {kept}.")
    print(f"Restored {report.contributions:,} contributions into {database}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="participation", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, help="default: PORT, else 8000")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=_migrate
    )
    sub.add_parser("demo", help="migrate and add demo data").set_defaults(func=_demo)
    staff = sub.add_parser("create-staff", help="add a staff account")
    staff.add_argument("email")
    staff.add_argument("--role", choices=["admin", "moderator", "editor"], default="moderator")
    staff.add_argument("--name", default="")
    staff.set_defaults(func=_create_staff)
    reset = sub.add_parser(
        "reset-password",
        help="set a staff account's password (prompt or one line on stdin), or --link",
    )
    reset.add_argument("email")
    reset.add_argument(
        "--link", action="store_true", help="print a one-time link (one hour) instead"
    )
    reset.add_argument("--lang", choices=sorted(LANGUAGES), default="de", help="link language")
    reset.set_defaults(func=_reset_password)
    worker = sub.add_parser("worker", help="send queued SMS and e-mail, run retention")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.set_defaults(func=_worker)
    sub.add_parser(
        "digest", help="e-mail staff now what waits in the moderation queue"
    ).set_defaults(func=_digest)
    backup = sub.add_parser("backup", help="consistent copy of the database while it runs")
    backup.add_argument("path", help="file to write (SQLite copy, or pg_dump archive)")
    backup.add_argument(
        "--council", metavar="SLUG", help="only this council's rows (gzip JSON lines)"
    )
    backup.set_defaults(func=_backup)
    restore = sub.add_parser("restore", help="bring an SQLite backup back")
    restore.add_argument("path", help="a file written by `participation backup`")
    restore.add_argument("--yes", action="store_true", help="really replace the database")
    restore.add_argument(
        "--council",
        action="store_true",
        help="the file is one council's backup: add that council (it must not exist here)",
    )
    restore.set_defaults(func=_restore)
    add_council_commands(sub)
    add_twilio_commands(sub)
    operator = sub.add_parser("operator", help="the operator's own accounts (OPERATOR_HOSTS)")
    operator_commands = operator.add_subparsers(dest="operator_command", required=True)
    new_operator = operator_commands.add_parser(
        "create", help="an operator account (password from a prompt or one line on stdin)"
    )
    new_operator.add_argument("email")
    new_operator.set_defaults(func=_create_operator)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
