"""Creator webhooks: endpoints (create, edit, turn on and off, rotate the secret,
delete), deliveries recorded from domain events, attempts with exponential backoff,
test events, and turning off an endpoint that keeps failing.

An attempt never holds a database transaction across the HTTP call: it claims the
delivery (a short lease in `next_attempt_at`), posts, then records the outcome."""

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.services.notify import notify
from hooks import payloads, sender, signing
from hooks.models import TEST_EVENT, Delivery, Endpoint, EventType

Status = Delivery.Status
LEASE = timedelta(minutes=2)  # an attempt in flight; a crashed one is retried after


def _event_types(chosen: list[str]) -> list[str]:
    known = set(EventType.values)
    picked = [t for t in EventType.values if t in set(chosen)]
    if not picked or not set(chosen) <= known:
        raise ValidationError({"event_types": _("Choose at least one event.")})
    return picked


def _owned(endpoint: Endpoint, owner: User) -> None:
    if endpoint.owner_id != owner.pk:
        raise ValidationError(_("This is not your endpoint."))


@transaction.atomic
def endpoint_create(
    *, owner: User, url: str, event_types: list[str], description: str = ""
) -> tuple[Endpoint, str]:
    """A new endpoint and its secret (returned here only: the creator sees it once)."""
    if not hasattr(owner, "creator_profile"):
        raise ValidationError(_("Only creators can register webhooks."))
    if Endpoint.objects.filter(owner=owner).count() >= settings.WEBHOOKS_MAX_ENDPOINTS:
        raise ValidationError(
            _("You have %(n)s endpoints, the most allowed. Delete one first.")
            % {"n": settings.WEBHOOKS_MAX_ENDPOINTS}
        )
    secret = signing.secret_new()
    endpoint = Endpoint.objects.create(
        owner=owner,
        url=sender.url_check(url),
        description=description.strip()[:120],
        event_types=_event_types(event_types),
        secret=secret,
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *, endpoint: Endpoint, owner: User, url: str, event_types: list[str], description: str = ""
) -> Endpoint:
    _owned(endpoint, owner)
    endpoint.url = sender.url_check(url)
    endpoint.event_types = _event_types(event_types)
    endpoint.description = description.strip()[:120]
    endpoint.save(update_fields=["url", "event_types", "description"])
    return endpoint


@transaction.atomic
def endpoint_set_active(*, endpoint: Endpoint, owner: User, on: bool) -> Endpoint:
    """Turn on (forgetting past failures) or off. Turned off, nothing is sent; what
    was waiting is marked failed."""
    _owned(endpoint, owner)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_active = on
    endpoint.disabled_reason = "" if on else _("Turned off by you.")
    endpoint.failures = 0
    endpoint.failing_since = None
    endpoint.save(update_fields=["is_active", "disabled_reason", "failures", "failing_since"])
    if not on:
        _give_up_pending(endpoint, _("The endpoint was turned off."))
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, owner: User) -> None:
    _owned(endpoint, owner)
    endpoint.delete()


@transaction.atomic
def secret_rotate(*, endpoint: Endpoint, owner: User) -> str:
    """A new secret (returned once). The old one keeps signing beside it for
    WEBHOOKS_ROTATION_GRACE seconds, so the receiver can switch without a gap."""
    _owned(endpoint, owner)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = signing.secret_new()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + timedelta(
        seconds=settings.WEBHOOKS_ROTATION_GRACE
    )
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return secret


def _queue_on_commit(delivery: Delivery, eta: datetime | None = None) -> None:
    # The task module imports this one: imported here, when a delivery is queued.
    from hooks.tasks import delivery_attempt_task

    def queue() -> None:
        if eta is None:
            delivery_attempt_task.delay(delivery.pk)
        else:
            delivery_attempt_task.apply_async((delivery.pk,), eta=eta)

    transaction.on_commit(queue)


def _delivery_new(endpoint: Endpoint, *, type_: str, source_key: str, data: dict) -> Delivery:
    event_id = "evt_" + uuid.uuid4().hex
    payload = {
        "id": event_id,
        "type": type_,
        "created": int(timezone.now().timestamp()),
        "data": data,
    }
    delivery, created = Delivery.objects.get_or_create(
        endpoint=endpoint,
        source_key=source_key,
        defaults={
            "event_id": event_id,
            "event_type": type_,
            "payload": payload,
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        _queue_on_commit(delivery)
    return delivery


@transaction.atomic
def event_record(*, type_: str, fields: dict[str, Any]) -> list[Delivery]:
    """One delivery per active endpoint of the creator that subscribes to `type_`
    (once per endpoint and event, however often the event is replayed)."""
    hook = payloads.build(type_, fields)
    if hook is None:
        return []
    endpoints = Endpoint.objects.filter(
        owner_id=hook.owner_id, is_active=True, event_types__contains=[hook.type]
    )
    return [
        _delivery_new(endpoint, type_=hook.type, source_key=hook.source_key, data=hook.data)
        for endpoint in endpoints
    ]


@transaction.atomic
def test_send(*, endpoint: Endpoint, owner: User) -> Delivery:
    """A `test.ping` event to the endpoint now (once, no retries)."""
    _owned(endpoint, owner)
    return _delivery_new(
        endpoint,
        type_=TEST_EVENT,
        source_key=f"test:{uuid.uuid4().hex}",
        data={"message": "Test event from Zhiliao", "endpoint_id": endpoint.pk},
    )


@transaction.atomic
def delivery_resend(*, delivery: Delivery, owner: User) -> Delivery:
    """Try a failed delivery again, now (the creator's "Resend")."""
    _owned(delivery.endpoint, owner)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != Status.FAILED:
        raise ValidationError(_("Only a failed delivery can be sent again."))
    if not delivery.endpoint.is_active:
        raise ValidationError(_("Turn the endpoint on first."))
    delivery.status = Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    _queue_on_commit(delivery)
    return delivery


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: base x 4^(n-1), capped (1 min, 4 min,
    16 min, 64 min, 4.3 h, then every 6 h with the defaults)."""
    seconds = settings.WEBHOOKS_RETRY_BASE * 4 ** (attempts - 1)
    return timedelta(seconds=min(seconds, settings.WEBHOOKS_RETRY_CAP))


def _claim(delivery_id: int, now: datetime) -> Delivery | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        if not delivery.endpoint.is_active and delivery.event_type != TEST_EVENT:
            return None
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["next_attempt_at"])
        return delivery


def _signing_secrets(endpoint: Endpoint, now: datetime) -> list[str]:
    grace = endpoint.previous_secret_until is not None and endpoint.previous_secret_until > now
    return [endpoint.secret] + ([endpoint.previous_secret] if grace else [])


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send a due delivery once and record the answer; schedule the next try after a
    failure, or give up once WEBHOOKS_RETRY_FOR has passed. Returns the status, or
    "skipped" when it was not due (sent, in flight, not yet time, endpoint off)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "skipped"
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    stamp = int(timezone.now().timestamp())
    outcome = sender.post(
        url=endpoint.url,
        body=body,
        headers={
            signing.HEADER: signing.header_value(
                secrets_=_signing_secrets(endpoint, now), timestamp=stamp, body=body
            ),
            "Zhiliao-Event": delivery.event_type,
            "Zhiliao-Delivery": delivery.event_id,
        },
    )
    return _record(delivery, outcome, now)


@transaction.atomic
def _record(delivery: Delivery, outcome: sender.Outcome, now: datetime) -> str:
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = outcome.status_code
    delivery.response_body = outcome.body
    delivery.error = outcome.error
    is_test = delivery.event_type == TEST_EVENT
    if outcome.ok:
        delivery.status = Status.SUCCEEDED
        delivery.next_attempt_at = None
        if not is_test:
            Endpoint.objects.filter(pk=delivery.endpoint_id).update(failures=0, failing_since=None)
    else:
        wait = backoff(delivery.attempts)
        deadline = delivery.created_at + timedelta(seconds=settings.WEBHOOKS_RETRY_FOR)
        if is_test or now + wait > deadline:
            delivery.status = Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + wait
            _queue_on_commit(delivery, eta=delivery.next_attempt_at)
    delivery.save()
    if not outcome.ok and not is_test:
        _failure_count(delivery.endpoint, now)  # may give this delivery up too
        delivery.refresh_from_db(fields=["status"])
    return delivery.status


def _failure_count(endpoint: Endpoint, now: datetime) -> None:
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.save(update_fields=["failures", "failing_since"])
    failing_for = (now - endpoint.failing_since).total_seconds()
    if (
        endpoint.is_active
        and endpoint.failures >= settings.WEBHOOKS_DISABLE_AFTER_FAILURES
        and failing_for >= settings.WEBHOOKS_DISABLE_AFTER_SECONDS
    ):
        _disable(endpoint)


def _disable(endpoint: Endpoint) -> None:
    since = int((endpoint.failing_since or timezone.now()).timestamp())
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False,
        disabled_reason=_("Turned off after %(n)s failed deliveries in a row.")
        % {"n": endpoint.failures},
    )
    _give_up_pending(endpoint, "The endpoint was turned off after repeated failures.")
    notify(
        user=endpoint.owner,
        kind=NotificationKind.OTHER,
        key=f"hooks:disabled:{endpoint.pk}:{since}",
        text=lambda: (
            _(
                "Your webhook endpoint %(url)s kept failing and was turned off. "
                "Fix it, then turn it back on in the studio."
            )
            % {"url": endpoint.url}
        ),
        url=reverse("hooks:endpoint", args=[endpoint.pk]),
    )


def _give_up_pending(endpoint: Endpoint, why: str) -> None:
    endpoint.deliveries.filter(status=Status.PENDING).exclude(event_type=TEST_EVENT).update(
        status=Status.FAILED, next_attempt_at=None, error=why[:300]
    )


def deliveries_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue an attempt for every pending delivery whose time has come (beat, each
    minute): retries survive a worker restart that lost their queued task."""
    # The task module imports this one: imported here, when the sweep runs.
    from hooks.tasks import delivery_attempt_task

    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        delivery_attempt_task.delay(pk)
    return len(ids)
