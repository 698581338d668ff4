"""The privacy export holds the tip-leaderboard "stay anonymous" switch, the Stripe
Connect account and the webhook endpoints; erasure removes the switch and endpoints."""

import pytest

from accounts import personal_data
from hooks import services as hook_services
from livestream.models import TipLeaderboardOptOut
from payments.models import ConnectedAccount

pytestmark = pytest.mark.django_db


def _export(user, name):
    kind = next(k for k in personal_data.kinds() if k.name == name)
    return kind, list(kind.export(user))


def test_the_anonymous_switch_is_exported_on_and_off(alice, bob):
    _kind, rows = _export(bob, "tip_leaderboards")
    assert rows == [{"anonymous_on_tip_leaderboards": False, "since": None}]
    TipLeaderboardOptOut.objects.create(user=bob)
    kind, rows = _export(bob, "tip_leaderboards")
    assert rows[0]["anonymous_on_tip_leaderboards"] is True and rows[0]["since"]
    kind.erase(bob, False)
    assert not TipLeaderboardOptOut.objects.filter(user=bob).exists()


def test_the_connect_account_id_is_exported(alice):
    ConnectedAccount.objects.create(
        user=alice.user, stripe_account_id="acct_123", details_submitted=True
    )
    _kind, rows = _export(alice.user, "connected_account")
    assert rows[0]["stripe_account_id"] == "acct_123"
    assert rows[0]["details_submitted"] is True and rows[0]["payouts_enabled"] is False


def test_webhook_endpoints_are_exported_without_their_secret_and_erased(alice):
    endpoint, secret = hook_services.endpoint_create(
        owner=alice.user, url="https://example.com/hook", event_types=["tip.received"]
    )
    kind, rows = _export(alice.user, "webhook_endpoints")
    assert rows[0]["url"] == "https://example.com/hook"
    assert rows[0]["event_types"] == ["tip.received"] and secret not in str(rows)
    kind.erase(alice.user, False)
    assert not type(endpoint).objects.filter(owner=alice.user).exists()
