"""Points rules, caps, clawbacks and referrals, driven by the real events."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse

from core import events
from livestream.events import SessionWatched
from marketplace import purchases
from payments import selectors, services
from payments.models import CouponGrant, LedgerEntry
from qa.events import AnswerHidden, AnswerRated, QuestionAnswered
from rewards import services as rewards
from rewards.models import PointsRule, Referral
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, price_amount=5000, currency="CNY")


def fund(user, amount=20_000):
    services.wallet_top_up_credit(
        user=user, amount=amount, currency="CNY", payment_intent_id=f"pi-{user.pk}"
    )


def points(user):
    return selectors.points_balance(user=user)


def test_default_rules_exist_and_staff_can_edit_them(admin_client):
    assert set(PointsRule.objects.values_list("key", flat=True)) == set(PointsRule.Key.values)
    rule = PointsRule.objects.get(key="check_in")
    page = admin_client.get(reverse("admin:rewards_pointsrule_changelist"))
    assert page.status_code == 200
    admin_client.post(
        reverse("admin:rewards_pointsrule_change", args=[rule.pk]),
        {"key": "check_in", "points": 7, "daily_cap": 1, "minutes": 0, "is_active": "on"},
    )
    rule.refresh_from_db()
    assert rule.points == 7


def test_first_purchase_earns_points_and_a_full_refund_claws_them_back(
    django_capture_on_commit_callbacks, bob, course
):
    fund(bob)
    with django_capture_on_commit_callbacks(execute=True):
        purchase = purchases.purchase_with_wallet(buyer=bob, course=course)
    assert points(bob) == 50
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_refund(
            purchase=purchase, amount=5000, refunded_by=staff, expected_refunded=0
        )
    assert points(bob) == 0


def test_check_in_once_a_day(bob):
    assert rewards.check_in(user=bob).amount == 5
    with pytest.raises(ValidationError, match="already checked in"):
        rewards.check_in(user=bob)
    assert points(bob) == 5


def test_daily_cap_per_rule(bob):
    PointsRule.objects.filter(key="rating").update(points=5, daily_cap=2)
    for i in range(4):
        events.send(AnswerRated(question_id=i, asker_id=bob.pk, rating=5))
    assert points(bob) == 10


def test_an_answer_earns_the_expert_points_and_a_moderation_hide_takes_them_back(alice):
    events.send(QuestionAnswered(question_id=7, asker_id=alice.user.pk, expert_id=alice.user.pk))
    assert points(alice.user) == 20
    events.send(AnswerHidden(question_id=7, expert_id=alice.user.pk))
    assert points(alice.user) == 0


def test_watching_long_enough_earns_points_once_per_session(bob):
    events.send(SessionWatched(user_id=bob.pk, session_id=1, seconds=9 * 60))
    assert points(bob) == 0
    events.send(SessionWatched(user_id=bob.pk, session_id=1, seconds=10 * 60))
    events.send(SessionWatched(user_id=bob.pk, session_id=1, seconds=30 * 60))
    assert points(bob) == 10


def test_a_switched_off_rule_earns_nothing(bob):
    PointsRule.objects.filter(key="check_in").update(is_active=False)
    assert rewards.check_in(user=bob) is None
    assert points(bob) == 0


def test_referral_rewards_both_on_the_invitees_first_purchase_only(
    django_capture_on_commit_callbacks, bob, charlie, course
):
    staff = UserFactory(is_staff=True)
    gift = services.coupon_create(
        created_by=staff,
        owner=None,
        kind="percent",
        percent_off=10,
        code="FRIEND",
        wallet_only=True,
    )
    PointsRule.objects.filter(key="referral").update(coupon_code=gift.code)
    inviter = charlie.user
    code = rewards.invite_code_for(user=inviter).code
    rewards.referral_record(code=code, invitee=bob)
    fund(bob)
    with django_capture_on_commit_callbacks(execute=True):
        purchases.purchase_with_wallet(buyer=bob, course=course)
    assert points(inviter) == 100
    assert points(bob) == 50 + 100
    assert CouponGrant.objects.filter(coupon=gift).count() == 2
    second = CourseFactory(channel=course.channel, price_amount=100, currency="CNY")
    with django_capture_on_commit_callbacks(execute=True):
        purchases.purchase_with_wallet(buyer=bob, course=second)
    assert points(inviter) == 100  # once only
    assert Referral.objects.get().rewarded_at is not None


def test_self_referral_second_inviter_and_loops_are_refused(bob, charlie):
    dan = UserFactory()
    with pytest.raises(ValidationError, match="yourself"):
        rewards.referral_record(code=rewards.invite_code_for(user=bob).code, invitee=bob)
    rewards.referral_record(code=rewards.invite_code_for(user=bob).code, invitee=charlie.user)
    rewards.referral_record(code=rewards.invite_code_for(user=charlie.user).code, invitee=dan)
    with pytest.raises(ValidationError, match="circle"):
        rewards.referral_record(code=rewards.invite_code_for(user=dan).code, invitee=bob)
    with pytest.raises(ValidationError, match="already invited"):
        rewards.referral_record(code=rewards.invite_code_for(user=dan).code, invitee=charlie.user)
    with pytest.raises(ValidationError, match="not valid"):
        rewards.referral_record(code="nope", invitee=UserFactory())


def test_signing_up_through_an_invite_link_records_the_referral(client, bob):
    code = rewards.invite_code_for(user=bob).code
    response = client.get(reverse("rewards:invite_landing", args=[code]))
    assert response.status_code == 302
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        },
    )
    referral = Referral.objects.get()
    assert referral.inviter == bob and referral.invitee.email == "new@example.com"


def test_ledger_balances_in_every_currency_after_a_mix(
    django_capture_on_commit_callbacks, bob, charlie, course
):
    staff = UserFactory(is_staff=True)
    services.coupon_create(
        created_by=staff, owner=None, kind="fixed", amount_off=700, currency="CNY", code="SITE7"
    )
    rewards.referral_record(code=rewards.invite_code_for(user=charlie.user).code, invitee=bob)
    fund(bob)
    with django_capture_on_commit_callbacks(execute=True):
        p = purchases.purchase_with_wallet(buyer=bob, course=course, coupon_code="SITE7")
    rewards.check_in(user=bob)
    services.points_spend(user=bob, amount=30, key="s", memo="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_refund(
            purchase=p, amount=p.amount, refunded_by=staff, expected_refunded=0
        )
    services.points_expire_due()
    totals = LedgerEntry.objects.values("currency").annotate(total=Sum("amount"))
    assert {t["currency"] for t in totals} == {"CNY", "PTS"}
    assert all(t["total"] == 0 for t in totals)


def test_points_pages_render_for_the_learner(client, bob):
    client.force_login(bob)
    rewards.check_in(user=bob)
    page = client.get(reverse("rewards:points"))
    assert page.status_code == 200
    assert b'data-testid="points-balance">5<' in page.content
    assert client.get(reverse("rewards:coupon_wallet")).status_code == 200
    invite = client.get(reverse("rewards:invite"))
    assert rewards.invite_code_for(user=bob).code.encode() in invite.content


def test_points_pages_need_a_login(client):
    assert client.get(reverse("rewards:points")).status_code == 302
