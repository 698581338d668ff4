"""Creators' outgoing webhooks, delivered to a real HTTP server on loopback: signed
payloads, retries with backoff, the delivery log, test events, secret rotation and
turning off an endpoint that keeps failing."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification
from hooks import services, signing
from hooks.models import Delivery, Endpoint
from livestream import services as live_services
from payments import services as payment_services

pytestmark = pytest.mark.django_db


def _endpoint(creator, url, *types):
    return services.endpoint_create(
        owner=creator.user, url=url, event_types=list(types or ["tip.received"])
    )


def _tip(tipper, creator, key="t1", amount=800):
    payment_services.wallet_top_up_credit(
        user=tipper, amount=5000, currency="CNY", payment_intent_id=f"pi_{key}"
    )
    return payment_services.tip_send(
        tipper=tipper, creator=creator.user, amount=amount, currency="CNY", client_key=key
    )


def test_a_tip_reaches_the_creators_endpoint_signed_once_committed(
    receiver, alice, bob, django_capture_on_commit_callbacks
):
    endpoint, secret = _endpoint(alice, receiver.url, "tip.received")
    other, _ = _endpoint(alice, receiver.url + "/sessions-only", "session.live")
    with django_capture_on_commit_callbacks(execute=True):
        tip = _tip(bob, alice)
    assert len(receiver.requests) == 1  # the session-only endpoint heard nothing
    got = receiver.requests[0]
    assert got.path == "/hooks/zhiliao"
    assert signing.verify(header=got.headers["Zhiliao-Signature"], body=got.body, secret=secret)
    assert not signing.verify(
        header=got.headers["Zhiliao-Signature"], body=got.body + b" ", secret=secret
    )
    payload = json.loads(got.body)
    assert payload["type"] == "tip.received" == got.headers["Zhiliao-Event"]
    assert payload["data"] == {
        "tip_id": tip.pk, "session_id": None, "amount": 800, "currency": "CNY"
    }  # fmt: skip
    assert "bob" not in got.body.decode().lower()  # no one's name or address
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)
    assert delivery.event_id == payload["id"] == got.headers["Zhiliao-Delivery"]
    assert not other.deliveries.exists()


def test_nothing_is_sent_for_a_rolled_back_write_nor_twice_for_a_replayed_event(
    receiver, alice, bob, django_capture_on_commit_callbacks
):
    endpoint, _secret = _endpoint(alice, receiver.url, "tip.received")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):  # an empty wallet: no tip, no event
            payment_services.tip_send(
                tipper=bob, creator=alice.user, amount=800, currency="CNY", client_key="x"
            )
    assert receiver.requests == []
    fields = {"tip_id": 1, "creator_id": alice.user.pk, "live_session_id": None,
              "amount": 1, "currency": "CNY", "tipper_id": bob.pk}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.event_record(type_="tip.received", fields=fields)
        services.event_record(type_="tip.received", fields=fields)
    assert endpoint.deliveries.count() == 1 and len(receiver.requests) == 1


def test_sessions_going_live_and_ending_are_sent(
    receiver, alice, alice_channel, django_capture_on_commit_callbacks
):
    _endpoint(alice, receiver.url, "session.scheduled", "session.live", "session.ended")
    with django_capture_on_commit_callbacks(execute=True):
        session = live_services.session_schedule(
            user=alice.user,
            channel=alice_channel,
            title="Async Python, live",
            scheduled_start=timezone.now() + timedelta(hours=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_start(session=session, user=alice.user)
    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_end(session=session, user=alice.user)
    types = [json.loads(r.body)["type"] for r in receiver.requests]
    assert types == ["session.scheduled", "session.live", "session.ended"]
    data = json.loads(receiver.requests[1].body)["data"]["session"]
    assert (data["id"], data["title"], data["channel"]) == (
        session.pk, "Async Python, live", alice_channel.slug
    )  # fmt: skip


def test_a_failed_delivery_is_retried_with_growing_waits_and_then_given_up(
    receiver, alice, bob, settings, django_capture_on_commit_callbacks
):
    endpoint, _secret = _endpoint(alice, receiver.url)
    receiver.answer(500, 503)
    with django_capture_on_commit_callbacks(execute=True):
        _tip(bob, alice)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    assert delivery.response_body == "receiver is down"
    first_wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert first_wait == timedelta(seconds=60)
    # Not yet due: nothing is sent.
    assert services.delivery_attempt(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.requests) == 1

    later = delivery.next_attempt_at + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delivery_attempt(delivery_id=delivery.pk, now=later) == "pending"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - later == timedelta(seconds=240)  # 60 x 4
    later = delivery.next_attempt_at + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delivery_attempt(delivery_id=delivery.pk, now=later) == "succeeded"
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.attempts, delivery.response_code, endpoint.failures) == (3, 200, 0)
    assert len({r.headers["Zhiliao-Delivery"] for r in receiver.requests}) == 1  # one event id

    # Waits grow to the cap; after a day of failures the delivery is given up.
    assert [services.backoff(n).total_seconds() for n in range(1, 8)] == [
        60, 240, 960, 3840, 15360, 21600, 21600
    ]  # fmt: skip
    receiver.answer(*[500] * 20)
    with django_capture_on_commit_callbacks(execute=True):
        _tip(bob, alice, key="t2")
    failing = Delivery.objects.filter(endpoint=endpoint).exclude(pk=delivery.pk).get()
    now = timezone.now()
    while failing.status == "pending":
        now = failing.next_attempt_at + timedelta(seconds=1)
        with django_capture_on_commit_callbacks(execute=True):
            services.delivery_attempt(delivery_id=failing.pk, now=now)
        failing.refresh_from_db()
    assert failing.status == "failed"
    assert 7 <= failing.attempts <= 10
    assert now - failing.created_at <= timedelta(seconds=settings.WEBHOOKS_RETRY_FOR)


def test_the_sweep_sends_what_is_due(receiver, alice, bob, django_capture_on_commit_callbacks):
    endpoint, _secret = _endpoint(alice, receiver.url)
    receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        _tip(bob, alice)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert services.deliveries_due() == 0  # its retry is a minute away
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_an_endpoint_that_keeps_failing_is_turned_off_and_its_creator_told(
    receiver, alice, bob, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOKS_DISABLE_AFTER_SECONDS = 0
    endpoint, _secret = _endpoint(alice, receiver.url)
    receiver.answer(*[500] * 10)
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("a", "b", "c"):
            _tip(bob, alice, key=key)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "3 failed deliveries" in endpoint.disabled_reason
    assert set(endpoint.deliveries.values_list("status", flat=True)) == {"failed"}
    assert Notification.objects.filter(user=alice.user, key__startswith="hooks:disabled").exists()
    with django_capture_on_commit_callbacks(execute=True):
        _tip(bob, alice, key="d")  # off: nothing recorded, nothing sent
    assert endpoint.deliveries.count() == 3 and len(receiver.requests) == 3

    services.endpoint_set_active(endpoint=endpoint, owner=alice.user, on=True)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failures == 0


def test_a_rotated_secret_signs_beside_the_old_one_for_the_grace_period(
    receiver, alice, settings, django_capture_on_commit_callbacks
):
    endpoint, old = _endpoint(alice, receiver.url)
    new = services.secret_rotate(endpoint=endpoint, owner=alice.user)
    assert new != old and new.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        services.test_send(endpoint=endpoint, owner=alice.user)
    got = receiver.requests[-1]
    header = got.headers["Zhiliao-Signature"]
    assert header.count("v1=") == 2
    assert signing.verify(header=header, body=got.body, secret=new)
    assert signing.verify(header=header, body=got.body, secret=old)

    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.test_send(endpoint=endpoint, owner=alice.user)
    got = receiver.requests[-1]
    assert got.headers["Zhiliao-Signature"].count("v1=") == 1
    assert not signing.verify(header=got.headers["Zhiliao-Signature"], body=got.body, secret=old)
    # The secret is encrypted at rest.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM hooks_endpoint WHERE id = %s", [endpoint.pk])
        assert new not in cursor.fetchone()[0]


def test_old_timestamps_are_refused_by_the_check():
    body = b'{"id": "evt_1"}'
    header = signing.header_value(secrets_=["whsec_a"], timestamp=1_000_000, body=body)
    assert signing.verify(header=header, body=body, secret="whsec_a", now=1_000_100)
    assert not signing.verify(header=header, body=body, secret="whsec_a", now=1_000_400)
    assert not signing.verify(header="v1=abc", body=body, secret="whsec_a")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://localhost:8000/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/",
    ],
)
def test_only_public_https_addresses_can_be_registered(alice, url):
    with pytest.raises(ValidationError):
        services.endpoint_create(owner=alice.user, url=url, event_types=["tip.received"])
    assert not Endpoint.objects.exists()


def test_bad_choices_and_non_creators_are_refused(alice, bob):
    with pytest.raises(ValidationError):
        services.endpoint_create(owner=alice.user, url="https://example.com/h", event_types=[])
    with pytest.raises(ValidationError):
        services.endpoint_create(
            owner=alice.user, url="https://example.com/h", event_types=["tip.received", "x"]
        )
    with pytest.raises(ValidationError):
        services.endpoint_create(
            owner=bob, url="https://example.com/h", event_types=["tip.received"]
        )
    endpoint, _ = services.endpoint_create(
        owner=alice.user, url="https://example.com/h", event_types=["tip.received"]
    )
    assert endpoint.event_types == ["tip.received"]


def test_the_studio_shows_the_secret_once_sends_a_test_and_logs_it(
    client, receiver, alice, charlie, django_capture_on_commit_callbacks
):
    client.force_login(alice.user)
    assert client.get("/studio/webhooks/").status_code == 200
    response = client.post(
        "/studio/webhooks/",
        {"url": receiver.url, "description": "My CRM", "event_types": ["tip.received"]},
    )
    endpoint = Endpoint.objects.get(owner=alice.user)
    assert response["Location"] == f"/studio/webhooks/{endpoint.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret in page and 'data-testid="endpoint-secret"' in page
    assert endpoint.secret not in client.get(response["Location"]).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/studio/webhooks/{endpoint.pk}/test/", follow=True)
    assert "Test event queued: its answer appears in the delivery log." in (
        response.content.decode()
    )
    page = client.get(f"/studio/webhooks/{endpoint.pk}/").content.decode()
    assert "test.ping" in page and "HTTP 200" in page and "Delivered" in page
    assert json.loads(receiver.requests[0].body)["type"] == "test.ping"

    response = client.post(f"/studio/webhooks/{endpoint.pk}/rotate/", follow=True)
    endpoint.refresh_from_db()
    assert endpoint.secret in response.content.decode()

    # Bad input is a form error, nothing changed.
    response = client.post(
        f"/studio/webhooks/{endpoint.pk}/", {"url": "https://example.com/", "event_types": []}
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url

    # Another creator sees nothing of it.
    client.force_login(charlie.user)
    assert client.get(f"/studio/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/studio/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert client.post(f"/studio/webhooks/{endpoint.pk}/test/").status_code == 404
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()
