"""Staff access to personal data, on the audit trail (GDPR Art. 5(2), 30; PIPL Art.
54): who opened whose verification documents or admin page, and when."""

from django.db import transaction

from accounts.events import PersonalDataViewed
from accounts.models import User
from moderation.models import ModerationAction
from moderation.services._shared import audit


@transaction.atomic
def personal_data_viewed(*, staff_id: int | None, user_id: int, what: str) -> ModerationAction:
    return audit(
        ModerationAction.Kind.DATA_VIEWED,
        actor=User.objects.filter(pk=staff_id).first() if staff_id is not None else None,
        target_user=User.objects.filter(pk=user_id).first(),
        reason=what[:300],
    )


def on_personal_data_viewed(event: PersonalDataViewed) -> None:
    """accounts' admin (below moderation) tells us through an event."""
    personal_data_viewed(staff_id=event.staff_id, user_id=event.user_id, what=event.what)
