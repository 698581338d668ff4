from livestream.models import LiveSession
from payments import selectors as payment_selectors
from payments import services
from tests.factories import LiveSessionFactory


def test_ticket_session_page_sells_a_ticket_then_shows_access(client, bob, alice_channel):
    session = LiveSessionFactory(
        channel=alice_channel,
        access=LiveSession.Access.TICKET,
        ticket_price_amount=990,
        ticket_currency="CNY",
    )
    services.wallet_top_up_credit(user=bob, amount=5000, currency="CNY", payment_intent_id="p")
    client.force_login(bob)
    page = client.get(f"/live/{session.pk}/").content.decode()
    assert "Buy a ticket for ¥9.90" in page
    after = client.post(f"/live/{session.pk}/ticket/", follow=True).content.decode()
    assert "You can watch this session." in after
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 4010


def test_ticket_without_money_is_explained(client, bob, alice_channel):
    session = LiveSessionFactory(
        channel=alice_channel,
        access=LiveSession.Access.TICKET,
        ticket_price_amount=990,
        ticket_currency="CNY",
    )
    client.force_login(bob)
    page = client.post(f"/live/{session.pk}/ticket/", follow=True).content.decode()
    assert "does not hold enough" in page


def test_session_of_a_draft_channel_is_404(client, alice):
    from tests.factories import ChannelFactory

    draft = ChannelFactory(creator=alice, status="draft")
    session = LiveSessionFactory(channel=draft)
    assert client.get(f"/live/{session.pk}/").status_code == 404
