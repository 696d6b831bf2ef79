"""``downloadmanager login``: log in to a portal and remember the login.

Also home of the options every portal command shares (``--server``,
``--email``, ``--password-stdin``) and of ``portal_from_args`` which turns
them into a logged-in ``PortalClient``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from downloadmanager.core.credentials import (
    Account,
    CredentialStore,
    load_account,
    normalise_server,
    save_account,
)
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.errors import AppError


def add_portal_options(parser: argparse.ArgumentParser) -> None:
    """Add --server, --email and --password-stdin to PARSER."""
    group = parser.add_argument_group("portal login")
    group.add_argument("--server", metavar="URL",
                       help="portal address, e.g. https://portal.example.org "
                            "(default: the one of the last 'downloadmanager login')")
    group.add_argument("--email", metavar="E",
                       help="account e-mail (default: the one of the last login)")
    group.add_argument("--password-stdin", action="store_true",
                       help="read the password from standard input (first line) instead of "
                            "using the one stored in the system keyring")


def read_password(args: argparse.Namespace, prompt: str) -> str | None:
    """The password from stdin (--password-stdin), a prompt on a terminal, or None."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        return line.rstrip("\r\n") or None
    if sys.stdin.isatty():
        return getpass.getpass(prompt) or None
    return None


def resolve_account(args: argparse.Namespace) -> Account:
    """Server and e-mail from the options, falling back to the stored login."""
    stored = load_account()
    server = normalise_server(args.server) if args.server else (stored.server if stored else None)
    if not server:
        raise AppError("no_portal_given")
    email = args.email or (stored.email if stored and stored.server == server else None)
    if not email:
        raise AppError("no_account_for_portal", server=server)
    return Account(server, email)


def portal_from_args(args: argparse.Namespace, credentials: CredentialStore | None = None
                     ) -> PortalClient:
    """A logged-in portal client for the command's options (may prompt for the password)."""
    account = resolve_account(args)
    credentials = credentials or CredentialStore()
    client = PortalClient(account.server, account.email, credentials=credentials)
    password = None
    if getattr(args, "password_stdin", False) or credentials.get_password(
            account.server, account.email) is None:
        password = read_password(args, f"Password for {account.email} at {account.server}: ")
    if credentials.warning:
        print(credentials.warning, file=sys.stderr)
    if password:
        client.login(password)
    else:
        client.headers()  # uses the stored token or logs in with the stored password
    return client


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``login`` subcommand."""
    parser = subparsers.add_parser(
        "login",
        help="log in to a portal and remember the login (password in the system keyring)",
        description=(
            "Log in to the portal with your e-mail and password. The password and the "
            "session token are kept in the operating system's keyring (never in a file); "
            "the portal address and the e-mail become the defaults of every other command. "
            "Without a keyring the password is used for this run only. Exit code 0 when "
            "logged in, 2 on a wrong password or an unreachable portal."),
    )
    parser.add_argument("--server", metavar="URL", required=True,
                        help="portal address, e.g. https://portal.example.org")
    parser.add_argument("--email", metavar="E", required=True, help="account e-mail")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input (for scripts) instead of "
                             "asking for it")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Log in; return the exit code."""
    server = normalise_server(args.server)
    password = read_password(args, f"Password for {args.email} at {server}: ")
    if not password:
        from downloadmanager.cli.messages import describe

        print(f"downloadmanager login: {describe(AppError('no_password_given'))}",
              file=sys.stderr)
        return 2
    credentials = CredentialStore()
    client = PortalClient(server, args.email, credentials=credentials)
    try:
        client.login(password)
    except AppError as exc:
        from downloadmanager.cli.messages import describe

        print(f"downloadmanager login: {describe(exc)}", file=sys.stderr)
        return 2
    save_account(Account(server, args.email))
    if credentials.warning:
        print(credentials.warning, file=sys.stderr)
    from downloadmanager.cli.messages import say

    print(say("logged_in", server=server, email=args.email))
    return 0
