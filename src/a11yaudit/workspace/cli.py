"""`a11yaudit serve` (the web workspace) and `a11yaudit user add|list|passwd`, registered by cli.py (register(cli))."""

from __future__ import annotations

import sys

import click

from ..errors import ConfigError


def register(cli: click.Group) -> None:
    @cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on (put a TLS reverse proxy in front for use beyond this machine).")
    @click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
                  help="Port (0: any free port, printed on stderr).")
    @click.option("--trusted-proxy", "trusted_proxies", multiple=True, default=("127.0.0.1",), show_default=True,
                  metavar="ADDRESS",
                  help="Address or network (CIDR) of the reverse proxy whose X-Forwarded-For/-Proto and "
                       "--trust-user-header are honoured (repeatable); other peers' are ignored.")
    @click.option("--trust-user-header", "user_header", metavar="HEADER", default=None,
                  help="Single sign-on: a request from a --trusted-proxy carrying this header (e.g. X-Remote-User) "
                       "is logged in as that existing local user, with its role; an unknown user gets 403. The "
                       "proxy must authenticate users and strip this header from clients' requests.")
    @click.pass_context
    def serve_cmd(ctx, host, port, trusted_proxies, user_header):
        """The web workspace on the audit database (--db): sites, runs, the 達成基準チェックリスト, problems,
        two runs compared and triage (accepted / false positive), for local users (`a11yaudit user add`)."""
        import ipaddress

        from .app import serve
        for proxy in trusted_proxies:
            try:
                ipaddress.ip_network(proxy.strip(), strict=False)
            except ValueError:
                raise ConfigError(f"--trusted-proxy {proxy!r} is no IP address or network", field="--trusted-proxy")
        if user_header is not None and (not user_header.strip() or not all(
                c.isalnum() or c == "-" for c in user_header.strip())):
            raise ConfigError("--trust-user-header needs a header name (letters, digits, -)",
                              field="--trust-user-header")

        def ready(address):
            click.echo(f"a11yaudit serve: listening on http://{address[0]}:{address[1]}/", err=True)
        try:
            serve(ctx.obj["db"], host=host, port=port, ready=ready, trusted_proxies=tuple(trusted_proxies),
                  user_header=user_header.strip() if user_header else None)
        except KeyboardInterrupt:
            pass

    @cli.group("user")
    def user_group():
        """Local accounts of the web workspace (roles: viewer, editor, admin)."""

    @user_group.command("add")
    @click.argument("name")
    @click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), default="viewer", show_default=True)
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input (first line).")
    @click.pass_context
    def user_add(ctx, name, role, password_stdin):
        """Add a workspace user; the password is asked for (or read with --password-stdin) and stored as an argon2
        hash."""
        from ..store.db import Store
        from ..store.workspace import add_user
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
        if not password:
            raise ConfigError("the password is empty", field="password")
        add_user(Store(ctx.obj["db"]), name, password, role)
        click.echo(f"user {name} added ({role})", err=True)

    @user_group.command("list")
    @click.pass_context
    def user_list(ctx):
        """The workspace users and their roles."""
        from ..store.db import Store
        from ..store.workspace import list_users
        for u in list_users(Store(ctx.obj["db"])):
            click.echo(f"{u['name']}\t{u['role']}")

    @user_group.command("passwd")
    @click.argument("name")
    @click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (first line).")
    @click.pass_context
    def user_passwd(ctx, name, password_stdin):
        """Set a workspace user's password (asked for, or read with --password-stdin; at least 8 characters): a new
        argon2 hash, and every session of the user ends."""
        from ..store.db import Store
        from ..store.workspace import set_password
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True, err=True)
        if not set_password(Store(ctx.obj["db"]), name, password):
            raise ConfigError(f"no workspace user {name!r}", field="NAME")
        click.echo(f"password of {name} changed; the user's sessions have ended", err=True)
