"""Card disputes (chargebacks) for localstripe, which has none: applied by
scripts/localstripe_server.py.

  * GET  /v1/disputes/{id}            a dispute, shaped like Stripe's;
  * POST /_config/disputes            localstripe: the card holder's bank opens a
                                      dispute on a PaymentIntent's charge (fields
                                      `payment_intent`, optional `reason`); sends
                                      `charge.dispute.created`;
  * POST /_config/disputes/{id}/close localstripe: the bank decides (`status` won or
                                      lost); sends `charge.dispute.closed`.

The /_config/ endpoints stand in for what only a bank can do at real Stripe (test
cards that dispute themselves); the site reads disputes through /v1/disputes only.
"""

import time

from localstripe import resources as R
from localstripe.errors import UserError
from localstripe.server import app, get_post_data, json_response
from localstripe.webhooks import schedule_webhook

REASONS = {"fraudulent", "product_not_received", "duplicate", "general", "unrecognized"}


class _Exported:
    def __init__(self, data):
        self.data = data

    def _export(self, expand=None):
        return dict(self.data)


def _get(id):
    dispute = R.store.get(f"dispute:{id}")
    if dispute is None:
        raise UserError(404, f"No such dispute: '{id}'")
    return dispute


async def dispute_open(request):
    data = await get_post_data(request) or {}
    intent = R.PaymentIntent._api_retrieve(str(data.get("payment_intent", "")))
    charge = intent.latest_charge
    if charge is None or charge.status != "succeeded":
        raise UserError(400, "Only a succeeded charge can be disputed")
    reason = data.get("reason", "fraudulent")
    if reason not in REASONS:
        raise UserError(400, f"reason must be one of {sorted(REASONS)}")
    dispute = {
        "id": "dp_" + R.random_id(16),
        "object": "dispute",
        "amount": intent.amount,
        "currency": intent.currency,
        "charge": charge.id,
        "payment_intent": intent.id,
        "reason": reason,
        "status": "needs_response",
        "created": int(time.time()),
        "livemode": False,
        "metadata": {},
    }
    R.store[f"dispute:{dispute['id']}"] = dispute
    schedule_webhook(R.Event("charge.dispute.created", _Exported(dispute)))
    return json_response(dispute)


async def dispute_close(request):
    dispute = _get(request.match_info["id"])
    data = await get_post_data(request) or {}
    if data.get("status") not in ("won", "lost"):
        raise UserError(400, "status must be won or lost")
    dispute["status"] = data["status"]
    R.store[f"dispute:{dispute['id']}"] = dispute
    schedule_webhook(R.Event("charge.dispute.closed", _Exported(dispute)))
    return json_response(dispute)


async def dispute_retrieve(request):
    return json_response(_get(request.match_info["id"]))


def apply():
    app.router.add_get("/v1/disputes/{id}", dispute_retrieve)
    app.router.add_post("/_config/disputes", dispute_open)
    app.router.add_post("/_config/disputes/{id}/close", dispute_close)
