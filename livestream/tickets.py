"""Tickets to live sessions, sold through marketplace's purchases as a product kind.

marketplace (below livestream) never imports this app: `register()`, called from
LivestreamConfig.ready(), tells it how to find a session and its terms of sale.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from livestream import selectors
from livestream.models import LiveSession
from marketplace import purchases
from payments.services import Product


def session_ticket_terms(live_session: LiveSession) -> Product:
    """(title, price, currency, seller) of a ticketed live session still to come."""
    if live_session.access != LiveSession.Access.TICKET or not live_session.ticket_price_amount:
        raise ValidationError(_("This session does not sell tickets."))
    if live_session.status in (LiveSession.Status.ENDED, LiveSession.Status.CANCELLED):
        raise ValidationError(_("This session is over; tickets are no longer sold."))
    return Product(
        title=live_session.title,
        amount=live_session.ticket_price_amount,
        currency=live_session.ticket_currency,
        seller=live_session.channel.creator.user,
        live_session=live_session,
        scopes=(("session", live_session.pk),),
    )


def register() -> None:
    purchases.product_kind_register(
        "live_session",
        purchases.ProductKind(objects=selectors.sessions_public, terms=session_ticket_terms),
    )
