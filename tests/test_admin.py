"""Admin: secrets shown exactly once, digests never shown, read-only tokens with revoke actions."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from gqlauth import digests
from gqlauth.models import AccessToken, Application, RefreshToken

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:gqlauth_application_add")
APPS_URL = reverse("admin:gqlauth_application_changelist")
ACCESS_URL = reverse("admin:gqlauth_accesstoken_changelist")
REFRESH_URL = reverse("admin:gqlauth_refreshtoken_changelist")
SECRET_RE = re.compile(r'<code class="client-secret">([A-Za-z0-9]+)</code>')


def change_url(app: Application) -> str:
    return reverse("admin:gqlauth_application_change", args=[app.pk])


def form_data(**overrides):
    data = {
        "name": "Backend",
        "client_id": "backend-client",
        "user": "",
        "active": "on",
        "client_type": "confidential",
        "application_type": "web",
        "client_secret": "",
        "grant_types": ["password", "client_credentials"],
        "redirect_uris": "",
        "_save": "Save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def shown_secrets(response) -> list[str]:
    return SECRET_RE.findall(response.content.decode())


# Applications ---------------------------------------------------------------------------------


def test_add_form_has_grant_type_checkboxes_a_generated_client_id_and_a_blank_secret(
    admin_client,
):
    response = admin_client.get(ADD_URL)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for grant in ("authorization_code", "password", "client_credentials", "refresh_token"):
        assert f'type="checkbox" name="grant_types" value="{grant}"' in html
    for scope in ("read", "write", "groups"):
        assert f'type="checkbox" name="allowed_scopes" value="{scope}"' in html
    client_id = re.search(r'name="client_id" value="([A-Za-z0-9]{40})"', html)
    assert client_id is not None
    assert '<input type="password" name="client_secret"' in html
    assert "client_secret_digest" not in html


def test_add_generates_a_secret_shown_once_and_stores_only_its_digest(admin_client):
    response = admin_client.post(ADD_URL, form_data())

    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]
    app = Application.objects.get()
    [secret] = shown_secrets(response)
    assert len(secret) == 64
    assert app.check_client_secret(secret)
    assert app.client_secret_digest not in response.content.decode()
    assert app.grant_types == ["password", "client_credentials"]
    assert "backend-client" in response.content.decode()

    for url in (change_url(app), APPS_URL):
        page = admin_client.get(url)
        assert page.status_code == HTTPStatus.OK
        assert secret not in page.content.decode()
        assert app.client_secret_digest not in page.content.decode()
    assert "Set; stored only as a digest." in admin_client.get(change_url(app)).content.decode()


def test_add_with_empty_client_id_generates_one(admin_client):
    admin_client.post(ADD_URL, form_data(client_id=""))

    assert re.fullmatch(r"[A-Za-z0-9]{40}", Application.objects.get().client_id)


def test_add_with_a_typed_secret_keeps_it_and_does_not_show_it(admin_client):
    typed = "typed-by-a-person-" + "x" * 20

    response = admin_client.post(ADD_URL, form_data(client_secret=typed), follow=True)

    assert response.redirect_chain == [(APPS_URL, HTTPStatus.FOUND)]
    assert typed not in response.content.decode()
    assert Application.objects.get().check_client_secret(typed)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"client_secret": "short"},
            "A client secret must be at least 32 characters long; "
            "leave it empty to have a strong one generated.",
        ),
        (
            {"client_type": "public", "grant_types": ["password"], "client_secret": "y" * 40},
            "A public client has no secret: leave it empty or make the client confidential.",
        ),
        (
            {"client_type": "public"},
            "The client_credentials grant needs a confidential client (RFC 6749 §4.4).",
        ),
        (
            {"grant_types": ["authorization_code"]},
            "The authorization_code grant needs at least one redirect URI (RFC 6749 §3.1.2).",
        ),
        ({"grant_types": []}, "This field is required."),
    ],
)
def test_add_refuses_bad_input_without_saving(admin_client, overrides, message):
    response = admin_client.post(ADD_URL, form_data(**overrides))

    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert shown_secrets(response) == []
    assert not Application.objects.exists()


def test_typed_secret_is_not_echoed_back_in_a_form_with_errors(admin_client):
    typed = "z" * 40
    response = admin_client.post(ADD_URL, form_data(client_secret=typed, grant_types=[]))

    assert response.status_code == HTTPStatus.OK
    assert typed not in response.content.decode()


def test_making_a_public_client_confidential_shows_its_first_secret_once(
    admin_client, make_application
):
    app = make_application(client_type="public").app
    assert app.client_secret_digest == ""

    response = admin_client.post(
        change_url(app),
        form_data(
            name=app.name, client_id=app.client_id, user=str(app.user_id), grant_types=["password"]
        ),
    )

    assert response.status_code == HTTPStatus.OK
    [secret] = shown_secrets(response)
    app.refresh_from_db()
    assert app.client_type == "confidential"
    assert app.check_client_secret(secret)
    assert secret not in admin_client.get(change_url(app)).content.decode()


def test_editing_a_confidential_client_keeps_its_secret(admin_client, make_application):
    client = make_application()
    app = client.app

    response = admin_client.post(
        change_url(app),
        form_data(
            name="Renamed",
            client_id=app.client_id,
            user=str(app.user_id),
            grant_types=["password"],
            allowed_scopes=["read"],
        ),
    )

    assert response.status_code == HTTPStatus.FOUND
    app.refresh_from_db()
    assert (app.name, app.allowed_scopes) == ("Renamed", "read")
    assert app.check_client_secret(client.secret)


def test_rotate_action_confirms_then_shows_new_secrets_once(admin_client, make_application):
    first, second = make_application(name="First"), make_application(name="Second")
    public = make_application(client_type="public", name="Mobile").app
    ids = [str(first.app.pk), str(second.app.pk), str(public.pk)]

    confirm = admin_client.post(
        APPS_URL, {"action": "rotate_client_secret", "_selected_action": ids}
    )

    assert confirm.status_code == HTTPStatus.OK
    html = confirm.content.decode()
    assert "First" in html
    assert "Second" in html
    assert "1 public application selected has no secret and is skipped." in html
    assert shown_secrets(confirm) == []
    first.app.refresh_from_db()
    assert first.app.check_client_secret(first.secret)  # nothing rotated yet

    done = admin_client.post(
        APPS_URL, {"action": "rotate_client_secret", "_selected_action": ids, "confirm": "yes"}
    )

    assert done.status_code == HTTPStatus.OK
    assert "no-store" in done["Cache-Control"]
    new_first, new_second = shown_secrets(done)
    for client, new in ((first, new_first), (second, new_second)):
        client.app.refresh_from_db()
        assert client.app.check_client_secret(new)
        assert not client.app.check_client_secret(client.secret)
        assert client.app.client_secret_digest not in done.content.decode()
    public.refresh_from_db()
    assert public.client_secret_digest == ""
    listing = admin_client.get(APPS_URL).content.decode()
    assert new_first not in listing
    assert new_second not in listing


def test_rotate_action_on_public_clients_only_warns(admin_client, make_application):
    public = make_application(client_type="public").app

    response = admin_client.post(
        APPS_URL,
        {"action": "rotate_client_secret", "_selected_action": [str(public.pk)]},
        follow=True,
    )

    assert "Public applications have no client secret to rotate." in response.content.decode()


def test_changelist_searches_name_and_client_id_and_filters_grant_type(
    admin_client, make_application
):
    make_application(name="Alpha", client_id="alpha-id", grant_types=("password",))
    make_application(name="Beta", client_id="beta-id", grant_types=("client_credentials",))

    def names(**params) -> list[str]:
        response = admin_client.get(APPS_URL, params)
        assert response.status_code == HTTPStatus.OK
        return list(response.context["cl"].queryset.values_list("name", flat=True))

    assert names(q="alpha") == ["Alpha"]
    assert names(q="beta-id") == ["Beta"]
    assert names(grant_type="client_credentials") == ["Beta"]
    assert sorted(names(client_type="confidential")) == ["Alpha", "Beta"]


# Tokens -------------------------------------------------------------------------------------


def test_token_pages_show_no_digest_nor_value(admin_client, make_tokens):
    issued = make_tokens()
    access, refresh = issued.access, issued.refresh
    pages = [
        ACCESS_URL,
        REFRESH_URL,
        reverse("admin:gqlauth_accesstoken_change", args=[access.pk]),
        reverse("admin:gqlauth_refreshtoken_change", args=[refresh.pk]),
    ]
    secrets = [access.digest, refresh.digest, issued.access_token, issued.refresh_token]

    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        html = response.content.decode()
        for value in secrets:
            assert value not in html, url
        assert "read write groups" in html


def test_tokens_cannot_be_added_or_edited(admin_client, make_tokens):
    access = make_tokens().access
    url = reverse("admin:gqlauth_accesstoken_change", args=[access.pk])

    assert admin_client.get(reverse("admin:gqlauth_accesstoken_add")).status_code == (
        HTTPStatus.FORBIDDEN
    )
    assert admin_client.get(reverse("admin:gqlauth_refreshtoken_add")).status_code == (
        HTTPStatus.FORBIDDEN
    )
    assert admin_client.post(url, {"scope": "admin"}).status_code == HTTPStatus.FORBIDDEN
    access.refresh_from_db()
    assert access.scope == "read write groups"
    assert 'name="scope"' not in admin_client.get(url).content.decode()


def test_token_changelists_offer_revoke_not_bulk_delete(admin_client, make_tokens):
    make_tokens()
    for url in (ACCESS_URL, REFRESH_URL):
        html = admin_client.get(url).content.decode()
        assert 'value="revoke"' in html
        assert 'value="delete_selected"' not in html


def test_revoke_access_tokens(admin_client, make_tokens):
    kept = make_tokens()
    gone = make_tokens()

    response = admin_client.post(
        ACCESS_URL,
        {"action": "revoke", "_selected_action": [str(gone.access.pk)]},
        follow=True,
    )

    assert "Revoked 1 access token(s)." in response.content.decode()
    assert list(AccessToken.objects.all()) == [kept.access]
    assert RefreshToken.objects.get(pk=gone.refresh.pk).revoked_at is not None
    assert RefreshToken.objects.get(pk=kept.refresh.pk).revoked_at is None


def test_revoke_refresh_tokens_revokes_their_families(admin_client, make_tokens):
    kept = make_tokens()
    gone = make_tokens()

    response = admin_client.post(
        REFRESH_URL,
        {"action": "revoke", "_selected_action": [str(gone.refresh.pk)]},
        follow=True,
    )

    assert "Revoked 1 refresh token family(ies)." in response.content.decode()
    assert not AccessToken.objects.filter(pk=gone.access.pk).exists()
    assert RefreshToken.objects.get(pk=gone.refresh.pk).revoked_at is not None
    assert RefreshToken.objects.get(pk=kept.refresh.pk).revoked_at is None
    assert AccessToken.objects.filter(pk=kept.access.pk).exists()


def test_deleting_a_refresh_token_revokes_its_family_first(admin_client, make_tokens):
    issued = make_tokens()
    url = reverse("admin:gqlauth_refreshtoken_delete", args=[issued.refresh.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert not RefreshToken.objects.exists()
    assert not AccessToken.objects.exists()


def test_application_with_tokens_can_still_be_deleted(admin_client, make_tokens):
    # Cascading deletes need delete permission on the token admins.
    app = make_tokens().access.application
    url = reverse("admin:gqlauth_application_delete", args=[app.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert not Application.objects.exists()
    assert not AccessToken.objects.exists()


def test_token_admin_searches_by_client_and_user_not_by_value(admin_client, make_tokens, make_user):
    issued = make_tokens(user=make_user(username="dora"))

    def count(q: str) -> int:
        return admin_client.get(ACCESS_URL, {"q": q}).context["cl"].result_count

    assert count("dora") == 1
    assert count(issued.access.application.client_id) == 1
    assert count(issued.access_token) == 0
    assert count(issued.access.digest) == 0
    assert count(digests.digest(issued.access_token, purpose="access")) == 0


def test_application_changelist_links_to_developer_pages(admin_client):
    response = admin_client.get("/admin/gqlauth/application/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<a href="/o/applications/">Developer application pages</a>' in html
    assert '<a href="/graphql/">GraphiQL</a>' in html


def test_revoke_tokens_action_ends_every_token_of_the_selected_applications(
    admin_client, make_application, make_tokens
):
    target = make_application().app
    other = make_application().app
    first = make_tokens(application=target)
    second = make_tokens(application=target)
    kept = make_tokens(application=other)

    response = admin_client.post(
        reverse("admin:gqlauth_application_changelist"),
        {"action": "revoke_tokens", "_selected_action": [str(target.pk)]},
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    assert "Revoked every token of 1 application(s) (2 access token(s))." in (
        response.content.decode()
    )
    assert list(AccessToken.objects.all()) == [kept.access]
    for issued in (first, second):
        assert RefreshToken.objects.get(pk=issued.refresh.pk).revoked_at is not None
    assert RefreshToken.objects.get(pk=kept.refresh.pk).revoked_at is None


# Activation, application type, default scopes -----------------------------------------------


def test_change_form_has_active_application_type_and_default_scopes(admin_client, make_application):
    app = make_application(default_scopes="read").app

    response = admin_client.get(change_url(app))

    html = response.content.decode()
    assert (
        '<input type="checkbox" name="active" aria-describedby="id_active_helptext" '
        'id="id_active" checked>' in html
    )
    assert '<select name="application_type"' in html
    assert '<option value="native">Native (desktop or mobile) application</option>' in html
    for scope in ("read", "write", "groups"):
        assert f'type="checkbox" name="default_scopes" value="{scope}"' in html
    assert 'name="default_scopes" value="read" id="id_default_scopes_0" checked' in html
    fieldsets = {name: fields["fields"] for name, fields in response.context["adminform"].fieldsets}
    assert fieldsets[None] == ("name", "user", "active")
    assert fieldsets["Authorization"][:4] == (
        "application_type",
        "grant_types",
        "allowed_scopes",
        "default_scopes",
    )


def test_add_stores_active_application_type_and_default_scopes(admin_client):
    admin_client.post(
        ADD_URL,
        form_data(
            active=None,  # unticked
            application_type="native",
            allowed_scopes=["read", "write"],
            default_scopes=["write", "read"],
        ),
    )

    app = Application.objects.get()
    assert (app.active, app.application_type, app.default_scopes) == (False, "native", "read write")


def test_add_refuses_default_scopes_outside_the_allowed_ones(admin_client):
    response = admin_client.post(
        ADD_URL, form_data(allowed_scopes=["read"], default_scopes=["read", "groups"])
    )

    assert response.status_code == HTTPStatus.OK
    assert not Application.objects.exists()
    assert response.context["adminform"].form.errors["default_scopes"] == [
        "Default scopes must be among the allowed scopes; not allowed: groups."
    ]


def test_changelist_shows_and_filters_active(admin_client, make_application):
    make_application(name="On")
    make_application(name="Off", active=False)

    response = admin_client.get(APPS_URL, {"active__exact": "0"})

    assert response.status_code == HTTPStatus.OK
    assert list(response.context["cl"].queryset.values_list("name", flat=True)) == ["Off"]
    assert "active" in response.context["cl"].list_display
    html = admin_client.get(APPS_URL).content.decode()
    assert '<option value="deactivate_applications">Deactivate selected applications</option>' in (
        html
    )
    assert '<option value="activate_applications">Activate selected applications</option>' in html


def test_deactivate_and_activate_actions_flip_only_the_selected_and_log_it(
    admin_client, make_application, make_tokens
):
    target, already_off, bystander = (
        make_application(name="Target").app,
        make_application(name="Off", active=False).app,
        make_application(name="Bystander").app,
    )
    issued = make_tokens(application=target)
    selected = [str(target.pk), str(already_off.pk)]

    response = admin_client.post(
        APPS_URL,
        {"action": "deactivate_applications", "_selected_action": selected},
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    assert (
        "Deactivated 1 application(s). They cannot authenticate, and their authorization codes, "
        "access tokens and refresh tokens are refused until they are activated again."
        in response.content.decode()
    )
    assert dict(Application.objects.values_list("name", "active")) == {
        "Target": False,
        "Off": False,
        "Bystander": True,
    }
    # Suspended, not deleted: the tokens come back if the application is activated again.
    assert AccessToken.objects.filter(pk=issued.access.pk).exists()
    assert RefreshToken.objects.get(pk=issued.refresh.pk).revoked_at is None
    [entry] = LogEntry.objects.filter(object_id=str(target.pk))
    assert entry.get_change_message() == "Changed active."

    response = admin_client.post(
        APPS_URL,
        {"action": "activate_applications", "_selected_action": [str(target.pk)]},
        follow=True,
    )

    assert "Activated 1 application(s)." in response.content.decode()
    target.refresh_from_db()
    bystander.refresh_from_db()
    assert target.active
    assert bystander.active


def test_activation_actions_need_the_change_permission(client, make_user, make_application):
    app = make_application().app
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(viewer)

    html = client.get(APPS_URL).content.decode()
    response = client.post(
        APPS_URL, {"action": "deactivate_applications", "_selected_action": [str(app.pk)]}
    )

    assert "deactivate_applications" not in html
    assert response.status_code == HTTPStatus.OK  # "No action selected", nothing done
    app.refresh_from_db()
    assert app.active is True
