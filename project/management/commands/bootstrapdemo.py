"""``manage.py bootstrapdemo [--port 8000] [--reset-credentials]``: the data ``make run`` serves.

First run (one transaction): a superuser ``admin`` with a random password, demo users ``alice``
(group developers) and ``bob`` (developers, ops), a confidential application "Tutorial demo"
owned by admin with the password and client_credentials grants, and the public application
"GraphiQL" that GraphiQL's Sign in button uses (client id ``GQLAUTH_GRAPHQL["GRAPHIQL_CLIENT_ID"]``,
authorization code grant, consent asked, redirect URIs the IDE's address on 127.0.0.1 and on
localhost at ``--port``). It prints the credentials once and ready-to-paste curl commands for the
tutorial's Steps 4 and 5 and for the GraphQL API.

Later runs keep every row and print no secret: passwords and client secrets are stored only as
hashes, so they are no longer known. ``--reset-credentials`` sets a new admin password and client
secret and prints them with the commands again. Missing demo rows are recreated on any run, and
the GraphiQL application gains the IDE's addresses at a new ``--port`` (its other URIs stay).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.urls import reverse

from gqlauth import digests
from gqlauth.graphql.conf import graphql_settings
from gqlauth.models import Application, ClientType, GrantType

if TYPE_CHECKING:
    from gqlauth.models import UserModel

ADMIN_USERNAME = "admin"
APPLICATION_NAME = "Tutorial demo"
# username -> groups: data for the users and groups API.
DEMO_USERS = {"alice": ("developers",), "bob": ("developers", "ops")}
DEMO_GRANTS = [GrantType.PASSWORD.value, GrantType.CLIENT_CREDENTIALS.value]
GRAPHIQL_NAME = "GraphiQL"
# The browser may show the IDE under either name of the loopback host; each is its own origin,
# and the redirect URI must match the page's address exactly.
GRAPHIQL_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class Demo:
    """What a run found or made; plaintext values are set only when made in this run."""

    admin: AbstractBaseUser
    application: Application
    graphiql: Application | None = None
    admin_password: str | None = None
    client_secret: str | None = None


def new_password() -> str:
    """A random password of 144 bits, safe unquoted in form bodies and shell double quotes."""
    return secrets.token_urlsafe(18)


def graphiql_redirect_uris(port: int) -> list[str]:
    """The GraphiQL page's addresses at ``port``: its Sign in flow's redirect URIs."""
    return [f"http://{host}:{port}{reverse('graphql')}" for host in GRAPHIQL_HOSTS]


def ensure_graphiql_application(owner: UserModel, port: int) -> Application | None:
    """The public client GraphiQL signs in with, created or given this port's redirect URIs.

    None when ``GQLAUTH_GRAPHQL["GRAPHIQL_CLIENT_ID"]`` is None (no Sign in button to serve).
    An existing application of that client id keeps everything but gains missing URIs.
    """
    client_id = graphql_settings().graphiql_client_id
    if client_id is None:
        return None
    wanted = graphiql_redirect_uris(port)
    app = Application.objects.filter(client_id=client_id).first()
    if app is None:
        app = Application(
            client_id=client_id,
            name=GRAPHIQL_NAME,
            user=owner,
            client_type=ClientType.PUBLIC,
            grant_types=[GrantType.AUTHORIZATION_CODE.value],
            # Users see the consent page: GraphiQL asks for the scopes they ticked.
            skip_authorization=False,
        )
    registered = app.redirect_uri_list()
    missing = [uri for uri in wanted if uri not in registered]
    if app.pk is None or missing:
        app.redirect_uris = " ".join([*registered, *missing])
        app.save()
    return app


def bootstrap(*, reset_credentials: bool = False, port: int = 8000) -> Demo:
    """Create what is missing of the demo, atomically; optionally replace its credentials.

    An existing ``admin`` keeps its password unless ``reset_credentials``; an existing demo
    application keeps its secret unless ``reset_credentials``. ``port`` is the one the site is
    served on, for GraphiQL's redirect URIs.
    """
    users = get_user_model()._default_manager
    with transaction.atomic():
        groups = {
            name: Group.objects.get_or_create(name=name)[0]
            for name in sorted({g for names in DEMO_USERS.values() for g in names})
        }
        for username, group_names in DEMO_USERS.items():
            user, created = users.get_or_create(username=username)
            if created:
                # Data for the API only; nobody signs in as them.
                user.set_unusable_password()
                user.save()
                user.groups.add(*(groups[name] for name in group_names))

        admin_password: str | None = None
        admin = users.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            admin_password = new_password()
            admin = users.create_superuser(
                username=ADMIN_USERNAME, email="", password=admin_password
            )
        elif reset_credentials:
            admin_password = new_password()
            admin.set_password(admin_password)
            admin.save(update_fields=["password"])

        client_secret: str | None = None
        app = Application.objects.filter(name=APPLICATION_NAME, user=admin).first()
        if app is None or reset_credentials:
            client_secret = digests.new_client_secret()
        if app is None:
            app = Application(
                client_id=digests.new_client_id(),
                name=APPLICATION_NAME,
                user=admin,
                client_type=ClientType.CONFIDENTIAL,
                grant_types=list(DEMO_GRANTS),
            )
        if client_secret is not None:
            app.set_client_secret(client_secret)
            app.save()
        graphiql = ensure_graphiql_application(admin, port)
    assert admin is not None
    return Demo(admin, app, graphiql, admin_password, client_secret)


def graphiql_lines(demo: Demo, port: int) -> list[str]:
    """What the output says about GraphiQL's Sign in (nothing when it has no client)."""
    if demo.graphiql is None:
        return []
    # On 127.0.0.1, which is registered, and where a browser allows PKCE's crypto over http.
    ide_url = graphiql_redirect_uris(port)[0]
    return [
        f"GraphiQL's Sign in button uses application {demo.graphiql.name!r} "
        f"(public, no secret; grant types: {', '.join(demo.graphiql.grant_types)}):",
        f"  client_id:     {demo.graphiql.client_id}",
        f"  redirect URIs: {demo.graphiql.redirect_uris}",
        f"  Open {ide_url}, click Sign in, sign in as {demo.admin.get_username()} and approve.",
    ]


def instructions(demo: Demo, base_url: str, port: int) -> str:
    """The text printed after credentials were made: who, what, and the curl commands."""
    password = demo.admin_password or "<admin password>"
    secret = demo.client_secret or "<client secret>"
    basic = f'-u"{demo.application.client_id}:{secret}"'
    token_url = base_url + reverse("oauth2_provider:token")
    admin_url = base_url + reverse("admin:index")
    graphql_url = base_url + reverse("graphql")
    username = demo.admin.get_username()
    graphiql = graphiql_lines(demo, port)
    lines = [
        "gqlauth demo",
        "",
        f"Admin user (sign in at {admin_url}; also the user in the commands below):",
        f"  username: {username}",
        f"  password: {demo.admin_password or '(unchanged; not known to this command)'}",
        "",
        f"Application {APPLICATION_NAME!r} (confidential; grant types: "
        f"{', '.join(demo.application.grant_types)}):",
        f"  client_id:     {demo.application.client_id}",
        f"  client_secret: {demo.client_secret or '(unchanged; not known to this command)'}",
        "",
        "Save these now: only hashes are stored, so they cannot be shown again.",
        "Demo users: alice (developers), bob (developers, ops).",
        "",
        *graphiql,
        *([""] if graphiql else []),
        "Step 4, get a token (password grant):",
        f'  curl -X POST -d "grant_type=password&username={username}&password={password}" '
        f"{basic} {token_url}",
        "",
        "Refresh it (paste refresh_token from the answer):",
        '  curl -X POST -d "grant_type=refresh_token&refresh_token=<refresh_token>" '
        f"{basic} {token_url}",
        "",
        "Step 5, a token with only the read scope:",
        f'  curl -X POST -d "grant_type=password&username={username}&password={password}'
        f'&scope=read" {basic} {token_url}',
        "",
        "A token for the application itself (client_credentials grant):",
        f'  curl -X POST -d "grant_type=client_credentials" {basic} {token_url}',
        "",
        "Query the GraphQL API (paste access_token from an answer):",
        '  curl -H "Authorization: Bearer <access_token>" -H "Content-Type: application/json" '
        f'-d \'{{"query":"{{ users {{ username }} }}"}}\' {graphql_url}',
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Create the demo superuser, users, groups and application on first run and print "
        "credentials and curl commands; later runs keep the data and print no secrets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Host in the printed URLs")
        parser.add_argument("--port", type=int, default=8000, help="Port in the printed URLs")
        parser.add_argument(
            "--reset-credentials",
            action="store_true",
            help="Set a new admin password and demo client secret, and print them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        demo = bootstrap(
            reset_credentials=bool(options["reset_credentials"]), port=int(options["port"])
        )
        base_url = f"http://{options['host']}:{options['port']}"
        if demo.admin_password is None and demo.client_secret is None:
            self.stdout.write(
                f"The demo exists: user {demo.admin.get_username()!r}, application "
                f"{APPLICATION_NAME!r} (client_id {demo.application.client_id}).\n"
                "Its password and client secret are stored only as hashes and cannot be "
                "shown again;\n"
                "`python manage.py bootstrapdemo --reset-credentials` issues a new admin "
                "password and client secret."
            )
            graphiql = graphiql_lines(demo, int(options["port"]))
            if graphiql:
                self.stdout.write("\n".join(["", *graphiql]))
            return
        self.stdout.write(instructions(demo, base_url, int(options["port"])))
