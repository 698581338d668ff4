"""Self-service ticket refunds: a ticket holder takes their ticket back while the
creator's window is open (the session has not started, and it is at least the
creator's number of hours before the start)."""

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from livestream.models import LiveSession
from payments import services as payment_services
from payments.models import Purchase


def ticket_refund_purchase(*, session: LiveSession, user: User) -> Purchase | None:
    """The user's paid ticket for this session that a refund would give back."""
    if not user.is_authenticated:
        return None
    return (
        Purchase.objects.filter(
            buyer=user,
            live_session_id=session.pk,
            status__in=[Purchase.Status.PAID, Purchase.Status.PARTIALLY_REFUNDED],
        )
        .order_by("-paid_at", "-pk")
        .first()
    )


def ticket_refund_self(*, session: LiveSession, user: User) -> Purchase:
    """Refund the user's own ticket the way it was paid (card or wallet), ending
    their access; refused with the reason once the window has closed."""
    until = session.refundable_until
    if until is None:
        raise ValidationError(_("Tickets to this session cannot be refunded by yourself."))
    if timezone.now() > until:
        raise ValidationError(
            _("Refunds for this session closed at %(when)s.")
            % {"when": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")}
        )
    purchase = ticket_refund_purchase(session=session, user=user)
    if purchase is None:
        raise ValidationError(_("You hold no paid ticket for this session."))
    return payment_services.purchase_refund_to_buyer(purchase=purchase, buyer=user)
