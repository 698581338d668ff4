"""A Stripe webhook that arrives after its customer's account was erased brings no
personal data back: scrubbed on arrival, not mirrored, money still settled."""

import json

from django.utils import timezone
from djstripe.models import Customer as MirroredCustomer

from accounts.models import AccountDeletion
from payments import gateway
from payments.models import StripeCustomer, StripeEvent
from payments.webhook_scrub import scrubbed
from tests.payments.test_webhooks import URL, signed

NAME, EMAIL = "Dora Deleted", "dora.billing@example.com"


def _customer_and_card(user):
    """A real customer and its card at (local)stripe, with billing details."""
    customer = gateway.client().v1.customers.create(
        params={"email": EMAIL, "name": NAME, "phone": "+8613800000000"}
    )
    StripeCustomer.objects.create(user=user, customer_id=customer.id)
    method = gateway.client().v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
            "billing_details": {
                "name": NAME,
                "email": EMAIL,
                "address": {"line1": "1 Nanjing Rd", "city": "Shanghai"},
            },
        }
    )
    gateway.client().v1.payment_methods.attach(method.id, params={"customer": customer.id})
    method = gateway.client().v1.payment_methods.retrieve(method.id)
    assert method.billing_details["email"] == EMAIL  # what Stripe would send back
    return customer, method


def _deliver(client, event_id, type_, obj):
    payload = json.dumps(
        {"id": event_id, "type": type_, "data": {"object": obj.to_dict()}}
    ).encode()
    return client.post(URL, payload, content_type="application/json", **signed(payload))


def _erase(user):
    user.deleted_at = timezone.now()
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.display_name = ""
    user.save()
    AccountDeletion.objects.create(
        user=user, status=AccountDeletion.Status.DONE, due_at=timezone.now()
    )


def test_a_late_event_about_an_erased_customer_is_scrubbed_on_arrival(
    client, bob, django_capture_on_commit_callbacks
):
    customer, method = _customer_and_card(bob)
    _erase(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert _deliver(client, "evt_late_pm", "payment_method.updated", method).status_code == 200
        assert _deliver(client, "evt_late_cus", "customer.updated", customer).status_code == 200
    stored = json.dumps([e.payload for e in StripeEvent.objects.all()])
    assert StripeEvent.objects.count() == 2  # stored (no redelivery loop), handled
    assert EMAIL not in stored and NAME not in stored and "Nanjing" not in stored
    assert "+8613800000000" not in stored
    assert method.id in stored and customer.id in stored  # ids and amounts stay
    assert not MirroredCustomer.objects.filter(id=customer.id).exists()  # not mirrored


def test_events_of_living_customers_are_stored_as_sent(
    client, bob, django_capture_on_commit_callbacks
):
    customer, _method = _customer_and_card(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert _deliver(client, "evt_alive", "customer.updated", customer).status_code == 200
    assert StripeEvent.objects.get(event_id="evt_alive").payload["data"]["object"]["email"] == EMAIL


def test_scrub_blanks_personal_fields_at_any_depth_and_keeps_the_rest():
    event = {
        "id": "evt_1",
        "data": {
            "object": {
                "id": "ch_1",
                "amount": 990,
                "billing_details": {"name": NAME, "email": EMAIL},
                "charges": {"data": [{"receipt_email": EMAIL, "status": "succeeded"}]},
                "customer_name": NAME,
            }
        },
    }
    clean = scrubbed(event)
    assert EMAIL not in json.dumps(clean) and NAME not in json.dumps(clean)
    assert clean["data"]["object"]["amount"] == 990
    assert clean["data"]["object"]["charges"]["data"][0]["status"] == "succeeded"
