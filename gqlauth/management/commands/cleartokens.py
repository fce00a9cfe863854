"""``manage.py cleartokens [--batch-size N] [--progress-every B]``: delete unusable tokens.

Deletes, in this order:

1. expired access tokens;
2. expired refresh tokens (only when REFRESH_TOKEN_EXPIRE_SECONDS is set);
3. revoked refresh tokens whose family has no live member.

Revoked refresh tokens of a family that still has a live member are kept: presenting one of them
again is how reuse of a rotated token is detected, which revokes the family (RFC 9700 §4.14.2).

Works in batches of primary keys (``values_list`` + ``pk__in`` delete, one short transaction per
batch), so it never loads a table into memory nor holds a long lock; safe to run while serving.
Every ``--progress-every`` batches it prints how far each step has got (at verbosity 1 or more),
so a run over millions of rows shows it is moving; then the totals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Model, QuerySet
from django.utils import timezone

from gqlauth.models import AccessToken, RefreshToken

DEFAULT_BATCH_SIZE = 1000
DEFAULT_PROGRESS_EVERY = 100


def delete_in_batches(
    queryset: QuerySet[Any],
    batch_size: int,
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Delete every row of ``queryset`` ``batch_size`` primary keys at a time; returns the count.

    Counts only rows of the queryset's own model (not cascaded or SET_NULL-updated rows).
    ``on_batch(batches, removed)`` is called after each batch with the totals so far.
    """
    model: type[Model] = queryset.model
    label = model._meta.label
    ids_query = queryset.order_by("pk").values_list("pk", flat=True)
    removed = batches = 0
    while True:
        ids = list(ids_query[:batch_size])
        if not ids:
            return removed
        _, per_model = model._default_manager.filter(pk__in=ids).delete()
        removed += per_model.get(label, 0)
        batches += 1
        if on_batch is not None:
            on_batch(batches, removed)


class Command(BaseCommand):
    help = (
        "Delete expired access tokens, expired refresh tokens and revoked refresh tokens "
        "of families with no live token, in batches."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows deleted per query (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=DEFAULT_PROGRESS_EVERY,
            help="Report progress every N batches (default "
            f"{DEFAULT_PROGRESS_EVERY}; 0: only the totals)",
        )

    def _progress(self, step: str, every: int) -> Callable[[int, int], None] | None:
        """A reporter of ``step``'s progress every ``every`` batches, or None when off."""
        if every == 0 or self.verbosity < 1:
            return None
        started = time.monotonic()

        def report(batches: int, removed: int) -> None:
            if batches % every == 0:
                elapsed = time.monotonic() - started
                self.stdout.write(
                    f"{step}: {removed} deleted so far ({batches} batches, {elapsed:.1f} s)"
                )
                self.stdout.flush()

        return report

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be a positive integer.")
        every = options["progress_every"]
        if every < 0:
            raise CommandError("--progress-every must be 0 or a positive integer.")
        self.verbosity = options["verbosity"]
        # One reference time, so a token expiring during the run is treated consistently.
        now = timezone.now()

        access = delete_in_batches(
            AccessToken.objects.expired(now),
            batch_size,
            self._progress("expired access tokens", every),
        )
        expired_refresh = delete_in_batches(
            RefreshToken.objects.expired(now),
            batch_size,
            self._progress("expired refresh tokens", every),
        )
        live_families = RefreshToken.objects.live(now).values("family")
        ended = RefreshToken.objects.filter(revoked_at__isnull=False).exclude(
            family__in=live_families
        )
        revoked_refresh = delete_in_batches(
            ended, batch_size, self._progress("revoked refresh tokens of ended families", every)
        )

        self.stdout.write(f"Deleted {access} expired access token(s).")
        self.stdout.write(f"Deleted {expired_refresh} expired refresh token(s).")
        self.stdout.write(
            f"Deleted {revoked_refresh} revoked refresh token(s) of families with no live token."
        )
