"""Price-change notices of subscription tiers: each current subscriber is told the new
price and the renewal from which they pay it (payments scheduled it at least
SUBSCRIPTION_PRICE_NOTICE_DAYS ahead), as they want price-change notices delivered."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.services import in_language_of
from accounts.services.notify import notify_many
from community.sharing import absolute
from core.money import format_money
from marketplace.models import SubscriptionTier
from payments.models import Subscription


def tier_price_notify(*, tier_id: int, old_amount: int, new_amount: int, currency: str) -> int:
    """Tell the tier's subscribers whose renewal will bill `new_amount`; once per
    person and change. Returns how many were told."""
    tier = SubscriptionTier.objects.select_related("channel").filter(pk=tier_id).first()
    if tier is None:
        return 0
    pending = Subscription.objects.filter(
        tier=tier, next_price_amount=new_amount, next_price_currency=currency
    ).select_related("user")
    old, new = format_money(old_amount, currency), format_money(new_amount, currency)
    url = tier.channel.get_absolute_url()
    told = 0
    size = settings.COMMUNITY_FANOUT_BATCH
    subscriptions = list(pending.order_by("pk"))
    # From which renewal each pays the new price (its date, in the notice).
    renewal = {
        s.user_id: max(s.paid_until or s.next_price_from, s.next_price_from)
        for s in subscriptions
        if s.next_price_from is not None
    }

    def line(user: User) -> str:
        return _(
            "“%(tier)s” of %(channel)s goes from %(old)s to %(new)s a month. You keep "
            "paying %(old)s until your first renewal on or after %(date)s; you can "
            "cancel before then."
        ) % {
            "tier": tier.name,
            "channel": tier.channel.title,
            "old": old,
            "new": new,
            "date": renewal[user.pk].date().isoformat(),
        }

    def email(user: User) -> EmailMessage:
        with in_language_of(user):
            text = line(user)
        return EmailMessage(
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("A price change"),
            body=f"{text}\n\n{absolute(url)}",
            to=[user.email],
        )

    for start in range(0, len(subscriptions), size):
        batch = subscriptions[start : start + size]
        told += len(
            notify_many(
                users=[s.user for s in batch if s.user.is_active],
                kind=NotificationKind.PRICE_CHANGE,
                key=f"price:tier:{tier.pk}:{old_amount}:{new_amount}{currency}",
                text=line,
                url=url,
                email=email,
            )
        )
    return told
