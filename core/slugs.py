"""Slugs: one helper for every model with a URL slug (channels, courses, creators,
lessons, articles, tags)."""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.text import slugify
from django.utils.translation import gettext as _


def unique_slug(
    model: type[Model],
    text: str,
    *,
    fallback: str,
    scope: dict[str, Any] | None = None,
    exclude_pk: int | None = None,
) -> str:
    """A slug derived from `text` that no other row in `scope` uses yet.

    Titles with no Latin letters (Chinese-only ones) get `fallback` and a random
    suffix, so the address is never empty. A taken slug gets -2, -3, ...
    """
    base = slugify(text)[:60].strip("-") or f"{fallback}-{secrets.token_hex(3)}"
    taken = set(
        model._default_manager.filter(slug__startswith=base, **(scope or {}))
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def slug_check_free(
    model: type[Model],
    slug: str,
    *,
    scope: dict[str, Any] | None = None,
    exclude_pk: int | None = None,
) -> None:
    """Refuse a slug someone chose by hand that another row in `scope` already has."""
    if model._default_manager.filter(slug=slug, **(scope or {})).exclude(pk=exclude_pk).exists():
        raise ValidationError({"slug": _("This address is already taken.")})
