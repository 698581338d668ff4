"""Coupons: who may use them where, and the ledger that keeps earnings exact."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone, translation

from marketplace import purchases
from payments import ledger, services
from payments.models import Coupon, CouponRedemption, LedgerAccount, LedgerEntry, Purchase
from tests.factories import CourseFactory, UserFactory

Kind = LedgerAccount.Kind


@pytest.fixture(autouse=True)
def _fees(settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "purchase": 2000, "question": 2000}


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, price_amount=10_000, currency="CNY")


@pytest.fixture
def rich_bob(bob):
    services.wallet_top_up_credit(user=bob, amount=50_000, currency="CNY", payment_intent_id="pi")
    return bob


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True)


def bal(kind, owner=None, currency="CNY"):
    return ledger.balance(ledger.account_get(kind=kind, currency=currency, owner=owner))


def creator_coupon(alice, **kw):
    args = {"kind": "percent", "percent_off": 20, "code": "ALICE20"} | kw
    return services.coupon_create(created_by=alice.user, owner=alice.user, **args)


def test_creator_coupon_lowers_the_price_and_the_creator_bears_it(alice, rich_bob, course):
    creator_coupon(alice)
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="alice20")
    assert purchase.amount == 8000 and purchase.fee == 1600
    assert bal(Kind.WALLET, rich_bob) == 50_000 - 8000
    assert bal(Kind.EARNINGS, alice.user) == 8000 - 1600
    assert bal(Kind.PLATFORM_REVENUE) == 1600
    redemption = purchase.coupon_redemption
    assert (redemption.list_amount, redemption.discount, redemption.bearer) == (
        10_000,
        2000,
        "creator",
    )


def test_staff_coupon_is_paid_by_the_platform_and_the_creator_earns_the_full_price(
    alice, rich_bob, course, staff
):
    services.coupon_create(
        created_by=staff, owner=None, kind="fixed", amount_off=3000, currency="CNY", code="WELCOME"
    )
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="WELCOME")
    assert purchase.amount == 7000
    assert bal(Kind.WALLET, rich_bob) == 50_000 - 7000
    assert bal(Kind.EARNINGS, alice.user) == 10_000 - 2000  # as if paid in full
    assert bal(Kind.PLATFORM_REVENUE) == 2000
    assert bal(Kind.PROMOTIONS) == -3000  # the platform's cost of the discount


def test_refund_of_a_staff_discounted_ticket_puts_every_account_back(
    alice, rich_bob, course, staff
):
    services.coupon_create(
        created_by=staff, owner=None, kind="fixed", amount_off=3000, currency="CNY", code="WELCOME"
    )
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="WELCOME")
    services.purchase_refund(purchase=purchase, amount=7000, refunded_by=staff, expected_refunded=0)
    assert bal(Kind.WALLET, rich_bob) == 50_000
    assert bal(Kind.EARNINGS, alice.user) == 0
    assert bal(Kind.PLATFORM_REVENUE) == 0
    assert bal(Kind.PROMOTIONS) == 0


def test_a_100_percent_creator_coupon_gives_the_course_for_free(alice, rich_bob, course):
    creator_coupon(alice, percent_off=100, code="FREE")
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="FREE")
    assert purchase.status == Purchase.Status.PAID and purchase.amount == 0
    assert bal(Kind.WALLET, rich_bob) == 50_000
    assert bal(Kind.EARNINGS, alice.user) == 0


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"ends_at": timezone.now() - timedelta(days=1)}, "expired"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "not valid yet"),
        ({"min_amount": 20_000}, "at least"),
        ({"scope": "course", "scope_id": 999_999}, "does not apply"),
        ({"scope": "tier", "scope_id": 1}, "does not apply"),
        ({"kind": "fixed", "amount_off": 100, "currency": "USD", "percent_off": None}, "currency"),
    ],
)
def test_a_coupon_outside_its_terms_is_refused_and_nothing_is_charged(
    alice, rich_bob, course, kw, message
):
    creator_coupon(alice, **kw)
    with pytest.raises(ValidationError, match=message):
        purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="ALICE20")
    assert bal(Kind.WALLET, rich_bob) == 50_000
    assert not Purchase.objects.exists() and not CouponRedemption.objects.exists()
    assert Coupon.objects.get().redeemed_count == 0


def test_another_creators_coupon_does_not_apply(charlie, rich_bob, course):
    creator_coupon(charlie, code="CHARLIE")
    with pytest.raises(ValidationError, match="another creator"):
        purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="CHARLIE")


def test_a_creator_cannot_make_a_platform_coupon_nor_one_for_someone_else(alice, charlie):
    with pytest.raises(ValidationError, match="Only staff"):
        services.coupon_create(created_by=alice.user, owner=None, kind="percent", percent_off=5)
    with pytest.raises(ValidationError, match="your own"):
        services.coupon_create(
            created_by=alice.user, owner=charlie.user, kind="percent", percent_off=5
        )


def test_per_user_limit_and_first_purchase_only(alice, alice_channel, rich_bob, course):
    creator_coupon(alice, first_purchase_only=True, per_user_limit=5)
    purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="ALICE20")
    second = CourseFactory(channel=alice_channel, price_amount=5000, currency="CNY")
    with pytest.raises(ValidationError, match="first purchase"):
        purchases.purchase_with_wallet(buyer=rich_bob, course=second, coupon_code="ALICE20")
    creator_coupon(alice, code="ONCE")
    third = CourseFactory(channel=alice_channel, price_amount=5000, currency="CNY")
    purchases.purchase_with_wallet(buyer=rich_bob, course=second, coupon_code="ONCE")
    with pytest.raises(ValidationError, match="already used"):
        purchases.purchase_with_wallet(buyer=rich_bob, course=third, coupon_code="ONCE")


def test_a_wallet_only_coupon_needs_a_grant_and_uses_it_up(alice, rich_bob, course, staff):
    coupon = services.coupon_create(
        created_by=staff, owner=None, kind="percent", percent_off=10, code="GIFT", wallet_only=True
    )
    with pytest.raises(ValidationError, match="coupon wallet"):
        purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="GIFT")
    grant = services.coupon_grant(coupon=coupon, user=rich_bob, reason="gift", key="gift:bob")
    purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="GIFT")
    grant.refresh_from_db()
    assert grant.used_at is not None


def test_unknown_code_is_a_clear_error(rich_bob, course):
    with pytest.raises(ValidationError, match="no coupon"):
        purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="NOPE")


def test_checkout_price_previews_the_discount(alice, rich_bob, course):
    creator_coupon(alice)
    quoted = purchases.checkout_price(buyer=rich_bob, code="alice20", course=course)
    assert (quoted.amount, quoted.discount, quoted.to_pay, quoted.error) == (10_000, 2000, 8000, "")
    bad = purchases.checkout_price(buyer=rich_bob, code="NOPE", course=course)
    assert bad.error and bad.discount == 0


def test_ledger_sums_to_zero_after_a_mix_of_coupons_and_refunds(
    alice, alice_channel, rich_bob, course, staff
):
    creator_coupon(alice, per_user_limit=10)
    services.coupon_create(
        created_by=staff, owner=None, kind="percent", percent_off=15, code="SITE15"
    )
    other = CourseFactory(channel=alice_channel, price_amount=3333, currency="CNY")
    p1 = purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="SITE15")
    purchases.purchase_with_wallet(buyer=rich_bob, course=other, coupon_code="ALICE20")
    services.purchase_refund(purchase=p1, amount=1234, refunded_by=staff, expected_refunded=0)
    for total in LedgerEntry.objects.values("currency").annotate(total=Sum("amount")):
        assert total["total"] == 0
    # Every account that must stay non-negative did.
    for account in LedgerAccount.objects.filter(kind__in=LedgerAccount.NON_NEGATIVE):
        assert ledger.balance(account) >= 0


def test_staff_make_a_platform_coupon_in_the_admin_and_end_it(admin_client, admin_user):
    from django.urls import reverse

    response = admin_client.post(
        reverse("admin:payments_coupon_add"),
        {
            "code": "site10",
            "title": "Launch",
            "kind": "percent",
            "percent_off": "10",
            "scope": "everything",
            "per_user_limit": "1",
            "min_amount": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    coupon = Coupon.objects.get(code="SITE10")
    assert coupon.owner is None and coupon.created_by == admin_user
    admin_client.post(reverse("admin:payments_coupon_change", args=[coupon.pk]), {})
    coupon.refresh_from_db()
    assert not coupon.is_active


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English: a page test elsewhere that switched the
    language (LocaleMiddleware activates it for the thread) must not leak in."""
    with translation.override("en"):
        yield


def test_a_ticket_whose_bank_check_fails_gives_its_coupon_back(alice, bob, charlie, course):
    from tests.payments.test_card_payments import THREE_D_SECURE, bank_confirms, card

    coupon = creator_coupon(alice, code="ONEUSE", max_redemptions=1)
    waiting = purchases.purchase_with_card(
        buyer=bob, course=course, payment_method=card(THREE_D_SECURE), coupon_code="ONEUSE"
    )
    assert waiting.status == Purchase.Status.PENDING and waiting.amount == 8000
    # Held for bob while his bank checks: the code has no use left for charlie.
    assert purchases.checkout_price(buyer=charlie.user, code="ONEUSE", course=course).error
    bank_confirms(waiting.payment_intent_id, success=False)
    services.payment_intent_settle(payment_intent_id=waiting.payment_intent_id)
    waiting.refresh_from_db()
    coupon.refresh_from_db()
    assert waiting.status == Purchase.Status.FAILED
    assert coupon.redeemed_count == 0 and waiting.coupon_redemption.released
    # The code is free again for the next buyer.
    quoted = purchases.checkout_price(buyer=charlie.user, code="ONEUSE", course=course)
    assert (quoted.error, quoted.to_pay) == ("", 8000)


def test_a_payment_given_up_on_puts_the_wallet_coupon_back(alice, bob, course, staff):
    from tests.payments.test_card_payments import THREE_D_SECURE, card

    coupon = services.coupon_create(
        created_by=staff, owner=None, kind="percent", percent_off=10, code="GIFT", wallet_only=True
    )
    grant = services.coupon_grant(coupon=coupon, user=bob, reason="gift", key="gift:bob")
    abandoned = purchases.purchase_with_card(
        buyer=bob, course=course, payment_method=card(THREE_D_SECURE), coupon_code="GIFT"
    )
    grant.refresh_from_db()
    assert grant.used_at is not None
    Purchase.objects.filter(pk=abandoned.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert services.payments_settle_stale() == 1
    grant.refresh_from_db()
    coupon.refresh_from_db()
    assert grant.used_at is None and coupon.redeemed_count == 0
    quoted = purchases.checkout_price(buyer=bob, code="GIFT", course=course)
    assert (quoted.error, quoted.to_pay) == ("", 9000)


def test_a_released_redemption_counts_again_when_paid_after_all(alice, rich_bob, course):
    coupon = creator_coupon(alice, code="TWO", max_redemptions=2)
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course, coupon_code="TWO")
    redemption = purchase.coupon_redemption
    services.coupon_release(redemption)
    services.coupon_release(redemption)  # twice: nothing more
    coupon.refresh_from_db()
    assert coupon.redeemed_count == 0
    services.coupon_reclaim(redemption)
    services.coupon_reclaim(redemption)
    coupon.refresh_from_db()
    redemption.refresh_from_db()
    assert coupon.redeemed_count == 1 and not redemption.released
