"""Consents: personalised recommendations, behaviour analytics, marketing e-mail.

A change is recorded with its time (ConsentRecord, append-only) and takes effect at
once: the cached mask every tracking path reads is dropped before and after commit.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.events import ConsentChanged
from accounts.models import ConsentPurpose, ConsentRecord, User
from accounts.selectors import consent_cache_key, consents_for
from core import events


@transaction.atomic
def consent_set(*, user: User, purpose: str, granted: bool) -> bool:
    """Record `user`'s choice for `purpose`. True if it changed something."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError(_("Unknown consent: %(purpose)s.") % {"purpose": purpose})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one change at a time
    if consents_for(user.pk)[purpose] == granted:
        return False
    ConsentRecord.objects.create(user=user, purpose=purpose, granted=granted)
    key = consent_cache_key(user.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
    events.send_on_commit(ConsentChanged(user_id=user.pk, purpose=purpose, granted=granted))
    return True


def consents_save(*, user: User, choices: dict[str, bool]) -> list[str]:
    """Apply the privacy page's switches; returns the purposes that changed."""
    return [
        purpose
        for purpose, granted in choices.items()
        if consent_set(user=user, purpose=purpose, granted=granted)
    ]
