"""Tips in a live room: money through payments, a highlighted alert in the room."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from livestream import screening
from livestream.models import LiveSession, RoomEvent
from livestream.selectors import public_user
from livestream.services.rooms import check_can_post, fresh_session, room_event_append, room_role
from payments import services as payment_services
from payments.models import Tip

_TIP_LOCK = 0x7469  # advisory lock class of room tips ("ti"), keyed by the tipper


@transaction.atomic
def room_tip(
    *,
    session: LiveSession,
    user: User,
    amount: object,
    currency: object,
    client_key: object,
    message: object = "",
) -> RoomEvent | None:
    """Tip the host from the wallet; the whole room sees a highlighted alert.

    A repeated `client_key` (a double click, a resend after reconnecting) moves no
    money and announces nothing again: it returns None.
    """
    session = fresh_session(session)  # not locked: the room's counter orders the alerts
    if not isinstance(client_key, str) or not 8 <= len(client_key) <= 64:
        raise ValidationError(_("A tip needs a key of 8 to 64 characters, unique per tip."))
    # One tip of a user at a time (a double click's twin waits here, then sees the
    # first): the session's row lock did this before, for everyone in the room.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", [_TIP_LOCK, user.pk])
    if Tip.objects.filter(tipper=user, client_key=client_key).exists():
        return None  # a resend: answered the same even if the room closed meanwhile
    role = room_role(session=session, user=user)
    check_can_post(session=session, user=user, role=role)
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError(_("The amount must be a whole number of minor units."))
    if not isinstance(message, str):
        raise ValidationError(_("The message must be text."))
    message = " ".join(message.split())
    if message:
        refusal = screening.text_screen(message)
        if refusal:
            raise ValidationError(refusal)
    tip = payment_services.tip_send(
        tipper=user,
        creator=session.channel.creator.user,
        amount=amount,
        currency=str(currency),
        client_key=client_key,
        message=message,
        live_session=session,
    )
    return room_event_append(
        session=session,
        kind=RoomEvent.Kind.TIP,
        author=user,
        payload={
            "user": public_user(user, role.label),
            "amount": tip.amount,
            "currency": tip.currency,
            "message": tip.message,
        },
        open_only=True,
    )
