"""Signed playback against a real nginx (secure_link) and a real edge cache.

Django hands the player a short-lived token; nginx checks it on every playlist and
segment by itself. Revocation acts when the token expires: Django refuses the
refresh, nginx refuses the expired token.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from livestream import playback, video
from marketplace import purchases
from marketplace.models import Entitlement, PublicationStatus
from tests.factories import LiveSessionFactory, UserFactory
from tests.video_servers import edge_nginx, fetch, hls_files, origin_nginx

pytestmark = pytest.mark.django_db

OLD_KEY = "k1:" + "o" * 32
NEW_KEY = "k2:" + "n" * 32


@pytest.fixture
def origin(tmp_path, settings):
    settings.VIDEO_SIGNING_KEYS = [OLD_KEY]
    with origin_nginx(tmp_path / "origin") as server:
        yield server


@pytest.fixture
def ticketed(alice_channel):
    return LiveSessionFactory(
        channel=alice_channel, status="live", access="ticket", ticket_price_amount=500,
        ticket_currency="CNY",
    )  # fmt: skip


@pytest.fixture
def bob_with_ticket(bob, ticketed):
    from payments import services as payment_services

    payment_services.wallet_top_up_credit(
        user=bob, amount=500, currency="CNY", payment_intent_id="pi_signed"
    )
    purchase = purchases.purchase_with_wallet(buyer=bob, live_session=ticketed)
    return bob, purchase


def _path(token: playback.PlaybackToken, file: str = "index.m3u8") -> str:
    return f"/{token.kind}/{token.path}/{token.session_id}/{file}"


def test_the_player_gets_a_token_from_django_strangers_get_403(
    client, ticketed, bob_with_ticket, django_assert_num_queries
):
    bob, _ = bob_with_ticket
    client.force_login(bob)
    # The Django session and user, the live session with its channel, a room ban,
    # a moderators' ban, the ticket (entitlement).
    with django_assert_num_queries(6):
        response = client.get(f"/live/{ticketed.pk}/playback/hls/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["refresh_in"] == 40
    assert body["url"].endswith(f"/{ticketed.pk}/index.m3u8")
    assert f"/{bob.pk}/" in body["token"] + "/"
    # Nobody else: a stranger, anonymous, an unknown kind, a replay not ready.
    client.force_login(UserFactory())
    assert client.get(f"/live/{ticketed.pk}/playback/hls/").json() == {"error": "access ended"}
    client.logout()
    assert client.get(f"/live/{ticketed.pk}/playback/hls/").status_code == 403
    client.force_login(bob)
    assert client.get(f"/live/{ticketed.pk}/playback/mp4/").status_code == 403
    assert client.get(f"/live/{ticketed.pk}/playback/vod/").status_code == 403
    assert client.get("/live/999999/playback/hls/").status_code == 403
    assert client.post(f"/live/{ticketed.pk}/playback/hls/").status_code == 405


def test_nginx_refuses_expired_forged_other_session_other_viewer_and_unknown_key_tokens(
    origin, ticketed, alice_channel, bob_with_ticket
):
    bob, _ = bob_with_ticket
    other = LiveSessionFactory(channel=alice_channel, status="live")
    for session in (ticketed, other):
        hls_files(origin["prefix"], "hls", session.pk)
    port = origin["http"]
    token = video.playback_token_issue(session_id=ticketed.pk, user=bob, kind="hls")
    status, body, headers = fetch(port, _path(token))
    assert status == 200 and body.startswith(b"#EXTM3U")
    assert headers["Cache-Control"] == "public, max-age=1"
    status, _, headers = fetch(port, _path(token, "index-1.ts"))
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"

    key_id, expires, viewer, sig = token.path.split("/")
    refused = {
        "expired": _path(playback.token_sign(kind="hls", session_id=ticketed.pk,
                                             viewer=bob.pk, ttl=-1)),
        "forged": _path(token).replace(sig, ("A" if sig[0] != "A" else "B") + sig[1:]),
        "longer life": _path(token).replace(f"/{expires}/", f"/{int(expires) + 3600}/"),
        "another session": _path(token).replace(f"/{ticketed.pk}/", f"/{other.pk}/"),
        "another viewer": _path(token).replace(f"/{viewer}/", f"/{viewer}1/"),
        "a replay": _path(token).replace("/hls/", "/vod/"),
        # A key id nginx does not know maps to an empty secret, which an attacker
        # could sign with: refused before the signature is computed.
        "unknown key": _path(playback.token_sign(kind="hls", session_id=ticketed.pk,
                                                 viewer=bob.pk, key=("k9", ""))),
        "no token": f"/hls/{ticketed.pk}/index.m3u8",
    }  # fmt: skip
    for why, path in refused.items():
        status, _, headers = fetch(port, path)
        assert status == 403, why
        assert "immutable" not in headers.get("Cache-Control", ""), why


def test_a_rotated_key_keeps_old_tokens_until_it_is_dropped(origin, ticketed, bob, settings):
    hls_files(origin["prefix"], "hls", ticketed.pk)
    ticketed.access = "free"
    ticketed.save()
    old = video.playback_token_issue(session_id=ticketed.pk, user=bob, kind="hls")
    # Rotation: the new key signs, the old one still verifies.
    settings.VIDEO_SIGNING_KEYS = [NEW_KEY, OLD_KEY]
    origin["reload"]()
    new = video.playback_token_issue(session_id=ticketed.pk, user=bob, kind="hls")
    assert new.path.startswith("k2/")
    assert _eventually(lambda: fetch(origin["http"], _path(new))[0] == 200)
    assert fetch(origin["http"], _path(old))[0] == 200
    # The old key revoked: every token it signed stops at once.
    settings.VIDEO_SIGNING_KEYS = [NEW_KEY]
    origin["reload"]()
    assert _eventually(lambda: fetch(origin["http"], _path(old))[0] == 403)
    assert fetch(origin["http"], _path(new))[0] == 200


def _eventually(check, timeout: float = 5) -> bool:
    """nginx reloads in the background: its new workers take a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _refund(session, bob, purchase):
    from payments import services as payment_services

    payment_services.purchase_refund(
        purchase=purchase, amount=500, refunded_by=UserFactory(is_staff=True), expected_refunded=0
    )


def _ticket_expires(session, bob, purchase):
    Entitlement.objects.filter(user=bob, live_session=session).update(ends_at=timezone.now())


def _room_ban(session, bob, purchase):
    from livestream import services

    services.user_ban(session=session, by=session.channel.creator.user, user_id=bob.pk)


def _site_ban(session, bob, purchase):
    from moderation.services.sanctions import sanction_impose

    sanction_impose(user=bob, kind="ban", reason="spam", moderator=UserFactory(is_staff=True))


def _made_private(session, bob, purchase):
    channel = session.channel
    channel.status = PublicationStatus.DRAFT
    channel.save(update_fields=["status"])


def _cancelled(session, bob, purchase):
    type(session).objects.filter(pk=session.pk).update(status="cancelled")


@pytest.mark.parametrize(
    "revoke", [_refund, _ticket_expires, _room_ban, _site_ban, _made_private, _cancelled]
)
def test_revocation_stops_playback_when_the_token_expires(
    origin, ticketed, bob_with_ticket, settings, revoke
):
    """With a 60 s token that is within 60 s; here the token lives 2 s."""
    settings.VIDEO_TOKEN_TTL_SECONDS = 2
    bob, purchase = bob_with_ticket
    hls_files(origin["prefix"], "hls", ticketed.pk)
    token = video.playback_token_issue(session_id=ticketed.pk, user=bob, kind="hls")
    assert fetch(origin["http"], _path(token, "index-0.ts"))[0] == 200
    revoke(ticketed, bob, purchase)
    # The next refresh is refused...
    with pytest.raises(PermissionDenied):
        video.playback_token_issue(session_id=ticketed.pk, user=bob, kind="hls")
    # ...and nginx refuses the last token once it expires.
    time.sleep(max(0.0, token.expires - time.time()) + 1.1)
    assert fetch(origin["http"], _path(token, "index-1.ts"))[0] == 403


def test_n_viewers_of_one_segment_cost_the_origin_one_fetch(
    origin, tmp_path, alice_channel, settings
):
    session = LiveSessionFactory(channel=alice_channel, status="live")
    hls_files(origin["prefix"], "hls", session.pk, segments=2)
    viewers = [UserFactory() for _ in range(40)]
    tokens = [video.playback_token_issue(session_id=session.pk, user=v, kind="hls")
              for v in viewers]  # fmt: skip

    def origin_requests() -> int:
        status, body, _ = fetch(origin["http"], "/nginx_status")
        assert status == 200
        return int(body.decode().split("\n")[2].split()[2])  # "accepts handled requests"

    with edge_nginx(tmp_path / "edge", origin_port=origin["http"]) as edge:
        before = origin_requests()
        # Every viewer at once, each with their own token, asks for the same segment.
        with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
            answers = list(pool.map(lambda t: fetch(edge["http"], _path(t, "index-1.ts")), tokens))
        after = origin_requests()
        assert [a[0] for a in answers] == [200] * len(tokens)
        assert len({a[1] for a in answers}) == 1
        statuses = sorted(a[2]["X-Cache-Status"] for a in answers)
        assert statuses.count("MISS") == 1, statuses
        # One fetch of the segment, plus the status request that read the counter.
        assert after - before == 2
        # The edge checks tokens itself: a forged one never reaches the origin.
        forged = _path(tokens[0], "index-1.ts").replace(f"/{viewers[0].pk}/", "/0/")
        assert fetch(edge["http"], forged)[0] == 403
        assert origin_requests() - after == 1  # only the status request
        # A playlist is cached for a second at most: live edges move on.
        status, _, headers = fetch(edge["http"], _path(tokens[0]))
        assert status == 200 and headers["Cache-Control"] == "public, max-age=1"


def test_the_room_page_no_longer_embeds_video_urls(client, ticketed, bob_with_ticket):
    bob, _ = bob_with_ticket
    client.force_login(bob)
    page = client.get(f"/live/{ticketed.pk}/").content.decode()
    config = json.loads(page.split('id="room-config" type="application/json">')[1].split("<")[0])
    assert "hls_url" not in config and config["session"] == ticketed.pk
