"""Reads of accounts: consents (cached, checked on every tracking path), exports and
deletions of one user."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountDeletion, ConsentPurpose, ConsentRecord, DataExport, User

# Without a choice on record: personalisation and analytics on (the site's service,
# disclosed in docs/privacy.md, off with one switch), marketing e-mail off (opt-in).
CONSENT_DEFAULTS: dict[str, bool] = {
    ConsentPurpose.PERSONALISATION: True,
    ConsentPurpose.ANALYTICS: True,
    ConsentPurpose.MARKETING: False,
}
_PURPOSES = list(CONSENT_DEFAULTS)  # bit i of the cached mask is purpose i
_LOADED = 1 << len(_PURPOSES)  # set in every cached mask, so 0 never means "missing"


def consent_cache_key(user_id: int) -> str:
    return f"accounts:consent:{user_id}"


def consents_decode(user_id: int, cached: object) -> dict[str, bool]:
    """The consents of `user_id` from what the cache returned for
    `consent_cache_key` (an int, or the raw bytes a Redis pipeline reads), loading
    and caching them on a miss. recommend reads the key in its own pipeline."""
    if cached is None:
        consents = dict(CONSENT_DEFAULTS)
        seen: set[str] = set()
        for purpose, granted in ConsentRecord.objects.filter(user_id=user_id).values_list(
            "purpose", "granted"
        ):  # newest first: the first row per purpose is the current choice
            if purpose not in seen:
                seen.add(purpose)
                consents[purpose] = granted
        mask = _LOADED | sum(1 << i for i, p in enumerate(_PURPOSES) if consents[p])
        cache.set(consent_cache_key(user_id), mask, 3600)  # an int: stored raw
        return consents
    mask = int(cached)  # type: ignore[call-overload] # what we stored: an int, bytes or str
    return {p: bool(mask & (1 << i)) for i, p in enumerate(_PURPOSES)}


def consents_for(user_id: int) -> dict[str, bool]:
    return consents_decode(user_id, cache.get(consent_cache_key(user_id)))


def consent_given(user: User | AnonymousUser | None, purpose: str) -> bool:
    """Whether `user` consents to `purpose` now. Visitors who are not signed in have
    given no consent to anything personal."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return consents_for(user.pk)[purpose]


def consent_history(*, user: User, limit: int = 20) -> list[ConsentRecord]:
    return list(ConsentRecord.objects.filter(user=user)[:limit])


def exports_for(*, user: User) -> list[DataExport]:
    return list(DataExport.objects.filter(user=user)[:5])


def export_get_for_user(*, pk: int, user: User) -> DataExport:
    """A ready, unexpired export of `user`; anyone else's, or an expired one, is a 404."""
    export = DataExport.objects.filter(pk=pk, user=user, status=DataExport.Status.READY).first()
    if export is None or export.expires_at is None or export.expires_at <= timezone.now():
        raise Http404(_("This download is not available (it may have expired)."))
    return export


def deletion_open_for(*, user: User) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(
        user=user,
        status__in=[
            AccountDeletion.Status.SCHEDULED,
            AccountDeletion.Status.RUNNING,
            AccountDeletion.Status.FAILED,
        ],
    ).first()


def user_ids_refusing(*purposes: str) -> "QuerySet[Any, Any]":
    """The ids of users whose current choice for any of `purposes` is "off" (for
    purposes on by default: anyone who ever switched it off and not back on)."""
    latest = ConsentRecord.objects.filter(user=OuterRef("user"), purpose=OuterRef("purpose"))
    current = Subquery(latest.order_by("-created_at", "-id").values("granted")[:1])
    return (
        ConsentRecord.objects.filter(purpose__in=purposes)
        .annotate(current=current)
        .filter(current=False)
        .values("user_id")
        .distinct()
    )
