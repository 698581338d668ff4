"""Stripe webhooks: verify, store once, let the services catch up with Stripe, and
hand the event to dj-stripe for its mirror of Stripe objects.

Refused with 400 and nothing written: a missing or wrong signature, a timestamp
older than 300 s, a body that is not a Stripe event. Accepted events are stored by
id in the same transaction as their effects, so a redelivery finds the row and does
nothing. Handlers ask Stripe for the object's current state instead of trusting
the event's copy, so events arriving out of order end in the same balances.
"""

import json
import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from djstripe import models as djstripe_models

from payments import services
from payments.models import StripeEvent
from payments.webhook_scrub import erased_customer, scrubbed

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300


def _payment_intent_event(event: dict) -> None:
    services.payment_intent_settle(payment_intent_id=event["data"]["object"]["id"])


def _invoice_event(event: dict) -> None:
    services.invoice_settle(invoice_id=event["data"]["object"]["id"])


def _invoice_unpaid_event(event: dict) -> None:
    services.invoice_payment_failed(invoice_id=event["data"]["object"]["id"])


def _subscription_event(event: dict) -> None:
    services.subscription_sync(subscription_id=event["data"]["object"]["id"])


def _mirror(event: dict) -> None:
    """Let dj-stripe mirror the event's objects (customers, invoices, ...).

    After commit and outside the money path: the mirror is for looking things up
    (admin, support), so a failure here is logged and never undoes a payment.
    """
    try:
        djstripe_models.Event.process(data=event)
    except Exception as exc:  # a mirror failure must not turn a processed event into a 500
        if settings.STRIPE_USES_LOCALSTRIPE:
            # localstripe fakes most, not all, of what dj-stripe reads; a gap there
            # is worth a line in the log, not a traceback on every payment.
            logger.warning("dj-stripe did not mirror %s: %s", event.get("type"), exc)
        else:
            logger.exception("dj-stripe could not mirror Stripe event %s", event.get("id"))


def _account_event(event: dict) -> None:
    services.connect_account_sync(stripe_account_id=event["data"]["object"]["id"])


def _dispute_event(event: dict) -> None:
    services.dispute_settle(dispute_id=event["data"]["object"]["id"])


HANDLERS = {
    "charge.dispute.created": _dispute_event,
    "charge.dispute.funds_withdrawn": _dispute_event,
    "charge.dispute.closed": _dispute_event,
    "account.updated": _account_event,
    "invoice.paid": _invoice_event,
    "invoice.payment_succeeded": _invoice_event,
    "invoice.payment_failed": _invoice_unpaid_event,
    "invoice.payment_action_required": _invoice_unpaid_event,
    "customer.subscription.updated": _subscription_event,
    "customer.subscription.deleted": _subscription_event,
    "payment_intent.succeeded": _payment_intent_event,
    "payment_intent.payment_failed": _payment_intent_event,
    "payment_intent.canceled": _payment_intent_event,
}


@csrf_exempt  # Stripe cannot send a CSRF token; the signature authenticates it
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    payload = request.body
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            request.headers.get("Stripe-Signature", ""),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=SIGNATURE_TOLERANCE_SECONDS,
        )
        event = json.loads(payload)
        event_id, event_type = event["id"], event["type"]
        event["data"]["object"]["id"]  # noqa: B018 - every event we handle names its object
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("Invalid Stripe webhook.")
    # A late event about an erased account brings no personal data back (webhook_scrub).
    erased = erased_customer(event)
    if erased:
        event = scrubbed(event)

    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    StripeEvent.objects.create(event_id=event_id, type=event_type, payload=event)
            except IntegrityError:
                # Stored before (a redelivery), or by a twin delivery that held the
                # row until it committed: either way its effects are in place.
                return HttpResponse("Already processed.")
            handler = HANDLERS.get(event_type)
            if handler is not None:
                handler(event)
            if not erased:  # the mirror would store the erased customer again
                transaction.on_commit(lambda: _mirror(event))
    except stripe.StripeError:
        # Stripe was unreachable while we checked the object: nothing was stored,
        # so Stripe's retry will try again.
        logger.exception("Stripe webhook %s could not be processed", event_id)
        return HttpResponse("Try again later.", status=503)
    return HttpResponse("OK")
