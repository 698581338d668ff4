"""A subscription after its first month, against localstripe: changing tier with
Stripe's prorations (and the ledger split of the prorated invoice), a renewal that is
declined or needs 3-D Secure (past due, grace period, notice, the fix-card page)."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Notification
from core.refusals import Conflict, Refused
from core.timezones import format_day
from livestream.models import LiveSession
from marketplace import purchases
from marketplace.access import entitlement_check
from marketplace.models import Entitlement
from payments import gateway, ledger, services
from payments.models import LedgerAccount, LedgerTransaction, Subscription, SubscriptionCharge
from tests.factories import LiveSessionFactory, TierFactory
from tests.payments.test_card_payments import card
from tests.payments.test_webhooks import post, signed

Kind = LedgerAccount.Kind
GOOD, DECLINED, THREE_D_SECURE = "4242424242424242", "4000000000000341", "4000002760003184"


@pytest.fixture(autouse=True)
def _fees(settings):
    settings.PAYMENTS_FEE_BPS = {**settings.PAYMENTS_FEE_BPS, "subscription": 1000}
    settings.PAYMENTS_RENEWAL_GRACE_DAYS = 7


@pytest.fixture
def platinum(alice_channel):
    return TierFactory(channel=alice_channel, name="Platinum", price_amount=6000, currency="CNY")


@pytest.fixture
def platinum_session(alice_channel, platinum):
    return LiveSessionFactory(
        channel=alice_channel, access=LiveSession.Access.SUBSCRIBERS, required_tier=platinum
    )


def _balance(kind, owner=None):
    return ledger.balance(ledger.account_get(kind=kind, currency="CNY", owner=owner))


def _lines(invoice_id):
    invoice = gateway.client().v1.invoices.retrieve(invoice_id).to_dict()
    return invoice, invoice["lines"]["data"]


def _renew(sub: Subscription) -> str:
    """The period ends (localstripe's stand-in for a test clock): Stripe bills the
    next one. Returns the new invoice's id."""
    gateway.client().raw_request("post", f"/_test/subscriptions/{sub.stripe_subscription_id}/renew")
    return gateway.subscription_retrieve(sub.stripe_subscription_id).latest_invoice_id


def _default_card(user, number):
    customer = user.stripe_customer.customer_id
    gateway.customer_with_card(customer_id=customer, email=user.email, payment_method=card(number))


def test_the_stand_in_prorates_a_plan_change_by_the_time_left(bob, gold, platinum):
    """Half a period left: the old plan's half is credited, the new plan's half billed."""
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    stripe_sub = gateway.client().v1.subscriptions.retrieve(sub.stripe_subscription_id)
    start, end = stripe_sub["current_period_start"], stripe_sub["current_period_end"]
    new_plan = purchases.tier_plan(platinum)
    gateway.client().v1.subscriptions.update(
        sub.stripe_subscription_id,
        params={
            "items": [{"id": stripe_sub["items"]["data"][0]["id"], "price": new_plan.plan_id}],
            "proration_behavior": "always_invoice",
            "proration_date": start + (end - start) // 2,
        },
    )
    invoice_id = gateway.subscription_retrieve(sub.stripe_subscription_id).latest_invoice_id
    invoice, lines = _lines(invoice_id)
    half = (end - (start + (end - start) // 2)) / (end - start)
    assert sorted(line["amount"] for line in lines) == [-round(3000 * half), round(6000 * half)]
    assert all(line["proration"] and line["period"]["end"] == end for line in lines)
    assert invoice["status"] == "paid" and invoice["amount_paid"] == sum(
        line["amount"] for line in lines
    )


def test_an_upgrade_charges_the_prorated_difference_and_splits_it_like_a_renewal(
    bob, alice, gold, platinum, platinum_session
):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    assert not entitlement_check(user=bob, live_session=platinum_session)
    paid_until = sub.paid_until

    change = purchases.subscription_change_tier(user=bob, subscription=sub, tier=platinum)

    sub.refresh_from_db()
    assert sub.tier == platinum and sub.paid_until == paid_until  # same period, dearer tier
    assert entitlement_check(user=bob, live_session=platinum_session)
    invoice_id = gateway.subscription_retrieve(sub.stripe_subscription_id).latest_invoice_id
    invoice, lines = _lines(invoice_id)
    assert {line["description"].split(" on ")[0] for line in lines} == {
        "Unused time",
        "Remaining time",
    }
    paid = invoice["amount_paid"]
    assert change.charged == paid == sum(line["amount"] for line in lines) and 0 < paid <= 3000
    # The prorated invoice is split like any subscription income: 10% to the platform.
    assert _balance(Kind.EARNINGS, alice.user) == 2700 + paid - paid // 10
    assert _balance(Kind.PLATFORM_REVENUE) == 300 + paid // 10
    assert _balance(Kind.STRIPE_CLEARING) == -(3000 + paid)  # what the card paid, no more
    tier_change = LedgerTransaction.objects.get(reference_id=invoice_id)
    assert "tier change" in tier_change.memo
    assert SubscriptionCharge.objects.filter(subscription=sub).count() == 2
    ledger_sums = sum(
        _balance(kind, owner)
        for kind, owner in (
            (Kind.EARNINGS, alice.user),
            (Kind.PLATFORM_REVENUE, None),
            (Kind.STRIPE_CLEARING, None),
        )
    )
    assert ledger_sums == 0


def test_a_downgrade_charges_nothing_now_and_credits_the_next_renewal(
    bob, alice, gold, platinum, platinum_session
):
    sub = purchases.subscription_start(user=bob, tier=platinum, payment_method=card(GOOD))
    change = purchases.subscription_change_tier(user=bob, subscription=sub, tier=gold)
    assert change.charged == 0
    assert not entitlement_check(user=bob, live_session=platinum_session)  # Gold at once
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 1

    renewal_id = _renew(sub)
    invoice, lines = _lines(renewal_id)
    credits = [line["amount"] for line in lines if line["proration"]]
    assert len(credits) == 2 and sum(credits) < 0  # Platinum unused, less Gold for those days
    assert invoice["amount_paid"] == 3000 + sum(credits)
    services.invoice_settle(invoice_id=renewal_id)
    sub.refresh_from_db()
    assert sub.status == "active" and sub.paid_until > change.subscription.paid_until
    renewal = invoice["amount_paid"]
    assert _balance(Kind.STRIPE_CLEARING) == -(6000 + renewal)
    assert _balance(Kind.EARNINGS, alice.user) == 5400 + renewal - renewal // 10


def test_a_price_change_announced_for_the_old_tier_does_not_follow_a_tier_change(
    bob, gold, platinum, django_capture_on_commit_callbacks
):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    with django_capture_on_commit_callbacks(execute=True):
        services.tier_price_change_schedule(tier=gold, amount=4500, currency="CNY", notice_days=30)
    sub.refresh_from_db()
    assert sub.next_price_amount == 4500  # Gold's subscribers were told
    change = purchases.subscription_change_tier(user=bob, subscription=sub, tier=platinum)
    moved = change.subscription
    assert moved.tier_id == platinum.pk
    assert (moved.next_price_amount, moved.next_price_from) == (None, None)


def test_a_change_made_at_stripe_reaches_the_subscription_by_its_webhook(
    bob, gold, platinum, platinum_session
):
    """customer.subscription.updated after a change whose reply was lost: the tier
    and the access follow the plan Stripe bills."""
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    gateway.subscription_change_plan(
        subscription_id=sub.stripe_subscription_id,
        plan_id=purchases.tier_plan(platinum).plan_id,
        invoice_now=False,
        idempotency_key="lost-reply",
    )
    services.subscription_sync(subscription_id=sub.stripe_subscription_id)
    sub.refresh_from_db()
    assert sub.tier == platinum and entitlement_check(user=bob, live_session=platinum_session)


def test_a_declined_upgrade_changes_nothing(bob, gold, platinum, platinum_session):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    _default_card(bob, DECLINED)
    with pytest.raises(Conflict, match="Nothing changed"):  # 409: another card may pay
        purchases.subscription_change_tier(user=bob, subscription=sub, tier=platinum)
    sub.refresh_from_db()
    assert sub.tier == gold and sub.status == "active"
    assert gateway.subscription_retrieve(sub.stripe_subscription_id).status == "active"
    assert not entitlement_check(user=bob, live_session=platinum_session)
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 1


def test_tier_changes_that_make_no_sense_are_refused(bob, charlie, gold, platinum):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    other = TierFactory(name="Elsewhere", price_amount=1000, currency="CNY")
    usd = TierFactory(channel=gold.channel, name="Dollar", price_amount=500, currency="USD")
    # Rules that refuse whatever the state are a 422 in the API, a clash with the
    # current state a 409 (core.refusals); none of them is bad input (400).
    refusals = (
        (other, "same channel", Refused),
        (usd, "another currency", Refused),
        (gold, "already", Conflict),
    )
    for tier, reason, kind in refusals:
        with pytest.raises(kind, match=reason):
            purchases.subscription_change_tier(user=bob, subscription=sub, tier=tier)
    with pytest.raises(Refused, match="not your subscription"):
        purchases.subscription_change_tier(user=charlie.user, subscription=sub, tier=platinum)
    gold.is_active = False
    gold.save(update_fields=["is_active"])
    with pytest.raises(Refused, match="not on sale"):
        purchases.subscription_change_tier(user=bob, subscription=sub, tier=gold)
    Subscription.objects.filter(pk=sub.pk).update(status="past_due")
    sub.refresh_from_db()
    with pytest.raises(Conflict, match="open renewal"):
        purchases.subscription_change_tier(user=bob, subscription=sub, tier=platinum)
    sub.refresh_from_db()
    assert sub.tier == gold


def test_change_tier_from_the_channel_page(client, bob, gold, platinum, alice_channel):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    client.force_login(bob)
    page = client.get(alice_channel.get_absolute_url()).content.decode()
    url = reverse("payments:subscription_change", args=[alice_channel.slug, platinum.pk])
    assert 'data-testid="change-tier"' in page and url in page
    library = client.get(reverse("library:library")).content.decode()
    assert 'data-testid="subscription-change"' in library
    terms = client.get(url).content.decode()
    assert "pays the difference" in terms and "From Gold (¥30.00 a month) to Platinum" in terms
    done = client.post(url, follow=True).content.decode()
    assert "You now subscribe to Platinum" in done and "was charged for the rest" in done
    sub.refresh_from_db()
    assert sub.tier == platinum


def _past_due(bob, gold, number) -> tuple[Subscription, str]:
    """Subscribed with a good card, then the renewal meets `number`."""
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    _default_card(bob, number)
    invoice_id = _renew(sub)
    return sub, invoice_id


def test_a_declined_renewal_is_past_due_with_a_grace_period_and_a_notice(
    client, bob, gold, django_capture_on_commit_callbacks
):
    sub, invoice_id = _past_due(bob, gold, DECLINED)
    paid_until = sub.paid_until
    payload = json.dumps(
        {"id": "evt_f", "type": "invoice.payment_failed", "data": {"object": {"id": invoice_id}}}
    ).encode()
    for _ in range(2):  # a redelivery changes nothing
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, payload, **signed(payload)).status_code == 200
    sub.refresh_from_db()
    assert sub.status == "past_due"
    grant = Entitlement.objects.get(source_ref=sub.stripe_subscription_id)
    assert grant.ends_at == paid_until + timedelta(days=7)  # Patreon-like grace
    notice = Notification.objects.get(user=bob)
    assert notice.url == reverse("payments:subscription_fix", args=[sub.pk])
    assert "renewal of Gold was not paid" in notice.text and len(mail.outbox) == 1
    assert format_day(paid_until + timedelta(days=7), language="en") in mail.outbox[0].body
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 1  # nothing paid

    client.force_login(bob)
    library = client.get(reverse("library:library")).content.decode()
    assert 'data-testid="subscription-fix"' in library and "Renewal payment failed" in library
    fix = client.get(notice.url).content.decode()
    assert "¥30.00 renewal of Gold was not paid" in fix and 'id="card-form"' in fix

    client.post(notice.url, {"payment_method": card(GOOD)})
    sub.refresh_from_db()
    assert sub.status == "active" and sub.paid_until > paid_until
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 2
    assert gateway.invoice_retrieve(invoice_id).status == "paid"


def test_a_second_declined_card_on_the_fix_page_says_why_and_charges_nothing(client, bob, gold):
    sub, invoice_id = _past_due(bob, gold, DECLINED)
    services.invoice_payment_failed(invoice_id=invoice_id)
    client.force_login(bob)
    url = reverse("payments:subscription_fix", args=[sub.pk])
    page = client.post(url, {"payment_method": card(DECLINED)}, follow=True).content.decode()
    assert "did not go through" in page or "declined" in page
    sub.refresh_from_db()
    assert sub.status == "past_due"
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 1


def test_a_renewal_needing_3d_secure_waits_for_the_learner_not_cancelled(client, bob, gold):
    sub, invoice_id = _past_due(bob, gold, THREE_D_SECURE)
    services.invoice_payment_failed(invoice_id=invoice_id)  # invoice.payment_action_required
    sub.refresh_from_db()
    assert sub.status == "past_due"
    renewal = services.subscription_open_renewal(subscription=sub)
    assert renewal is not None and renewal.payment_status == "requires_action"
    client.force_login(bob)
    url = reverse("payments:subscription_fix", args=[sub.pk])
    page = client.get(url).content.decode()
    assert renewal.client_secret in page and "confirm the ¥30.00 renewal of Gold" in page
    # What Stripe.js does when the learner completes the bank's check:
    intent = renewal.client_secret.split("_secret_")[0]
    gateway.client().raw_request(
        "post",
        f"/v1/payment_intents/{intent}/_authenticate",
        client_secret=renewal.client_secret,
        success="true",
    )
    client.post(url)  # the page's form, once Stripe.js is done
    sub.refresh_from_db()
    assert sub.status == "active"
    assert LedgerTransaction.objects.filter(kind="subscription").count() == 2


def test_someone_elses_fix_page_is_not_found(client, bob, charlie, gold):
    sub = purchases.subscription_start(user=bob, tier=gold, payment_method=card(GOOD))
    client.force_login(charlie.user)
    url = reverse("payments:subscription_fix", args=[sub.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"payment_method": card(GOOD)}).status_code == 404
