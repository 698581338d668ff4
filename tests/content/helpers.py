from datetime import timedelta

from django.utils import timezone

from marketplace.models import Entitlement


def give_ticket(user, course, ref="t1"):
    return Entitlement.objects.create(
        user=user,
        course=course,
        source=Entitlement.Source.TICKET,
        source_ref=ref,
        starts_at=timezone.now() - timedelta(minutes=1),
    )


def give_subscription(user, tier, ref="s1"):
    return Entitlement.objects.create(
        user=user,
        tier=tier,
        source=Entitlement.Source.SUBSCRIPTION,
        source_ref=ref,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=timezone.now() + timedelta(days=30),
    )
