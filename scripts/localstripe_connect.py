"""Stripe Connect (Express) for localstripe, which has none: applied by
scripts/localstripe_server.py. Just what the site's payouts use, shaped like
Stripe's API so the same code runs against the real one:

  * POST /v1/accounts, GET /v1/accounts/{id}, GET /v1/accounts
        connected accounts (type "express"); new ones have details_submitted,
        charges_enabled and payouts_enabled false until onboarding is done;
  * POST /v1/account_links
        an onboarding URL; localstripe: it points at
        /_config/connect/onboarding/{account} (localstripe's unauthenticated prefix),
        a one-button form that stands in for Stripe's hosted onboarding: submitting
        it enables the account, sends `account.updated` and returns the browser to
        `return_url`;
  * POST /v1/transfers, GET /v1/transfers/{id}
        platform -> connected account; refused unless the account may be paid out;
        the Idempotency-Key header is honoured (a retried request returns the
        first transfer and moves nothing again);
  * POST /v1/payouts with a Stripe-Account header
        connected account -> its bank, up to what transfers put there (without the
        header, localstripe's own platform payouts answer as before).

State lives in localstripe's store (so it is saved with the rest), under keys
"connect:<kind>:<id>".
"""

import html
import time
from urllib.parse import urlencode

from aiohttp import web
from localstripe import resources as R
from localstripe.errors import UserError
from localstripe.server import app, get_post_data, json_response
from localstripe.webhooks import schedule_webhook


def _key(kind, id):
    return f"connect:{kind}:{id}"


def _get(kind, id):
    obj = R.store.get(_key(kind, id))
    if obj is None:
        raise UserError(404, f"No such {kind}: '{id}'")
    return obj


def _put(kind, obj):
    R.store[_key(kind, obj["id"])] = obj
    return obj


def _new_id(prefix):
    return prefix + R.random_id(16)


class _Exported:
    """What localstripe's Event needs from an object: `_export()`."""

    def __init__(self, data):
        self.data = data

    def _export(self, expand=None):
        return dict(self.data)


def _account_public(account):
    return {k: v for k, v in account.items() if k != "balance"}


def _idempotent(request, kind):
    """The object a request with the same Idempotency-Key already made, if any."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return None, None
    done = R.store.get(_key(f"idempotency:{kind}", key))
    return (_get(kind, done) if done else None), key


async def account_create(request):
    data = await get_post_data(request) or {}
    if data.get("type", "express") != "express":
        raise UserError(400, "localstripe connect: only Express accounts are supported")
    account = {
        "id": _new_id("acct_"),
        "object": "account",
        "type": "express",
        "created": int(time.time()),
        "livemode": False,
        "country": data.get("country", "US"),
        "email": data.get("email"),
        "default_currency": "usd",
        "details_submitted": False,
        "charges_enabled": False,
        "payouts_enabled": False,
        "capabilities": {"transfers": "inactive"},
        "requirements": {"currently_due": ["external_account", "tos_acceptance.date"]},
        "metadata": data.get("metadata") or {},
        "balance": {},
    }
    return json_response(_account_public(_put("account", account)))


async def account_retrieve(request):
    return json_response(_account_public(_get("account", request.match_info["id"])))


async def account_list(request):
    accounts = [_account_public(v) for k, v in R.store.items() if k.startswith("connect:account:")]
    return json_response(
        {"object": "list", "data": accounts, "has_more": False, "url": "/v1/accounts"}
    )


async def account_link_create(request):
    data = await get_post_data(request) or {}
    account = _get("account", str(data.get("account", "")))
    for field in ("refresh_url", "return_url"):
        if not str(data.get(field, "")).startswith(("http://", "https://")):
            raise UserError(400, f"Missing required param: {field}.")
    query = urlencode({"return_url": data["return_url"], "refresh_url": data["refresh_url"]})
    host = request.host
    return json_response(
        {
            "object": "account_link",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
            "url": f"http://{host}/_config/connect/onboarding/{account['id']}?{query}",
        }
    )


ONBOARDING_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Stripe Express onboarding (localstripe)</title></head><body>
<h1>Set up payouts (localstripe stand-in for Stripe Express)</h1>
<p>Account {account}</p>
<form method="post"><input type="hidden" name="return_url" value="{return_url}">
<button type="submit" data-testid="connect-submit">Submit details</button></form>
</body></html>"""


async def onboarding_page(request):
    account = _get("account", request.match_info["id"])
    return web.Response(
        text=ONBOARDING_PAGE.format(
            account=html.escape(account["id"]),
            return_url=html.escape(request.query.get("return_url", "")),
        ),
        content_type="text/html",
    )


async def onboarding_submit(request):
    account = _get("account", request.match_info["id"])
    form = await request.post()
    account.update(
        details_submitted=True,
        charges_enabled=True,
        payouts_enabled=True,
        capabilities={"transfers": "active"},
        requirements={"currently_due": []},
    )
    _put("account", account)
    schedule_webhook(R.Event("account.updated", _Exported(_account_public(account))))
    return_url = form.get("return_url", "")
    if return_url.startswith(("http://", "https://")):
        raise web.HTTPFound(return_url)
    return web.Response(text="Onboarding complete.")


async def transfer_create(request):
    done, key = _idempotent(request, "transfer")
    if done is not None:
        return json_response(done)
    data = await get_post_data(request) or {}
    account = _get("account", str(data.get("destination", "")))
    amount = R.try_convert_to_int(data.get("amount"))
    currency = str(data.get("currency", "")).lower()
    if type(amount) is not int or amount <= 0 or len(currency) != 3:
        raise UserError(400, "Invalid amount or currency")
    if not account["payouts_enabled"]:
        raise UserError(
            400,
            "Your destination account needs to have at least one of the following "
            "capabilities enabled: transfers, crypto_transfers, legacy_payments",
        )
    transfer = {
        "id": _new_id("tr_"),
        "object": "transfer",
        "amount": amount,
        "currency": currency,
        "destination": account["id"],
        "created": int(time.time()),
        "reversed": False,
        "metadata": data.get("metadata") or {},
    }
    account["balance"][currency] = account["balance"].get(currency, 0) + amount
    _put("account", account)
    _put("transfer", transfer)
    if key:
        R.store[_key("idempotency:transfer", key)] = transfer["id"]
    return json_response(transfer)


async def transfer_retrieve(request):
    return json_response(_get("transfer", request.match_info["id"]))


async def connected_payout_create(request):
    """A payout from a connected account (Stripe-Account header) to its bank."""
    done, key = _idempotent(request, "payout")
    if done is not None:
        return json_response(done)
    account = _get("account", request.headers["Stripe-Account"])
    data = await get_post_data(request) or {}
    amount = R.try_convert_to_int(data.get("amount"))
    currency = str(data.get("currency", "")).lower()
    if type(amount) is not int or amount <= 0:
        raise UserError(400, "Invalid amount")
    if account["balance"].get(currency, 0) < amount:
        raise UserError(400, "You have insufficient funds in your Stripe account.")
    account["balance"][currency] -= amount
    payout = {
        "id": _new_id("po_"),
        "object": "payout",
        "amount": amount,
        "currency": currency,
        "status": "pending",
        "automatic": False,
        "arrival_date": int(time.time()) + 2 * 86400,
        "created": int(time.time()),
        "metadata": data.get("metadata") or {},
        "account": account["id"],
    }
    _put("account", account)
    _put("payout", payout)
    if key:
        R.store[_key("idempotency:payout", key)] = payout["id"]
    return json_response(payout)


@web.middleware
async def connected_account_requests(request, handler):
    """Route POST /v1/payouts made on behalf of a connected account here; the rest
    (and platform payouts) go to localstripe as before. Innermost middleware: auth
    has already run."""
    if request.method == "POST" and request.path == "/v1/payouts":
        if request.headers.get("Stripe-Account"):
            return await connected_payout_create(request)
    return await handler(request)


def apply():
    app.middlewares.append(connected_account_requests)
    app.router.add_post("/v1/accounts", account_create)
    app.router.add_get("/v1/accounts", account_list)
    app.router.add_get("/v1/accounts/{id}", account_retrieve)
    app.router.add_post("/v1/account_links", account_link_create)
    app.router.add_post("/v1/transfers", transfer_create)
    app.router.add_get("/v1/transfers/{id}", transfer_retrieve)
    app.router.add_get("/_config/connect/onboarding/{id}", onboarding_page)
    app.router.add_post("/_config/connect/onboarding/{id}", onboarding_submit)
