"""A limited code is never over-redeemed, on PostgreSQL with real concurrent buyers."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from marketplace import purchases
from payments import services
from payments.models import Coupon, CouponRedemption, LedgerEntry, Purchase
from tests.concurrency import race
from tests.factories import ChannelFactory, CourseFactory, CreatorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_parallel_redemptions_of_a_ten_use_code_get_exactly_ten():
    alice = CreatorFactory()
    course = CourseFactory(channel=ChannelFactory(creator=alice), price_amount=5000, currency="CNY")
    services.coupon_create(
        created_by=alice.user,
        owner=alice.user,
        kind="percent",
        percent_off=50,
        code="TEN",
        max_redemptions=10,
    )
    buyers = [UserFactory() for _ in range(50)]
    for buyer in buyers:
        services.wallet_top_up_credit(
            user=buyer, amount=5000, currency="CNY", payment_intent_id=f"pi-{buyer.pk}"
        )

    results = race(
        *(
            (lambda b=b: purchases.purchase_with_wallet(buyer=b, course=course, coupon_code="TEN"))
            for b in buyers
        ),
        timeout=120,
    )

    won = [r for status, r in results if status == "ok"]
    lost = [r for status, r in results if status == "error"]
    assert len(won) == 10
    assert len(lost) == 40
    assert all(isinstance(e, ValidationError) and "used up" in str(e) for e in lost)
    assert Coupon.objects.get(code="TEN").redeemed_count == 10
    assert CouponRedemption.objects.count() == 10
    assert Purchase.objects.filter(status=Purchase.Status.PAID).count() == 10
    assert LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0
