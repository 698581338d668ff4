"""Development and test glue for localstripe (never used against real Stripe)."""

import urllib.parse
import urllib.request

from django.conf import settings


def register_localstripe_webhook(url: str, *, name: str = "zhiliao") -> None:
    """Ask localstripe to deliver its events, signed with STRIPE_WEBHOOK_SECRET, to `url`.

    localstripe: real Stripe is configured in its dashboard; localstripe takes this
    private `/_config/webhooks/<name>` call instead.
    """
    if not settings.STRIPE_USES_LOCALSTRIPE:
        raise RuntimeError("Refusing to configure webhooks on real Stripe this way.")
    body = urllib.parse.urlencode({"url": url, "secret": settings.STRIPE_WEBHOOK_SECRET})
    request = urllib.request.Request(  # noqa: S310 - a loopback URL from settings
        f"{settings.STRIPE_API_BASE}/_config/webhooks/{name}", data=body.encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        response.read()
