"""Wallet, earnings, tips and ticket purchases: pages for learners and creators."""

from datetime import date
from typing import Any

import segno
import stripe
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from core.money import format_money
from core.views import flash_outcome, form_save
from payments import gateway, selectors, services
from payments import receipt_pdf as pdf_receipts
from payments import receipts as receipt_selectors
from payments.forms import AmountForm, CardPaymentForm, HistoryFilterForm
from payments.models import LedgerAccount, Purchase, Subscription, TopUp

Kind = LedgerAccount.Kind


@login_required
def wallet(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.account_history(user=request.user, kind=Kind.WALLET), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "payments/wallet.html",
        {
            "balances": selectors.balances(user=request.user, kind=Kind.WALLET),
            "page": page,
            "top_up_form": AmountForm(),
            "subscriptions": selectors.subscriptions_for(user=request.user),
            **selectors.receipts(user=request.user),
        },
    )


@login_required
@require_POST
def top_up(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AmountForm(request.POST)
    started = form_save(
        request,
        form,
        lambda data: services.top_up_start(
            user=request.user, amount=data["price_amount"], currency=data["currency"]
        ),
        then=lambda top_up: redirect("payments:top_up_pay", pk=top_up.pk),
    )
    if started is not None:
        return started
    for errors in form.errors.values():
        messages.error(request, " ".join(str(e) for e in errors))
    return redirect("payments:wallet")


@login_required
def top_up_pay(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The card form (Stripe.js) for one pending top-up; the POST charges the card.

    `?next=` (a page of this site) is where the payer goes once it is paid: a
    checkout that tops up to buy in one step finishes the purchase there."""
    top_up = get_object_or_404(TopUp, pk=pk, user=request.user)
    back = _next_url(request)
    if top_up.status != TopUp.Status.PENDING:
        return redirect(back)
    if top_up.payment_intent_id and top_up.method in services.OFF_SITE_METHODS:
        return off_site_redirect(top_up.payment_intent_id, back)
    method = request.POST.get("method", "")
    if request.method == "POST" and method:
        try:
            top_up = services.top_up_pay_off_site(
                top_up=top_up, method=method, return_url=off_site_return_url(request, back)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.get_full_path())
        return off_site_redirect(top_up.payment_intent_id or "", back)
    form = CardPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        top_up = services.top_up_pay(
            top_up=top_up, payment_method=form.cleaned_data["payment_method"]
        )
        if top_up.status == TopUp.Status.PENDING and top_up.payment_intent_id:
            return authenticate_redirect(top_up.payment_intent_id, back)
        if top_up.status == TopUp.Status.SUCCEEDED:
            messages.success(
                request,
                _("Your wallet was topped up with %(amount)s.")
                % {"amount": format_money(top_up.amount, top_up.currency)},
            )
        else:
            messages.error(
                request,
                _("The payment did not go through: %(reason)s Nothing was charged.")
                % {"reason": top_up.failure_message or _("the bank refused it.")},
            )
        return redirect(back)
    amount = format_money(top_up.amount, top_up.currency)
    return card_page(
        request,
        form,
        heading=_("Top up %(amount)s") % {"amount": amount},
        pay_label=_("Pay %(amount)s") % {"amount": amount},
        off_site=True,
    )


def card_page(
    request: AuthenticatedHttpRequest,
    form: forms.Form,
    *,
    heading: str,
    pay_label: str,
    explanation: str = "",
    hidden: dict[str, str] | None = None,
    coupon_box: bool = False,
    quoted: object = None,
    off_site: bool = False,
) -> HttpResponse:
    """The card form. Stripe.js confirms a SetupIntent with the card element, which
    yields a PaymentMethod id; only that id is posted to us. `hidden` fields ride
    along (the coupon code a checkout applies). With `coupon_box`, a box to apply a
    code above it, showing `quoted` (the price with the code, or why it fails).
    `off_site` adds the WeChat Pay and Alipay buttons, which post `method` to the
    same URL instead."""
    _setup_intent_id, client_secret = gateway.setup_intent_create()
    return render(
        request,
        "payments/card_payment.html",
        {
            "form": form,
            "heading": heading,
            "pay_label": pay_label,
            "explanation": explanation,
            "hidden": hidden or {},
            "coupon_box": coupon_box,
            "quoted": quoted,
            "off_site": off_site,
            "setup_client_secret": client_secret,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        },
    )


@login_required
@require_POST
def subscription_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk, user=request.user)
    flash_outcome(
        request,
        lambda: services.subscription_cancel(subscription=subscription, user=request.user),
        _("Your subscription will not renew. Access lasts until the paid period ends."),
    )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("payments:wallet")


def _chart(points: list[tuple[date, int]]) -> dict[str, Any]:
    """Bar geometry for an inline SVG, 10 units per day and 100 high."""
    top = max((amount for _, amount in points), default=0) or 1
    bars = []
    for i, (day, amount) in enumerate(points):
        height = round(100 * amount / top, 1)
        bars.append({"day": day, "amount": amount, "x": i * 10, "y": 100 - height, "h": height})
    return {"bars": bars, "width": len(points) * 10}


@login_required
def earnings(request: AuthenticatedHttpRequest) -> HttpResponse:
    currency = request.GET.get("currency") or settings.MARKETPLACE_DEFAULT_CURRENCY
    if currency not in settings.MARKETPLACE_CURRENCIES:
        currency = settings.MARKETPLACE_DEFAULT_CURRENCY
    filters = HistoryFilterForm(request.GET or None)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    history = selectors.account_history(
        user=request.user,
        kind=Kind.EARNINGS,
        tx_kind="" if "kind" in filters.errors else data.get("kind", ""),
        since=None if "since" in filters.errors else data.get("since"),
    )
    payout_form = AmountForm(request.POST or None, initial={"currency": currency})
    requested = form_save(
        request,
        payout_form,
        lambda data: services.payout_request(
            creator=request.user, amount=data["price_amount"], currency=data["currency"]
        ),
        done=_("Payout requested. Staff will review it shortly."),
        then="payments:earnings",
    )
    if requested is not None:
        return requested
    return render(
        request,
        "payments/earnings.html",
        {
            "currency": currency,
            "balance": selectors.earnings_balance(user=request.user, currency=currency),
            "pending": selectors.pending_payouts_total(user=request.user, currency=currency),
            "chart": _chart(selectors.earnings_by_day(user=request.user, currency=currency)),
            "filters": filters,
            "page": Paginator(history, 25).get_page(request.GET.get("page")),
            "payouts": selectors.payouts_for(user=request.user),
            "coupon_sales": selectors.coupon_sales(seller=request.user),
            "payout_form": payout_form,
            "min_payout": settings.PAYMENTS_MIN_PAYOUT,
            "connect": settings.PAYMENTS_PAYOUT_METHOD == "stripe_connect",
            "connected": selectors.connected_account_for(user=request.user),
        },
    )


# --- Stripe Connect onboarding (payouts to the creator's own Stripe account) ------


def _connect_redirect(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        url = services.connect_onboarding_url(
            user=request.user,
            return_url=request.build_absolute_uri(reverse("payments:connect_return")),
            refresh_url=request.build_absolute_uri(reverse("payments:connect_refresh")),
        )
    except stripe.StripeError:
        messages.error(request, _("Stripe could not be reached. Please try again in a minute."))
        return redirect("payments:earnings")
    return redirect(url)


@login_required
@require_POST
def connect_onboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send the creator to Stripe to set up (or finish setting up) payouts."""
    return _connect_redirect(request)


@login_required
def connect_refresh(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Stripe sends the creator here when the onboarding link expired: a new one."""
    return _connect_redirect(request)


@login_required
def connect_return(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Back from Stripe's onboarding: read the account's status and say what it is."""
    connected = selectors.connected_account_for(user=request.user)
    if connected is None:
        return redirect("payments:earnings")
    try:
        connected = services.connect_account_sync(stripe_account_id=connected.stripe_account_id)
    except stripe.StripeError:
        messages.error(request, _("Stripe could not be reached. Please try again in a minute."))
        return redirect("payments:earnings")
    if connected is not None and connected.payouts_enabled:
        messages.success(request, _("Your Stripe account is ready: approved payouts go there."))
    else:
        messages.info(
            request,
            _("Stripe needs more details before it can pay you: continue the setup."),
        )
    return redirect("payments:earnings")


# --- 3-D Secure -----------------------------------------------------------------


def authenticate_redirect(payment_intent_id: str, back: str) -> HttpResponseRedirect:
    url = reverse("payments:authenticate", kwargs={"payment_intent_id": payment_intent_id})
    return redirect(f"{url}?{urlencode({'next': back})}")


def _own_pending_payment(
    request: AuthenticatedHttpRequest, payment_intent_id: str
) -> TopUp | Purchase:
    """The user's own top-up or ticket paid by this PaymentIntent, else 404."""
    if not payment_intent_id:  # wallet purchases have none
        raise Http404
    record = (
        TopUp.objects.filter(payment_intent_id=payment_intent_id, user=request.user).first()
        or Purchase.objects.filter(payment_intent_id=payment_intent_id, buyer=request.user).first()
    )
    if record is None:
        raise Http404
    return record


@login_required
def authenticate(request: AuthenticatedHttpRequest, payment_intent_id: str) -> HttpResponse:
    """The bank wants the card holder to confirm (3-D Secure): Stripe.js shows its
    challenge, then this page's form posts back and we settle with Stripe's answer."""
    _own_pending_payment(request, payment_intent_id)
    back = _next_url(request)
    if request.method == "POST":
        record = services.payment_intent_settle(
            payment_intent_id=payment_intent_id
        ) or _own_pending_payment(request, payment_intent_id)
        _flash_payment_outcome(request, record, _("The bank has not confirmed the payment yet."))
        return redirect(back)
    intent = gateway.payment_intent_retrieve(payment_intent_id)
    return render(
        request,
        "payments/card_authenticate.html",
        {
            "client_secret": intent.client_secret,
            "next": back,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        },
    )


@login_required
def receipts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Order history: every payment, with its method and status, each printable."""
    rows = receipt_selectors.receipts_for(user=request.user)
    return render(request, "payments/receipts.html", {"receipts": rows})


@login_required
def receipt(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """One receipt, laid out to print (the browser's print drops the site's chrome)."""
    row = receipt_selectors.receipt_get_for_user(user=request.user, key=key)
    return render(request, "payments/receipt.html", {"receipt": row})


@login_required
def receipt_pdf(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    row = receipt_selectors.receipt_get_for_user(user=request.user, key=key)
    body = pdf_receipts.receipt_pdf(receipt=row, user=request.user)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{row.key}.pdf"'
    return response


def _next_url(request: AuthenticatedHttpRequest) -> str:
    back = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("payments:wallet")
    return back


def _flash_payment_outcome(
    request: AuthenticatedHttpRequest, record: TopUp | Purchase, waiting: str
) -> None:
    if record.status in ("succeeded", "paid"):
        messages.success(request, _("Payment confirmed. Thank you!"))
    elif record.status == "failed":
        messages.error(
            request,
            _("The payment did not go through: %(reason)s Nothing was charged.")
            % {"reason": record.failure_message},
        )
    else:
        messages.error(request, waiting)


# --- WeChat Pay and Alipay ------------------------------------------------------------


def off_site_redirect(payment_intent_id: str, back: str) -> HttpResponseRedirect:
    """To the page that shows the WeChat Pay QR code or sends the payer to Alipay."""
    url = reverse("payments:off_site", kwargs={"payment_intent_id": payment_intent_id})
    return redirect(f"{url}?{urlencode({'next': back})}")


def off_site_return_url(request: AuthenticatedHttpRequest, back: str) -> str:
    """Where Alipay sends the payer back to; Stripe adds `payment_intent` to it."""
    return request.build_absolute_uri(
        f"{reverse('payments:off_site_return')}?{urlencode({'next': back})}"
    )


def _method_label(record: TopUp | Purchase) -> str:
    return str(dict(Purchase.Method.choices).get(record.method, record.method))


@login_required
def off_site(request: AuthenticatedHttpRequest, payment_intent_id: str) -> HttpResponse:
    """The QR code to scan with WeChat, or the way to Alipay's page; the page asks
    for the payment's state every two seconds and moves on when the webhook has
    settled it."""
    record = _own_pending_payment(request, payment_intent_id)
    back = _next_url(request)
    intent = gateway.payment_intent_retrieve(payment_intent_id)
    if record.status == "pending" and not (intent.qr_code_data or intent.redirect_url):
        # Nothing left for the payer to do: Stripe's answer may be ahead of its webhook.
        record = services.payment_intent_settle(payment_intent_id=payment_intent_id) or record
    if record.status != "pending":
        _flash_payment_outcome(request, record, "")
        return redirect(back)
    query = urlencode({"next": back})
    return render(
        request,
        "payments/off_site_payment.html",
        {
            "record": record,
            "method": record.method,
            "method_label": _method_label(record),
            "amount": format_money(record.amount, record.currency),
            "qr_svg": (
                segno.make(intent.qr_code_data, error="m").svg_inline(scale=5, border=2)
                if intent.qr_code_data
                else ""
            ),
            "redirect_url": intent.redirect_url,
            "status_url": reverse("payments:off_site_status", args=[payment_intent_id]),
            "done_url": f"{reverse('payments:off_site_return')}?"
            + urlencode({"payment_intent": payment_intent_id, "next": back}),
            "cancel_url": reverse("payments:off_site_cancel", args=[payment_intent_id])
            + f"?{query}",
        },
    )


@login_required
def off_site_status(request: AuthenticatedHttpRequest, payment_intent_id: str) -> JsonResponse:
    """The payment's state as our records have it (the webhook settles them)."""
    record = _own_pending_payment(request, payment_intent_id)
    return JsonResponse({"status": record.status, "done": record.status != "pending"})


@login_required
def off_site_return(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Back from Alipay (Stripe adds `payment_intent`), or from the QR page once the
    payment is settled: settle with Stripe's answer and say how it went."""
    payment_intent_id = request.GET.get("payment_intent", "")
    record = _own_pending_payment(request, payment_intent_id)
    record = services.payment_intent_settle(payment_intent_id=payment_intent_id) or record
    back = _next_url(request)
    if record.status == "pending":
        messages.info(
            request,
            _("%(method)s has not confirmed the payment yet; this page moves on when it does.")
            % {"method": _method_label(record)},
        )
        return off_site_redirect(payment_intent_id, back)
    _flash_payment_outcome(request, record, "")
    return redirect(back)


@login_required
@require_POST
def off_site_cancel(request: AuthenticatedHttpRequest, payment_intent_id: str) -> HttpResponse:
    _own_pending_payment(request, payment_intent_id)
    record = services.off_site_payment_cancel(payment_intent_id=payment_intent_id)
    if record is not None and record.status == "failed":
        messages.info(request, _("Payment cancelled. Nothing was charged."))
    elif record is not None:
        _flash_payment_outcome(request, record, "")
    return redirect(_next_url(request))
