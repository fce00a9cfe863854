from __future__ import annotations

from gqlauth.models import AccessToken


def test_make_tokens_stores_only_digests(make_tokens):
    issued = make_tokens(scopes=("read",))
    stored = AccessToken.objects.get()
    assert stored.digest != issued.access_token
    assert AccessToken.objects.lookup(issued.access_token).get() == stored
    assert stored.scopes == ["read"]
