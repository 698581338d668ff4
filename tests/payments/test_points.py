"""Points: their own currency on the ledger, lots spent and expired oldest first."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone, translation

from payments import selectors, services
from payments.models import LedgerAccount, LedgerEntry, PointsLot
from payments.rewards_models import POINTS_CURRENCY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_points_are_posted_in_their_own_currency_and_balance(bob):
    services.points_award(user=bob, amount=30, rule="check_in", source="check_in:1")
    assert selectors.points_balance(user=bob) == 30
    totals = dict(
        LedgerEntry.objects.values_list("currency").annotate(total=Sum("amount")).order_by()
    )
    assert totals == {POINTS_CURRENCY: 0}
    # Never in a money account.
    assert not LedgerEntry.objects.filter(
        currency=POINTS_CURRENCY, account__kind__in=["wallet", "earnings", "platform_revenue"]
    ).exists()


def test_an_action_is_rewarded_once(bob):
    services.points_award(user=bob, amount=30, rule="r", source="purchase:1")
    assert services.points_award(user=bob, amount=30, rule="r", source="purchase:1") is None
    assert selectors.points_balance(user=bob) == 30


def test_spending_takes_the_oldest_lots_first_and_refuses_too_much(bob):
    now = timezone.now()
    old = services.points_award(
        user=bob, amount=10, rule="r", source="a", expires_at=now + timedelta(days=1)
    )
    new = services.points_award(
        user=bob, amount=10, rule="r", source="b", expires_at=now + timedelta(days=9)
    )
    services.points_spend(user=bob, amount=15, key="spend:1", memo="x")
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.remaining, new.remaining) == (0, 5)
    with pytest.raises(ValidationError, match="You have 5 points"):
        services.points_spend(user=bob, amount=6, key="spend:2", memo="x")
    assert selectors.points_balance(user=bob) == 5


def test_expiry_job_expires_only_lots_past_their_date(bob):
    now = timezone.now()
    services.points_award(
        user=bob, amount=10, rule="r", source="a", expires_at=now - timedelta(minutes=1)
    )
    services.points_award(
        user=bob, amount=7, rule="r", source="b", expires_at=now + timedelta(days=30)
    )
    assert services.points_expire_due() == 10
    assert services.points_expire_due() == 0  # safe to run twice
    assert selectors.points_balance(user=bob) == 7
    expired = LedgerAccount.objects.get(kind="points_expired")
    assert LedgerEntry.objects.filter(account=expired).aggregate(t=Sum("amount"))["t"] == 10


def test_clawback_takes_back_what_is_left_never_below_zero(bob):
    services.points_award(user=bob, amount=50, rule="first_purchase", source="purchase:9")
    services.points_spend(user=bob, amount=30, key="spend", memo="coupon")
    assert services.points_clawback(user=bob, source="purchase:9") == 20
    assert services.points_clawback(user=bob, source="purchase:9") == 0  # once
    assert selectors.points_balance(user=bob) == 0
    assert PointsLot.objects.get(source="purchase:9").clawed_back


def test_points_buy_a_catalogue_coupon_into_the_wallet(bob):
    staff = UserFactory(is_staff=True)
    coupon = services.coupon_create(
        created_by=staff,
        owner=None,
        kind="percent",
        percent_off=10,
        code="PTS10",
        wallet_only=True,
        points_price=40,
    )
    with pytest.raises(ValidationError, match="needs 40"):
        services.points_buy_coupon(user=bob, coupon=coupon, key="k1")
    services.points_award(user=bob, amount=100, rule="r", source="a")
    grant = services.points_buy_coupon(user=bob, coupon=coupon, key="k1")
    assert services.points_buy_coupon(user=bob, coupon=coupon, key="k1") == grant  # a replay
    assert selectors.points_balance(user=bob) == 60
    assert list(selectors.coupons_in_wallet(user=bob)) == [grant]


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English: a page test elsewhere that switched the
    language (LocaleMiddleware activates it for the thread) must not leak in."""
    with translation.override("en"):
        yield
