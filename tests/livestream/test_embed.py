"""The embeddable replay player: free, public replays only, and only its pages may be
framed by other sites."""

import pytest

from livestream import playback
from livestream.models import LiveSession
from marketplace.models import PublicationStatus
from tests.factories import LiveSessionFactory, TierFactory

pytestmark = pytest.mark.django_db


def replay(channel, **fields):
    fields = {"status": "ended", "replay_status": "ready", "title": "Async Python", **fields}
    return LiveSessionFactory(channel=channel, **fields)


def _ancestors(response):
    policy = response["Content-Security-Policy"]
    return next(p.strip() for p in policy.split(";") if p.strip().startswith("frame-ancestors"))


def test_a_free_replay_embeds_anywhere_and_plays_without_an_account(client, alice_channel):
    session = replay(alice_channel)
    response = client.get(f"/embed/live/{session.pk}/")
    assert response.status_code == 200
    assert _ancestors(response) == "frame-ancestors *"
    assert "X-Frame-Options" not in response
    page = response.content.decode()
    assert 'data-testid="embed-player"' in page and "Async Python" in page
    assert f'data-token-url="/embed/live/{session.pk}/playback/"' in page

    token = client.get(f"/embed/live/{session.pk}/playback/").json()
    key_id, expires, viewer, sig = token["token"].split("/")
    secret = dict(playback.signing_keys())[key_id]
    assert viewer == "0" and sig == playback.signature(
        kind="vod", session_id=session.pk, viewer=0, expires=int(expires), key_id=key_id,
        secret=secret,
    )  # fmt: skip
    assert token["url"].endswith(f"/{session.pk}/index.m3u8") or token["url"].endswith(
        f"/{session.pk}/master.m3u8"
    )


def test_the_rest_of_the_site_still_refuses_to_be_framed(client, alice_channel):
    session = replay(alice_channel)
    for url in (session.get_absolute_url(), "/", alice_channel.get_absolute_url()):
        response = client.get(url)
        assert _ancestors(response) == "frame-ancestors 'none'", url
        assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "fields",
    [
        {"access": LiveSession.Access.TICKET, "ticket_price_amount": 900, "ticket_currency": "CNY"},
        {"access": LiveSession.Access.SUBSCRIBERS},
        {"replay_hidden": True},
        {"replay_status": "processing"},
        {"status": "live"},
    ],
)
def test_paid_hidden_or_unready_replays_refuse_to_embed(client, alice_channel, fields):
    if fields.get("access") == LiveSession.Access.SUBSCRIBERS:
        fields = {**fields, "required_tier": TierFactory(channel=alice_channel)}
    session = replay(alice_channel, **fields)
    response = client.get(f"/embed/live/{session.pk}/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="embed-refused"' in page and "embed-player" not in page
    assert session.get_absolute_url() in page  # "Open on Zhiliao"
    assert client.get(f"/embed/live/{session.pk}/playback/").status_code == 403
    assert client.get("/embed/live/999999/").status_code == 404


def test_a_draft_channels_replay_refuses(client, alice_channel):
    session = replay(alice_channel)
    alice_channel.status = PublicationStatus.DRAFT
    alice_channel.save(update_fields=["status"])
    assert client.get(f"/embed/live/{session.pk}/").status_code == 403
    assert client.get(f"/embed/live/{session.pk}/playback/").status_code == 403


def test_the_replay_page_offers_the_embed_code_for_free_replays_only(client, alice, alice_channel):
    free = replay(alice_channel)
    paid = replay(
        alice_channel,
        access=LiveSession.Access.TICKET,
        ticket_price_amount=900,
        ticket_currency="CNY",
    )
    client.force_login(alice.user)
    page = client.get(free.get_absolute_url()).content.decode()
    assert 'data-testid="embed-code"' in page
    assert f"/embed/live/{free.pk}/" in page and "&lt;iframe" in page
    assert 'data-testid="embed-code"' not in client.get(paid.get_absolute_url()).content.decode()
