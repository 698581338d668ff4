"""Development and test glue for localstripe (never used against real Stripe)."""

import json
import urllib.request

from django.conf import settings

# localstripe has no call to remove a webhook: a disabled one points nowhere and
# subscribes to no event, so nothing is ever sent to it.
_NOWHERE = "http://127.0.0.1:9/"


def register_localstripe_webhook(
    url: str, *, name: str = "zhiliao", events: list[str] | None = None
) -> None:
    """Ask localstripe to deliver its events (all, or only `events`), signed with
    STRIPE_WEBHOOK_SECRET, to `url`.

    localstripe: real Stripe is configured in its dashboard; localstripe takes this
    private `/_config/webhooks/<name>` call instead.
    """
    if not settings.STRIPE_USES_LOCALSTRIPE:
        raise RuntimeError("Refusing to configure webhooks on real Stripe this way.")
    body = {"url": url, "secret": settings.STRIPE_WEBHOOK_SECRET}
    if events is not None:
        body["events"] = events
    request = urllib.request.Request(  # noqa: S310 - a loopback URL from settings
        f"{settings.STRIPE_API_BASE}/_config/webhooks/{name}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        response.read()


def disable_localstripe_webhook(*, name: str = "zhiliao") -> None:
    """Stop deliveries to the webhook `name`, including those still queued (localstripe
    reads its webhooks when it sends, a second after the event)."""
    register_localstripe_webhook(_NOWHERE, name=name, events=[])
