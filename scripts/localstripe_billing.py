"""Subscription billing for localstripe (development and tests only), applied by
scripts/localstripe_server.py after localstripe_compat.

localstripe 1.15.10 bills a subscription's first invoice and little else: every
period is the first one, a plan change credits whole past invoices as "Unused
time" and bills nothing, and a failed renewal sends no event. This module adds
what Stripe does, as its test mode shows it:

  * POST /v1/subscriptions/{id} with items=[{id, plan|price}] and
    proration_behavior "create_prorations" (the default) or "always_invoice":
    the item changes at once, and two proration invoice items cover the rest of
    the current period, "Unused time on <old>" (-old price x time left) and
    "Remaining time on <new>" (+new price x time left), each rounded to the minor
    unit as Stripe does, over [proration_date (default now), period end].
    "create_prorations" leaves them for the next invoice; "always_invoice" bills
    them now (a net credit is left for the next invoice instead). With
    payment_behavior="error_if_incomplete" an invoice that is not paid at once
    (declined, or the card needs 3-D Secure) undoes the whole update: 402, as
    Stripe answers. "none" changes the plan with no proration.
  * POST /_test/subscriptions/{id}/renew stands in for a test clock reaching the
    period end: the subscription moves to its next period and its invoice is
    billed to the customer's default card (any pending items on it). Paid: active,
    `invoice.paid`. Declined: `past_due`, `invoice.payment_failed`. The card needs
    3-D Secure: `past_due`, `invoice.payment_action_required` (the PaymentIntent
    waits in requires_action; confirming it pays the invoice and the subscription
    is active again). A subscription set to cancel at period end ends instead
    (`customer.subscription.deleted`). Every change of status sends
    `customer.subscription.updated`.
  * `invoice.paid` (Stripe sends it beside `invoice.payment_succeeded`).
"""

import time

from localstripe import resources as R
from localstripe.errors import UserError
from localstripe.server import app, json_response
from localstripe.webhooks import schedule_webhook


def _period_anchor():
    """A subscription's periods start at `_period_anchor` (moved on by each renewal)
    rather than always at its start date."""

    def _current_period(self):
        anchor = None
        if self._subscription:
            sub = R.Subscription._api_retrieve(self._subscription)
            anchor = getattr(sub, "_period_anchor", None) or sub.start_date
        start = anchor or int(time.time())
        end = R.datetime.fromtimestamp(start)
        interval = self.plan.interval
        count = self.plan.interval_count or 1
        if interval == "day":
            end += R.timedelta(days=count)
        elif interval == "week":
            end += R.timedelta(days=7 * count)
        elif interval == "month":
            end += R.relativedelta(months=count)
        elif interval == "year":
            end += R.relativedelta(years=count)
        return {"start": start, "end": int(end.timestamp())}

    R.SubscriptionItem._current_period = _current_period


def _invoice_paid_event():
    orig = R.Invoice._on_payment_success

    def _on_payment_success(self):
        orig(self)
        schedule_webhook(R.Event("invoice.paid", self))

    R.Invoice._on_payment_success = _on_payment_success


def _plan_name(plan):
    if plan.nickname:
        return plan.nickname
    try:
        return R.Product._api_retrieve(plan.product).name
    except UserError:
        return plan.id


def _prorations(sub, old_plan, new_plan, when):
    """Stripe's two proration lines for switching plans at `when`."""
    start, end = sub.current_period_start, sub.current_period_end
    when = min(max(when, start), end)
    left = (end - when) / (end - start)
    lines = []
    for plan, sign, text in ((old_plan, -1, "Unused time on"), (new_plan, 1, "Remaining time on")):
        amount = sign * round(plan.amount * sub.quantity * left)
        if amount:
            lines.append(
                R.InvoiceItem(
                    customer=sub.customer,
                    subscription=sub.id,
                    plan=plan.id,
                    amount=amount,
                    currency=plan.currency,
                    proration=True,
                    description=f"{text} {_plan_name(plan)}",
                    period_start=when,
                    period_end=end,
                )
            )
    return lines


def _snapshot(sub):
    return {k: getattr(sub, k) for k in ("items", "quantity", "status", "latest_invoice")}


def _undo(sub, before, items, invoice):
    for key, value in before.items():
        setattr(sub, key, value)
    for item in items:
        if item.invoice is None:
            R.InvoiceItem._api_delete(item.id)
    if invoice is not None:
        if invoice.payment_intent:
            intent = R.PaymentIntent._api_retrieve(invoice.payment_intent)
            intent._canceled = True
            intent.next_action = None
        invoice._voided = True
        invoice.status_transitions["voided_at"] = int(time.time())


def _plan_change():
    orig = R.Subscription._update

    def _update(
        self,
        items=None,
        proration_behavior=None,
        payment_behavior=None,
        proration_date=None,
        **kw,
    ):
        proration_date = R.try_convert_to_int(proration_date)
        try:
            assert proration_behavior in (None, "create_prorations", "always_invoice", "none")
            assert payment_behavior in (
                None,
                "allow_incomplete",
                "error_if_incomplete",
                "pending_if_incomplete",
                "default_incomplete",
            )
            assert proration_date is None or isinstance(proration_date, int)
            if items is not None:
                assert isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict)
                item = items[0]
                if "price" in item and "plan" not in item:
                    item["plan"] = item.pop("price")
                assert set(item) <= {"id", "plan"} and isinstance(item.get("plan"), str)
                assert item.get("id") in (None, self.items._list[0].id)
        except AssertionError:
            raise UserError(400, "Bad request") from None
        changed = []
        invoice = None
        before = _snapshot(self)
        if items is not None and items[0]["plan"] != self.plan.id:
            if self.status not in ("active", "trialing"):
                raise UserError(400, f"This subscription is {self.status}: pay it first.")
            new_plan = R.Plan._api_retrieve(items[0]["plan"])
            old_plan = self.plan
            if new_plan.currency != old_plan.currency or new_plan.interval != old_plan.interval:
                raise UserError(400, "localstripe billing: same currency and interval only")
            keep_id = self.items._list[0].id
            self.items = R.List("/v1/subscription_items?subscription=" + self.id)
            new_item = R.SubscriptionItem(subscription=self.id, plan=new_plan.id, quantity=1)
            self.items._list.append(new_item)
            # Stripe keeps the item's id when its price changes.
            del R.store["subscription_item:" + new_item.id]
            new_item.id = keep_id
            R.store["subscription_item:" + keep_id] = new_item
            if proration_behavior != "none":
                when = proration_date or int(time.time())
                changed = _prorations(self, old_plan, new_plan, when)
            net = sum(i.amount for i in changed)
            if proration_behavior == "always_invoice" and net > 0:
                invoice = R.Invoice(customer=self.customer, subscription=self.id)
                invoice.billing_reason = "subscription_update"
                invoice._finalize()
                R.Invoice._api_pay_invoice(invoice.id)
                if invoice.status != "paid" and payment_behavior == "error_if_incomplete":
                    intent = R.PaymentIntent._api_retrieve(invoice.payment_intent)
                    if intent.status == "requires_action":
                        code, message = (
                            "subscription_payment_intent_requires_action",
                            (
                                "The card needs the bank's confirmation (3-D Secure) for this "
                                "payment."
                            ),
                        )
                    else:
                        error = intent.last_payment_error or {}
                        code = error.get("code") or "card_declined"
                        message = error.get("message") or "Your card was declined."
                    _undo(self, before, changed, invoice)
                    raise UserError(402, message, {"code": code, "type": "card_error"})
        orig(self, **kw)
        schedule_webhook(R.Event("customer.subscription.updated", self))

    R.Subscription._update = _update


def _renew(sub):
    """The subscription reaches the end of its period (see the module docstring)."""
    if sub.status in ("canceled", "incomplete", "incomplete_expired"):
        raise UserError(400, f"This subscription is {sub.status}.")
    if sub.cancel_at_period_end:
        return R.Subscription._api_delete(sub.id)
    sub._period_anchor = sub.current_period_end
    invoice = R.Invoice(
        customer=sub.customer,
        subscription=sub.id,
        items=list(sub.items._list),
        date=sub.current_period_start,
    )
    invoice.billing_reason = "subscription_cycle"
    before = sub.status
    invoice._finalize()
    if invoice.status == "paid":  # nothing due (a credit covered it)
        invoice._on_payment_success()
    else:
        R.Invoice._api_pay_invoice(invoice.id)
    if invoice.status == "paid":
        sub.status = "active"
    else:
        sub.status = "past_due"
        intent = R.PaymentIntent._api_retrieve(invoice.payment_intent)
        if intent.status == "requires_action":
            schedule_webhook(R.Event("invoice.payment_action_required", invoice))
        else:
            schedule_webhook(R.Event("invoice.payment_failed", invoice))
    if sub.status != before:
        schedule_webhook(R.Event("customer.subscription.updated", sub))
    return sub


def _recovery():
    """A past-due subscription is active again once its open invoice is paid."""
    orig = R.Subscription._on_initial_payment_success

    def _on_initial_payment_success(self, invoice):
        before = self.status
        orig(self, invoice)
        if before == "past_due":
            schedule_webhook(R.Event("customer.subscription.updated", self))

    R.Subscription._on_initial_payment_success = _on_initial_payment_success


async def renew(request):
    sub = R.Subscription._api_retrieve(request.match_info["id"])
    return json_response(_renew(sub)._export())


def apply():
    _period_anchor()
    _invoice_paid_event()
    _plan_change()
    _recovery()
    app.router.add_post("/_test/subscriptions/{id}/renew", renew)
