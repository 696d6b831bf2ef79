"""``downloadmanager-portal``: run and administer a portal from the command line.

Every subcommand takes ``--data DIR`` (files, and the SQLite database unless
``--database URL`` names another one, e.g. ``postgresql://user@host/db``).
Results are printed as JSON on stdout; errors go to stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from portal.config import Settings

# Seconds an idle HTTP connection stays open (see cmd_serve).
KEEP_ALIVE_SECONDS = 75


class CliError(RuntimeError):
    """A subcommand failed in a way the operator can fix (message says how)."""


def _settings(args) -> Settings:
    data = Path(args.data)
    if not data.exists():
        # Patient data: a new data folder is for the portal's user only.
        data.mkdir(parents=True, mode=0o700)
    return Settings.from_env(data, database_url=args.database)


def _engine(args):
    from portal.db import open_database
    return open_database(_settings(args))


def _print(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


class RedactAccessLog(logging.Filter):
    """Keep patient data and codes out of uvicorn's access log.

    Query strings (QIDO: ``PatientName=...``) are dropped and the code in
    ``/c/<code>`` is masked; method, path, status and client stay.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            path = str(path).split("?", 1)[0]
            if path.startswith("/c/"):
                path = "/c/…"
            record.args = (client, method, path, version, status)
        return True


def cmd_serve(args) -> None:
    import uvicorn

    from portal.app import create_app
    settings = _settings(args)
    if args.public_url:
        settings.public_url = args.public_url
    if args.downloads:
        settings.downloads_dir = Path(args.downloads)
    app = create_app(settings)
    logging.getLogger("uvicorn.access").addFilter(RedactAccessLog())
    # proxy_headers: behind a reverse proxy listed in --forwarded-allow-ips the
    # client address (used by rate limits and the audit) is the real one.
    # timeout_keep_alive: an uploading client leaves its API connection idle
    # while its PATCHes run on another; after the last byte it asks for the
    # receipt on that one. Uvicorn's 5 s would make it connect again (a round
    # trip on the practice's line); 75 s is nginx's default.
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips,
                timeout_keep_alive=KEEP_ALIVE_SECONDS)


def cmd_seed_demo(args) -> None:
    from portal.demo import seed_demo
    _print(seed_demo(_engine(args)))


def cmd_create_user(args) -> None:
    from portal.accounts import AccountError, add_membership, create_user
    engine = _engine(args)
    try:
        user_id, password = create_user(engine, args.email, is_admin=args.admin)
        if args.community:
            add_membership(engine, user_id, args.community)
    except AccountError as exc:
        raise CliError(str(exc)) from exc
    _print({"email": args.email.strip().lower(), "password": password,
            "communities": [args.community] if args.community else []})


def cmd_add_member(args) -> None:
    from portal.accounts import AccountError, add_membership, user_id_for_email
    engine = _engine(args)
    try:
        user_id = user_id_for_email(engine, args.email)
        if user_id is None:
            raise CliError(f"no account for {args.email}; create it with create-user")
        add_membership(engine, user_id, args.community)
    except AccountError as exc:
        raise CliError(str(exc)) from exc
    _print({"email": args.email.strip().lower(), "community": args.community})


def cmd_create_community(args) -> None:
    from portal.communities import CommunityError, create_community
    try:
        _print(create_community(_engine(args), args.name, args.code))
    except CommunityError as exc:
        raise CliError(str(exc)) from exc


def cmd_create_code(args) -> None:
    from portal import codes
    settings = _settings(args)
    engine = _engine(args)
    try:
        ids = codes.study_ids_for(engine, args.study)
        created = codes.create_code(engine, codes.load_secret(settings.data_dir),
                                    args.public_url or settings.public_url, ids,
                                    args.birth_date, weeks=args.weeks)
    except codes.CodeError as exc:
        raise CliError(str(exc)) from exc
    from portal import audit
    audit.record(engine, "code_created", client="cli",
                 detail={"studies": list(created.study_ids), "weeks": args.weeks})
    _print(created.as_dict())


def cmd_migrate(args) -> None:
    from portal.db import create_engine_for
    from portal.migrate import upgrade
    engine = create_engine_for(_settings(args))
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    _print({"from": before, "to": after, "changed": before != after})


def cmd_purge(args) -> None:
    from portal.retention import purge
    settings = _settings(args)
    from portal.db import open_database
    _print(purge(open_database(settings), settings).as_dict())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="downloadmanager-portal",
                                     description="Run and administer a Downloadmanager portal.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--data", required=True, help="data folder (files, SQLite database)")
        p.add_argument("--database", default=None,
                       help="SQLAlchemy URL, e.g. postgresql://user@host/db (default: SQLite "
                            "in the data folder)")
        p.set_defaults(func=func)
        return p

    p = add("serve", cmd_serve, "serve the portal over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--public-url", default=None,
                   help="base URL people reach the portal at (for mails and QR codes)")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="proxies whose X-Forwarded-For is trusted")
    p.add_argument("--log-level", default="info")
    p.add_argument("--downloads", default=None, metavar="DIR",
                   help="folder with the desktop program's installers (scripts/build-dist.sh builds them) "
                        "offered at /download/ with version, size and SHA-256")

    add("seed-demo", cmd_seed_demo, "create demo communities and a demo account")

    p = add("create-user", cmd_create_user, "create an account; prints the generated password")
    p.add_argument("--email", required=True)
    p.add_argument("--community", default=None, help="make the user a member (code)")
    p.add_argument("--admin", action="store_true", help="give the account admin rights")

    p = add("add-member", cmd_add_member, "make an existing account a community member")
    p.add_argument("--email", required=True)
    p.add_argument("--community", required=True, help="community code")

    p = add("create-community", cmd_create_community, "create a community")
    p.add_argument("--name", required=True)
    p.add_argument("--code", default=None, help="4 letters/digits (default: generated)")

    p = add("create-code", cmd_create_code, "create an access code for studies")
    p.add_argument("--study", action="append", required=True, metavar="UID",
                   help="Study Instance UID (repeat for more studies)")
    p.add_argument("--birth-date", required=True, help="patient's birth date, YYYY-MM-DD")
    p.add_argument("--weeks", type=int, default=12, help="validity in weeks (4 to 12)")
    p.add_argument("--public-url", default=None, help="base URL for the QR payload")

    add("purge", cmd_purge, "delete expired studies, codes, tokens and uploads now")
    add("migrate", cmd_migrate, "upgrade the database to this portal's schema (back it up first); "
                                "a new database is created")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``downloadmanager-portal``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    from portal.migrate import OutdatedSchemaError, SchemaVersionError
    try:
        args.func(args)
    except (CliError, OutdatedSchemaError, SchemaVersionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
