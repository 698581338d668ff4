"""Tickets bought from the wallet, refunds, and the entitlements that follow."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from livestream.models import LiveSession
from marketplace import purchases
from marketplace.access import entitlement_check
from payments import ledger, services
from payments import selectors as payment_selectors
from payments.models import LedgerAccount, Purchase
from tests.factories import CourseFactory, LiveSessionFactory, TierFactory, UserFactory

Kind = LedgerAccount.Kind


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, price_amount=9900, currency="CNY")


@pytest.fixture
def rich_bob(bob):
    services.wallet_top_up_credit(user=bob, amount=20_000, currency="CNY", payment_intent_id="pi")
    return bob


def earnings(user):
    return ledger.balance(ledger.account_get(kind=Kind.EARNINGS, currency="CNY", owner=user))


def test_buying_a_course_from_the_wallet_grants_access(rich_bob, course, alice, settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "purchase": 2000}
    assert not entitlement_check(user=rich_bob, course=course)
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course)
    assert purchase.status == Purchase.Status.PAID
    assert entitlement_check(user=rich_bob, course=course)
    assert payment_selectors.wallet_balance(user=rich_bob, currency="CNY") == 20_000 - 9900
    assert earnings(alice.user) == 9900 - 1980


def test_buying_twice_is_refused(rich_bob, course):
    purchases.purchase_with_wallet(buyer=rich_bob, course=course)
    with pytest.raises(ValidationError, match="already have access"):
        purchases.purchase_with_wallet(buyer=rich_bob, course=course)
    assert Purchase.objects.count() == 1


def test_not_enough_in_wallet_leaves_nothing_behind(bob, course):
    services.wallet_top_up_credit(user=bob, amount=100, currency="CNY", payment_intent_id="pi")
    with pytest.raises(ValidationError, match="does not hold enough"):
        purchases.purchase_with_wallet(buyer=bob, course=course)
    assert not Purchase.objects.exists()
    assert not entitlement_check(user=bob, course=course)
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 100


def test_free_and_unpublished_courses_are_not_for_sale(rich_bob, alice_channel):
    free = CourseFactory(channel=alice_channel, price_amount=0)
    draft = CourseFactory(channel=alice_channel, status="draft")
    for course in (free, draft):
        with pytest.raises(ValidationError):
            purchases.purchase_with_wallet(buyer=rich_bob, course=course)


def test_full_refund_returns_money_and_ends_access(rich_bob, course, alice, admin_user):
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course)
    services.purchase_refund(
        purchase=purchase, amount=9900, refunded_by=admin_user, expected_refunded=0
    )
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.REFUNDED
    assert payment_selectors.wallet_balance(user=rich_bob, currency="CNY") == 20_000
    assert earnings(alice.user) == 0
    assert not entitlement_check(user=rich_bob, course=course)


def test_partial_refund_keeps_access_and_splits_the_fee(rich_bob, course, alice, admin_user):
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course)
    services.purchase_refund(
        purchase=purchase, amount=4950, refunded_by=admin_user, expected_refunded=0
    )
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PARTIALLY_REFUNDED
    assert entitlement_check(user=rich_bob, course=course)
    platform = ledger.account_get(kind=Kind.PLATFORM_REVENUE, currency="CNY")
    assert ledger.balance(platform) + earnings(alice.user) == 4950


def test_refund_submitted_twice_refunds_once(rich_bob, course, admin_user):
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course)
    services.purchase_refund(
        purchase=purchase, amount=1000, refunded_by=admin_user, expected_refunded=0
    )
    with pytest.raises(ValidationError, match="refunded meanwhile"):
        services.purchase_refund(
            purchase=purchase, amount=1000, refunded_by=admin_user, expected_refunded=0
        )
    assert payment_selectors.wallet_balance(user=rich_bob, currency="CNY") == 20_000 - 9900 + 1000


@pytest.mark.parametrize("amount", [0, -1, 9901, 10.5])
def test_bad_refund_amounts_are_refused(rich_bob, course, admin_user, amount):
    purchase = purchases.purchase_with_wallet(buyer=rich_bob, course=course)
    with pytest.raises(ValidationError):
        services.purchase_refund(
            purchase=purchase, amount=amount, refunded_by=admin_user, expected_refunded=0
        )


def test_ticketed_session(rich_bob, alice_channel):
    session = LiveSessionFactory(
        channel=alice_channel,
        access=LiveSession.Access.TICKET,
        ticket_price_amount=1500,
        ticket_currency="CNY",
    )
    assert not entitlement_check(user=rich_bob, live_session=session)
    purchases.purchase_with_wallet(buyer=rich_bob, live_session=session)
    assert entitlement_check(user=rich_bob, live_session=session)


# --- who may watch what -------------------------------------------------------------


def test_free_session_needs_only_an_account(alice_channel, bob):
    from django.contrib.auth.models import AnonymousUser

    session = LiveSessionFactory(channel=alice_channel)
    assert entitlement_check(user=bob, live_session=session)
    assert not entitlement_check(user=AnonymousUser(), live_session=session)


def test_creator_and_staff_see_everything(alice, alice_channel, admin_user, course):
    session = LiveSessionFactory(channel=alice_channel, access=LiveSession.Access.TICKET)
    for user in (alice.user, admin_user):
        assert entitlement_check(user=user, course=course)
        assert entitlement_check(user=user, live_session=session)


def test_subscriber_session_opens_to_the_tier_and_dearer_tiers(alice_channel):
    from django.utils import timezone

    from marketplace import entitlements as marketplace_entitlements

    basic = TierFactory(channel=alice_channel, name="Basic", price_amount=1000)
    gold = TierFactory(channel=alice_channel, name="Gold", price_amount=5000)
    session = LiveSessionFactory(
        channel=alice_channel, access=LiveSession.Access.SUBSCRIBERS, required_tier=gold
    )
    basic_fan, gold_fan = UserFactory(), UserFactory()
    later = timezone.now() + timedelta(days=30)
    marketplace_entitlements.entitlement_extend(
        user=basic_fan, tier=basic, source_ref="s1", ends_at=later
    )
    marketplace_entitlements.entitlement_extend(
        user=gold_fan, tier=gold, source_ref="s2", ends_at=later
    )
    assert not entitlement_check(user=basic_fan, live_session=session)
    assert entitlement_check(user=gold_fan, live_session=session)


def test_lapsed_subscription_no_longer_opens(alice_channel):
    from django.utils import timezone

    from marketplace import entitlements as marketplace_entitlements

    tier = TierFactory(channel=alice_channel)
    session = LiveSessionFactory(channel=alice_channel, access=LiveSession.Access.SUBSCRIBERS)
    fan = UserFactory()
    marketplace_entitlements.entitlement_extend(
        user=fan, tier=tier, source_ref="s", ends_at=timezone.now() - timedelta(seconds=1)
    )
    assert not entitlement_check(user=fan, live_session=session)
