"""``manage.py signingkeys create|rotate|retire|list|prune|reencrypt``: keys of JWT access tokens.

- ``create [--algorithm ES256|RS256] [--activate-now]``: a new key, published at once and
  signing after ``JWT_KEY_ACTIVATION_SECONDS`` (``--activate-now``: at once, for the first key).
- ``rotate [--algorithm ...] [--activate-now]``: a new key, and every other key retired when it
  starts signing; run it on a schedule.
- ``retire KID [--unpublish]``: the key stops signing now and stays published until its tokens
  have expired; ``--unpublish`` (a leaked key) also withdraws it now, ending its tokens.
- ``list``: every key with its state, times, and which encryption key opens it (``current``,
  a ``fallback``, or ``unreadable``).
- ``prune``: delete keys no longer published.
- ``reencrypt``: re-seal every key under the current ``JWT_KEY_ENCRYPTION_KEY`` (or
  ``SECRET_KEY``) after rotating it; exits non-zero if a key can no longer be opened.

Prints ``kid`` values and times only; a private key is never printed. Bad input exits non-zero
with a message and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gqlauth import signingkeys
from gqlauth.conf import SIGNING_ALGORITHMS
from gqlauth.models import SigningKey


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="seconds")


class Command(BaseCommand):
    help = "Create, rotate, retire, list, prune or re-encrypt the keys that sign JWT access tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, text in (
            ("create", "create a key: published now, signing after the activation delay"),
            ("rotate", "create a key and retire every other key when it starts signing"),
        ):
            sub = actions.add_parser(name, help=text)
            sub.add_argument(
                "--algorithm",
                choices=SIGNING_ALGORITHMS,
                help="default: the JWT_SIGNING_ALGORITHM setting",
            )
            sub.add_argument(
                "--activate-now",
                action="store_true",
                help="sign at once (for a first key: verifiers that cached the key set may "
                "refuse its tokens until they reload it)",
            )
        retire = actions.add_parser("retire", help="stop a key signing now")
        retire.add_argument("kid")
        retire.add_argument(
            "--unpublish",
            action="store_true",
            help="also withdraw it from the key set now: every token it signed stops working",
        )
        actions.add_parser("list", help="list the keys")
        actions.add_parser("prune", help="delete keys no longer published")
        actions.add_parser("reencrypt", help="re-seal keys under the current encryption key")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            key = signingkeys.create(
                algorithm=options["algorithm"], activate_now=options["activate_now"]
            )
            self._created(key)
        elif action == "rotate":
            key, retiring = signingkeys.rotate(
                algorithm=options["algorithm"], activate_now=options["activate_now"]
            )
            self._created(key)
            for old in retiring:
                self.stdout.write(
                    f"Retiring {old.kid} at {_when(old.retired_at)}; published until "
                    f"{_when(old.published_until)}."
                )
        elif action == "retire":
            try:
                key = signingkeys.retire(options["kid"], unpublish=options["unpublish"])
            except signingkeys.UnknownKeyError as error:
                raise CommandError(f"No signing key has kid {options['kid']!r}.") from error
            self.stdout.write(f"Retired {key.kid}; published until {_when(key.published_until)}.")
        elif action == "list":
            self._list()
        elif action == "prune":
            self.stdout.write(f"Deleted {signingkeys.prune()} unpublished signing key(s).")
        else:
            changed, unreadable = signingkeys.reencrypt()
            self.stdout.write(f"Re-encrypted {changed} signing key(s).")
            if unreadable:
                raise CommandError(
                    "No current or fallback encryption key opens: " + ", ".join(unreadable)
                )

    def _created(self, key: SigningKey) -> None:
        self.stdout.write(
            f"Created {key.algorithm} signing key {key.kid}: published now, signing from "
            f"{_when(key.activates_at)}."
        )

    def _list(self) -> None:
        now = timezone.now()
        signing = SigningKey.objects.signing(now).first()
        keys = list(SigningKey.objects.all())
        if not keys:
            self.stdout.write("No signing keys. Create one with `signingkeys create`.")
            return
        self.stdout.write("kid  algorithm  state  activates  retired  published-until  encryption")
        for key in keys:
            state = "signing" if signing is not None and key.pk == signing.pk else None
            try:
                current = signingkeys.unseal(key.private_key, kid=key.kid)[1]
                sealed = "current" if current else "fallback"
            except signingkeys.UnreadableKeyError:
                sealed = "unreadable"
            self.stdout.write(
                "  ".join(
                    (
                        key.kid,
                        key.algorithm,
                        state or signingkeys.state(key, now),
                        _when(key.activates_at),
                        _when(key.retired_at),
                        _when(key.published_until),
                        sealed,
                    )
                )
            )
