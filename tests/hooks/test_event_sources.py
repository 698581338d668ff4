"""Every kind of event a creator can subscribe to reaches their endpoint: the apps
below announce it after commit (payouts, paid questions, subscriptions, tickets)."""

import json

import pytest

from marketplace import purchases
from payments import services as payment_services
from qa import services as qa_services
from tests.factories import TierFactory
from tests.payments.test_card_payments import card

pytestmark = pytest.mark.django_db


def _types(receiver):
    return [json.loads(r.body)["type"] for r in receiver.requests]


def _listen(creator, receiver, *types):
    from hooks import services

    return services.endpoint_create(owner=creator.user, url=receiver.url, event_types=list(types))


def test_payouts_paid_and_refused(
    receiver, alice, bob, admin_user, settings, django_capture_on_commit_callbacks
):
    _listen(alice, receiver, "payout.paid", "payout.rejected")
    settings.PAYMENTS_MIN_PAYOUT = 1000
    payment_services.wallet_top_up_credit(
        user=bob, amount=9000, currency="CNY", payment_intent_id="p"
    )
    payment_services.tip_send(
        tipper=bob, creator=alice.user, amount=8000, currency="CNY", client_key="t"
    )
    with django_capture_on_commit_callbacks(execute=True):
        paid = payment_services.payout_request(creator=alice.user, amount=2000, currency="CNY")
        payment_services.payout_approve(payout=paid, approved_by=admin_user)
        refused = payment_services.payout_request(creator=alice.user, amount=1000, currency="CNY")
        payment_services.payout_reject(payout=refused, rejected_by=admin_user, reason="ID")
    assert _types(receiver) == ["payout.paid", "payout.rejected"]
    assert json.loads(receiver.requests[0].body)["data"] == {
        "payout_id": paid.pk, "amount": 2000, "currency": "CNY"
    }  # fmt: skip


def test_paid_questions_asked_and_answered(
    receiver, alice, bob, django_capture_on_commit_callbacks
):
    _listen(alice, receiver, "question.asked", "question.answered")
    qa_services.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    payment_services.wallet_top_up_credit(
        user=bob, amount=9000, currency="CNY", payment_intent_id="q"
    )
    with django_capture_on_commit_callbacks(execute=True):
        quote = qa_services.quote_create(
            asker=bob, expert=alice.user, text="How do I profile a slow Django view?",
            difficulty="standard", is_public=True,
        )  # fmt: skip
        question = qa_services.question_ask(asker=bob, quote_id=quote.pk)
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.answer_submit(
            expert=alice.user, question_id=question.pk,
            text="Use django-silk or py-spy, then look at the slowest queries first.",
        )  # fmt: skip
    assert _types(receiver) == ["question.asked", "question.answered"]
    asked = json.loads(receiver.requests[0].body)["data"]
    assert asked == {"question_id": question.pk, "amount": question.amount, "currency": "CNY"}


def test_subscriptions_started_and_cancelled(
    receiver, alice, alice_channel, bob, django_capture_on_commit_callbacks
):
    gold = TierFactory(channel=alice_channel, name="Gold", price_amount=3000, currency="CNY")
    _listen(alice, receiver, "subscription.started", "subscription.cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        sub = purchases.subscription_start(
            user=bob, tier=gold, payment_method=card("4242424242424242")
        )
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.subscription_cancel(subscription=sub, user=bob)
        payment_services.subscription_cancel(subscription=sub, user=bob)  # once
    assert _types(receiver) == ["subscription.started", "subscription.cancelled"]
    data = json.loads(receiver.requests[0].body)["data"]
    assert data["tier"] == {"id": gold.pk, "name": "Gold", "channel": alice_channel.slug}
    assert (data["amount"], data["currency"]) == (3000, "CNY")
