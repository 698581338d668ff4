"""Pages that sell: tips on a channel, tier subscriptions, course tickets (wallet or
card). They live here, not in payments, because they start from the catalogue; the
URL names stay in the "payments" namespace (config/urls.py composes it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from core.money import format_money
from core.views import flash_outcome, form_save
from marketplace import purchases, selectors
from marketplace.models import Course
from marketplace.selectors import LiveSessionLike
from payments import services as payment_services
from payments.forms import CardPaymentForm, TipForm
from payments.models import Purchase
from payments.views import (
    authenticate_redirect,
    card_page,
    off_site_redirect,
    off_site_return_url,
)


@login_required
def subscribe(request: AuthenticatedHttpRequest, slug: str, tier_pk: int) -> HttpResponse:
    channel = selectors.channel_get_for_user(slug=slug, user=request.user)
    tier = get_object_or_404(channel.tiers.filter(is_active=True), pk=tier_pk)
    form = CardPaymentForm(request.POST or None)
    # A share link says ?coupon=, the coupon box ?code=.
    coupon_code = (
        request.POST.get("coupon") or request.GET.get("code") or request.GET.get("coupon") or ""
    ).strip()
    if request.method == "POST" and form.is_valid():
        payment_method = form.cleaned_data["payment_method"]
        flash_outcome(
            request,
            lambda: purchases.subscription_start(
                user=request.user,
                tier=tier,
                payment_method=payment_method,
                coupon_code=coupon_code,
            ),
            _("Welcome to %(tier)s! You are subscribed to %(channel)s.")
            % {"tier": tier.name, "channel": channel.title},
        )
        return redirect(channel.get_absolute_url())
    price = format_money(tier.price_amount, tier.currency)
    quoted = purchases.checkout_price(buyer=request.user, code=coupon_code, tier=tier)
    explanation = _(
        "%(price)s a month, billed to your card. Cancel any time; access lasts "
        "until the end of the month you paid for."
    ) % {"price": price}
    pay_label = _("Subscribe for %(price)s a month") % {"price": price}
    if quoted is not None and not quoted.error:
        first = format_money(quoted.to_pay, quoted.currency)
        pay_label = _("Subscribe: %(first)s for the first month, then %(price)s a month") % {
            "first": first,
            "price": price,
        }
    return card_page(
        request,
        form,
        heading=_("Subscribe to %(channel)s: %(tier)s")
        % {"channel": channel.title, "tier": tier.name},
        explanation=explanation,
        pay_label=pay_label,
        hidden={"coupon": quoted.code} if quoted is not None and not quoted.error else None,
        coupon_box=True,
        quoted=quoted,
    )


@login_required
@require_POST
def tip(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    channel = selectors.channel_get_for_user(slug=slug, user=request.user)
    form = TipForm(request.POST)
    sent = form_save(
        request,
        form,
        lambda data: payment_services.tip_send(
            tipper=request.user,
            creator=channel.creator.user,
            amount=data["price_amount"],
            currency=data["currency"],
            message=data["message"],
            client_key=data["client_key"],
        ),
        done=_("Thank you! Your tip is on its way to the creator."),
        then=channel.get_absolute_url(),
    )
    if sent is not None:
        return sent
    for error in form.errors.values():
        messages.error(request, " ".join(str(e) for e in error))
    return redirect(channel.get_absolute_url())


@login_required
@require_POST
def buy_course(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = selectors.course_get_for_user(slug=slug, user=request.user)
    flash_outcome(
        request,
        lambda: purchases.purchase_with_wallet(
            buyer=request.user, course=course, coupon_code=request.POST.get("coupon", "")
        ),
        _("You bought “%(title)s”. Enjoy!") % {"title": course.title},
    )
    return redirect(course.get_absolute_url())


def card_checkout(
    request: AuthenticatedHttpRequest,
    *,
    title: str,
    price: str,
    back: str,
    course: Course | None = None,
    live_session: LiveSessionLike | None = None,
) -> HttpResponse:
    """Card form for one ticket; the POST charges the card and grants access."""
    form = CardPaymentForm(request.POST or None)
    coupon_code = (request.POST.get("coupon") or request.GET.get("coupon", "")).strip()
    method = request.POST.get("method", "")
    if request.method == "POST" and method:
        return _off_site_checkout(
            request,
            method=method,
            title=title,
            back=back,
            course=course,
            live_session=live_session,
            coupon_code=coupon_code,
        )
    if request.method == "POST" and form.is_valid():
        try:
            purchase = purchases.purchase_with_card(
                buyer=request.user,
                payment_method=form.cleaned_data["payment_method"],
                course=course,
                live_session=live_session,
                coupon_code=coupon_code,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if purchase.status == purchase.Status.PENDING and purchase.payment_intent_id:
                return authenticate_redirect(purchase.payment_intent_id, back)
            _flash_purchase(request, purchase, title)
        return redirect(back)
    quoted = purchases.checkout_price(
        buyer=request.user, code=coupon_code, course=course, live_session=live_session
    )
    if quoted is not None and not quoted.error:
        price = format_money(quoted.to_pay, quoted.currency)
    return card_page(
        request,
        form,
        heading=_("Buy “%(title)s”") % {"title": title},
        explanation=_coupon_line(quoted),
        pay_label=_("Pay %(amount)s") % {"amount": price},
        hidden={"coupon": quoted.code} if quoted is not None and not quoted.error else None,
        off_site=True,
    )


def _off_site_checkout(
    request: AuthenticatedHttpRequest,
    *,
    method: str,
    title: str,
    back: str,
    course: Course | None,
    live_session: LiveSessionLike | None,
    coupon_code: str,
) -> HttpResponse:
    """WeChat Pay or Alipay chosen on the checkout: on to the QR code or Alipay."""
    try:
        purchase = purchases.purchase_off_site(
            buyer=request.user,
            method=method,
            return_url=off_site_return_url(request, back),
            course=course,
            live_session=live_session,
            coupon_code=coupon_code,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    if purchase.status == purchase.Status.PENDING and purchase.payment_intent_id:
        return off_site_redirect(purchase.payment_intent_id, back)
    _flash_purchase(request, purchase, title)
    return redirect(back)


def _flash_purchase(request: AuthenticatedHttpRequest, purchase: Purchase, title: str) -> None:
    if purchase.status == purchase.Status.PAID:
        messages.success(request, _("Paid. Enjoy “%(title)s”!") % {"title": title})
    else:
        messages.error(
            request,
            _("The payment did not go through: %(reason)s Nothing was charged.")
            % {"reason": purchase.failure_message},
        )


def _coupon_line(quoted: purchases.PriceWithCoupon | None) -> str:
    if quoted is None:
        return ""
    if quoted.error:
        return quoted.error
    return _("Coupon %(code)s: %(price)s − %(discount)s = %(total)s") % {
        "code": quoted.code.upper(),
        "price": format_money(quoted.amount, quoted.currency),
        "discount": format_money(quoted.discount, quoted.currency),
        "total": format_money(quoted.to_pay, quoted.currency),
    }


@login_required
def course_card_checkout(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = selectors.course_get_for_user(slug=slug, user=request.user)
    return card_checkout(
        request,
        title=course.title,
        price=format_money(course.price_amount, course.currency),
        back=course.get_absolute_url(),
        course=course,
    )


# In the "payments" URL namespace, as before they moved here (config/urls.py).
urlpatterns = [
    path("c/<slug:slug>/tip/", tip, name="tip"),
    path("c/<slug:slug>/subscribe/<int:tier_pk>/", subscribe, name="subscribe"),
    path("courses/<slug:slug>/buy/", buy_course, name="buy_course"),
    path("courses/<slug:slug>/buy/card/", course_card_checkout, name="course_card"),
]
