"""Self-service ticket refunds: bob takes back his ticket while alice's window is
open, the way he paid (wallet back to wallet, card back to card through Stripe), and
is told why not once it has closed."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from livestream import services
from livestream.models import LiveSession
from marketplace import purchases
from marketplace.access import entitlement_check
from payments import gateway
from payments import selectors as money
from payments.models import LedgerAccount, Purchase
from tests.factories import LiveSessionFactory
from tests.payments.test_card_payments import card
from tests.qa.conftest import fund

Kind = LedgerAccount.Kind


@pytest.fixture
def masterclass(alice_channel):
    """A ticketed session in three days; tickets refundable until 24 hours before."""
    return LiveSessionFactory(
        channel=alice_channel, title="Masterclass", access=LiveSession.Access.TICKET,
        ticket_price_amount=2000, ticket_currency="CNY", refund_hours=24,
        scheduled_start=timezone.now() + timedelta(days=3),
    )  # fmt: skip


def _earnings(alice):
    return money.account_balance(user=alice.user, kind=Kind.EARNINGS, currency="CNY")


def test_a_wallet_ticket_goes_back_to_the_wallet_and_access_ends(bob, alice, masterclass):
    fund(bob, 5000)
    purchases.purchase_with_wallet(buyer=bob, live_session=masterclass)
    assert entitlement_check(user=bob, live_session=masterclass)
    assert money.wallet_balance(user=bob, currency="CNY") == 3000

    refunded = services.ticket_refund_self(session=masterclass, user=bob)

    assert refunded.status == Purchase.Status.REFUNDED and refunded.refunded_amount == 2000
    assert money.wallet_balance(user=bob, currency="CNY") == 5000
    assert _earnings(alice) == 0  # the creator's share and the platform's fee went back
    assert not entitlement_check(user=bob, live_session=masterclass)
    assert money.ledger_mismatches() == []  # every running balance equals its entries
    with pytest.raises(ValidationError, match="no paid ticket"):
        services.ticket_refund_self(session=masterclass, user=bob)


def test_a_card_ticket_goes_back_to_the_card_not_the_wallet(bob, alice, masterclass):
    purchase = purchases.purchase_with_card(
        buyer=bob, live_session=masterclass, payment_method=card("4242424242424242")
    )
    assert purchase.status == Purchase.Status.PAID

    services.ticket_refund_self(session=masterclass, user=bob)

    refunds = gateway.client().v1.refunds.list(
        params={"payment_intent": purchase.payment_intent_id}
    )
    assert [r.amount for r in refunds.data] == [2000]
    assert money.wallet_balance(user=bob, currency="CNY") == 0
    assert _earnings(alice) == 0
    assert Purchase.objects.get(pk=purchase.pk).status == Purchase.Status.REFUNDED


def test_after_the_window_closes_the_refund_is_refused_with_the_time(bob, alice, masterclass):
    fund(bob, 5000)
    purchases.purchase_with_wallet(buyer=bob, live_session=masterclass)
    LiveSession.objects.filter(pk=masterclass.pk).update(
        scheduled_start=timezone.now() + timedelta(hours=5)
    )
    masterclass.refresh_from_db()
    with pytest.raises(ValidationError, match="Refunds for this session closed at"):
        services.ticket_refund_self(session=masterclass, user=bob)
    assert money.wallet_balance(user=bob, currency="CNY") == 3000
    assert entitlement_check(user=bob, live_session=masterclass)


def test_no_window_set_means_only_staff_refund(bob, alice_channel):
    session = LiveSessionFactory(
        channel=alice_channel, access=LiveSession.Access.TICKET,
        ticket_price_amount=2000, ticket_currency="CNY",
    )  # fmt: skip
    fund(bob, 5000)
    purchases.purchase_with_wallet(buyer=bob, live_session=session)
    with pytest.raises(ValidationError, match="cannot be refunded by yourself"):
        services.ticket_refund_self(session=session, user=bob)


def test_the_session_page_offers_the_refund_and_says_how_it_went(client, bob, masterclass):
    fund(bob, 5000)
    client.force_login(bob)
    page = client.get(masterclass.get_absolute_url()).content.decode()
    assert 'data-testid="refund-policy"' in page  # before buying: the policy
    purchases.purchase_with_wallet(buyer=bob, live_session=masterclass)
    page = client.get(masterclass.get_absolute_url()).content.decode()
    assert "Refund my ticket (¥20.00)" in page and "back to your wallet" in page
    done = client.post(f"/live/{masterclass.pk}/ticket/refund/", follow=True).content.decode()
    assert "Your ticket is refunded to your wallet: ¥20.00." in done
    assert 'data-testid="ticket-refund"' not in done


def test_someone_without_a_ticket_is_told_so(client, charlie, masterclass):
    client.force_login(charlie.user)
    done = client.post(f"/live/{masterclass.pk}/ticket/refund/", follow=True).content.decode()
    assert "You hold no paid ticket for this session." in done
