"""Patches applied to localstripe 1.15.10 by scripts/localstripe_server.py so that
dj-stripe 2.11 can mirror its objects. Stock localstripe works for the SDK
calls; these only fill the gaps dj-stripe trips on:

  * GET  /v1/account                -> fixed platform account (dj-stripe's
                                       APIKey.refresh_account() calls it)
  * GET  /v1/products/{id}/features -> empty list (dj-stripe Product sync
                                       calls it; otherwise logs a traceback)
  * SubscriptionItem / invoice line  -> export "subscription" (localstripe
                                       keeps it private) and a "price" view
                                       of the plan (dj-stripe 2.11 has no Plan)
  * /v1/prices (create/retrieve/list) -> thin facade over localstripe Plans
                                       (recurring prices only); subscriptions
                                       accept items[].price (mapped to plan)
  * GET  /v1/accounts               -> the Connect accounts of localstripe_connect.py
  * Subscription/Invoice/line items -> default_tax_rates/discounts = [] instead
                                       of null/missing (dj-stripe iterates them and
                                       expands "discounts")
  * POST /v1/subscriptions/{id} with  -> no "Unused time" credit (a plan change
    proration_behavior=none              from the next renewal)
  * POST /v1/subscriptions with       -> a coupon (duration "once") off the first
    discounts=[{"coupon": id}]           invoice, as a negative line "Coupon <id>"
                                       (localstripe has no discounts)
"""

import json

from aiohttp import web
from localstripe import resources as R
from localstripe.errors import UserError
from localstripe.server import app, get_post_data, unflatten_data

PLATFORM_ACCOUNT = {
    "id": "acct_localstripe",
    "object": "account",
    "livemode": False,
    "created": 1700000000,
    "type": "standard",
    "country": "FR",
    "default_currency": "eur",
    "email": "platform@example.test",
    "charges_enabled": True,
    "payouts_enabled": True,
    "details_submitted": True,
    "business_profile": {"name": "Localstripe platform"},
    "settings": {"dashboard": {"display_name": "Localstripe platform"}, "branding": {}},
    "metadata": {},
}


def _json(data, status=200):
    return web.json_response(
        data, status=status, dumps=lambda x: json.dumps(x, indent=2, sort_keys=True)
    )


def plan_as_price(plan):
    if isinstance(plan, str):
        plan = R.Plan._api_retrieve(plan)
    return {
        "id": plan.id,
        "object": "price",
        "livemode": False,
        "created": plan.created,
        "active": plan.active,
        "currency": plan.currency,
        "product": plan.product,
        "unit_amount": plan.amount,
        "unit_amount_decimal": str(plan.amount),
        "billing_scheme": plan.billing_scheme,
        "tiers_mode": plan.tiers_mode,
        "nickname": plan.nickname,
        "metadata": plan.metadata,
        "lookup_key": None,
        "tax_behavior": "unspecified",
        "type": "recurring",
        "transform_quantity": None,
        "recurring": {
            "interval": plan.interval,
            "interval_count": plan.interval_count,
            "usage_type": plan.usage_type,
            "trial_period_days": plan.trial_period_days,
            "meter": None,
        },
    }


def _item_subscription(self):
    return self._subscription


def _item_price(self):
    return plan_as_price(self.plan) if getattr(self, "plan", None) else None


def _export_defaults(cls, defaults):
    """Fill keys that real Stripe always returns but localstripe omits or nulls.
    Runs before expansion, so expand=["discounts"] etc. stops failing with
    400 "Bad expand 'discounts'"."""
    orig = cls._export

    def _export(self, expand=None):
        obj = orig(self, expand=None)
        for k, v in defaults.items():
            if obj.get(k) is None:
                obj[k] = v() if callable(v) else v
        if expand:
            tmp = _Exported(obj)
            return R.StripeObject._export(tmp, expand=expand)
        return obj

    cls._export = _export


class _Exported(R.StripeObject):
    """Wraps an already-exported dict so StripeObject._export can expand it."""

    def __init__(self, data):  # no super().__init__: must not enter the store
        self.__dict__.update(data)


def _accept_price_in_items(cls):
    """items[].price -> items[].plan (our /v1/prices ids are plan ids)."""
    orig = cls.__init__

    def __init__(self, *a, items=None, **kw):
        if isinstance(items, list):
            for it in items:
                if isinstance(it, dict) and "price" in it and "plan" not in it:
                    it["plan"] = it.pop("price")
        return orig(self, *a, items=items, **kw)

    cls.__init__ = __init__


def _first_invoice_coupon(cls):
    """discounts=[{"coupon": id}] on a new subscription: the coupon comes off its
    first invoice. localstripe bills every pending invoice item of the customer on
    the subscription's first invoice, so the discount is a pending negative item
    made just before; it is removed again if the subscription is refused."""
    orig = cls.__init__

    def __init__(self, *a, discounts=None, customer=None, items=None, **kw):
        if not discounts:
            return orig(self, *a, customer=customer, items=items, **kw)
        try:
            assert isinstance(discounts, list) and len(discounts) == 1
            assert isinstance(discounts[0], dict) and isinstance(discounts[0].get("coupon"), str)
            assert isinstance(items, list) and items and isinstance(items[0], dict)
            assert isinstance(customer, str)
        except AssertionError:
            raise UserError(400, "Bad request: discounts takes one {coupon: id}") from None
        coupon = R.Coupon._api_retrieve(discounts[0]["coupon"])
        if coupon.duration != "once":
            raise UserError(400, "localstripe compat: only coupons with duration 'once'")
        plan = R.Plan._api_retrieve(items[0]["plan"])
        if coupon.amount_off is not None:
            off = coupon.amount_off
        else:
            off = int(round(plan.amount * coupon.percent_off / 100))
        credit = R.InvoiceItem(
            customer=customer,
            amount=-min(off, plan.amount),
            currency=plan.currency,
            description=f"Coupon {coupon.id}",
        )
        try:
            orig(self, *a, customer=customer, items=items, **kw)
        except Exception:
            if credit.invoice is None:  # still pending: not for the customer's next invoice
                R.InvoiceItem._api_delete(credit.id)
            raise
        coupon.times_redeemed += 1

    cls.__init__ = __init__


def _stripe_like_404():
    """localstripe: 404 {"message": "Not Found"}; Stripe: code=resource_missing,
    "No such customer: 'cus_...'". dj-stripe treats only the latter as "object
    is gone" (e.g. when processing customer.deleted)."""
    orig = R.StripeObject._api_retrieve.__func__

    @classmethod
    def _api_retrieve(cls, id):
        try:
            return orig(cls, id)
        except UserError as e:
            if e.code == 404:
                raise UserError(
                    404,
                    f"No such {cls.object}: '{id}'",
                    {"code": "resource_missing", "param": "id"},
                ) from e
            raise

    R.StripeObject._api_retrieve = _api_retrieve


def _update_without_proration(cls):
    """POST /v1/subscriptions/{id} with proration_behavior=none (a plan change that
    takes effect at the next renewal): localstripe always adds an "Unused time"
    credit for the period already paid; drop the items that update added."""
    original = cls._update

    def _update(self, *a, proration_behavior=None, **kw):
        if proration_behavior not in (None, "none", "create_prorations"):
            raise UserError(400, "Bad request")
        prefix = R.InvoiceItem.object + ":"
        before = {key for key in list(R.store) if key.startswith(prefix)}
        original(self, *a, **kw)
        if proration_behavior == "none":
            for key in [k for k in list(R.store) if k.startswith(prefix) and k not in before]:
                item = R.store[key]
                if item.proration and item.subscription == self.id:
                    del R.store[key]

    cls._update = _update


def apply():
    _stripe_like_404()
    _update_without_proration(R.Subscription)
    _first_invoice_coupon(R.Subscription)  # wrapped by the next: sees items[].plan
    _accept_price_in_items(R.Subscription)
    # real Stripe returns [] (localstripe: null) -> dj-stripe iterates them
    _export_defaults(R.Subscription, {"default_tax_rates": list, "discounts": list})
    _export_defaults(R.Invoice, {"default_tax_rates": list, "discounts": list})
    _export_defaults(R.InvoiceLineItem, {"discounts": list})
    _export_defaults(R.InvoiceItem, {"discounts": list})
    # properties are picked up by localstripe's _export() (it walks dir(self))
    R.SubscriptionItem.subscription = property(_item_subscription)
    R.SubscriptionItem.price = property(_item_price)
    R.InvoiceLineItem.price = property(_item_price)

    async def account(request):
        return _json(PLATFORM_ACCOUNT)

    async def product_features(request):
        pid = request.match_info["id"]
        return _json(
            {"object": "list", "data": [], "has_more": False, "url": f"/v1/products/{pid}/features"}
        )

    async def price_create(request):
        d = await get_post_data(request) or {}
        rec = d.get("recurring") or {}
        if not rec.get("interval"):
            raise UserError(400, "localstripe compat: only recurring prices are supported")
        kw = dict(
            amount=d.get("unit_amount"),
            currency=d.get("currency"),
            interval=rec["interval"],
            interval_count=rec.get("interval_count", 1),
            metadata=d.get("metadata"),
            nickname=d.get("nickname"),
        )
        if "product" in d:
            kw["product"] = d["product"]
        elif "product_data" in d:
            kw["product"] = {"name": d["product_data"]["name"]}
        if "id" in d:
            kw["id"] = d["id"]
        return _json(plan_as_price(R.Plan(**kw)))

    async def price_retrieve(request):
        return _json(plan_as_price(R.Plan._api_retrieve(request.match_info["id"])))

    async def price_list(request):
        q = unflatten_data(request.query)
        li = R.Plan._api_list_all(
            "/v1/prices",
            product=q.get("product"),
            active=q.get("active"),
            limit=q.get("limit"),
            starting_after=q.get("starting_after"),
        )
        return _json(
            {
                "object": "list",
                "url": "/v1/prices",
                "has_more": li.has_more,
                "data": [plan_as_price(p) for p in li._list],
            }
        )

    app.router.add_get("/v1/account", account)
    app.router.add_get("/v1/products/{id}/features", product_features)
    app.router.add_post("/v1/prices", price_create)
    app.router.add_get("/v1/prices/{id}", price_retrieve)
    app.router.add_get("/v1/prices", price_list)
