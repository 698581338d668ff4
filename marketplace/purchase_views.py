"""Pages that sell: tips on a channel, tier subscriptions, course tickets (wallet or
card). They live here, not in payments, because they start from the catalogue; the
URL names stay in the "payments" namespace (config/urls.py composes it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from core.money import format_money
from core.timezones import format_day
from core.views import flash_outcome, form_save
from marketplace import access, purchases, selectors
from marketplace.access import LiveSessionLike
from marketplace.models import Course
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.forms import CardPaymentForm, TipForm
from payments.models import Purchase, TopUp
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
def subscription_change(request: AuthenticatedHttpRequest, slug: str, tier_pk: int) -> HttpResponse:
    """Change tier: what it costs and when (GET), then the change (POST)."""
    channel = selectors.channel_get_for_user(slug=slug, user=request.user)
    tier = get_object_or_404(channel.tiers.filter(is_active=True), pk=tier_pk)
    subscription = payment_selectors.subscription_for_channel(
        user=request.user, channel_id=channel.pk
    )
    if subscription is None or subscription.tier_id == tier.pk:
        return redirect(channel.get_absolute_url())
    price = format_money(tier.price_amount, tier.currency)
    if request.method == "POST":
        try:
            change = purchases.subscription_change_tier(
                user=request.user, subscription=subscription, tier=tier
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(channel.get_absolute_url())
        paid_until = change.subscription.paid_until
        renews = format_day(paid_until) if paid_until else ""
        if change.charged:
            done = _(
                "You now subscribe to %(tier)s. %(amount)s was charged for the rest of this "
                "period; from %(date)s it is %(price)s a month."
            ) % {
                "tier": tier.name,
                "amount": format_money(change.charged, change.currency),
                "date": renews,
                "price": price,
            }
        else:
            done = _(
                "You now subscribe to %(tier)s. The unused part of your old tier comes off "
                "your renewal on %(date)s; then it is %(price)s a month."
            ) % {"tier": tier.name, "date": renews, "price": price}
        messages.success(request, done)
        return redirect(channel.get_absolute_url())
    return render(
        request,
        "marketplace/subscription_change.html",
        {
            "channel": channel,
            "subscription": subscription,
            "tier": tier,
            "upgrade": tier.price_amount > subscription.tier.price_amount,
        },
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


@login_required
@require_POST
def course_top_up_buy(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Top up exactly what the wallet lacks, in the course's currency, and buy the
    course as soon as the top-up is paid: one step for the learner."""
    course = selectors.course_get_for_user(slug=slug, user=request.user)
    coupon_code = request.POST.get("coupon", "").strip()
    quoted = purchases.checkout_price(buyer=request.user, code=coupon_code, course=course)
    to_pay = quoted.to_pay if quoted is not None and not quoted.error else course.price_amount
    shortfall = purchases.wallet_shortfall(
        buyer=request.user, amount=to_pay, currency=course.currency
    )
    if shortfall is None:  # topped up meanwhile: the wallet pays
        return buy_course(request, slug)
    try:
        top_up = payment_services.top_up_start(
            user=request.user, amount=shortfall.top_up, currency=shortfall.currency
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(course.get_absolute_url())
    messages.info(
        request,
        _("%(reason)s Once this top-up is paid, “%(title)s” is bought from your wallet.")
        % {"reason": shortfall.reason, "title": course.title},
    )
    # Only the checkout that started this top-up may spend it on this course: the
    # landing page is a GET, so it must not buy anything a link names.
    request.session[_after_top_up_key(top_up.pk)] = course.slug
    then = reverse("payments:course_buy_after_top_up", args=[course.slug, top_up.pk])
    if quoted is not None and not quoted.error:
        then += "?" + urlencode({"coupon": quoted.code})
    pay = reverse("payments:top_up_pay", args=[top_up.pk])
    return redirect(f"{pay}?{urlencode({'next': then})}")


def _after_top_up_key(top_up_pk: int) -> str:
    return f"buy-after-top-up:{top_up_pk}"


@login_required
def course_buy_after_top_up(
    request: AuthenticatedHttpRequest, slug: str, top_up_pk: int
) -> HttpResponse:
    """Where a one-step top-up lands once paid: the wallet buys the course."""
    course = selectors.course_get_for_user(slug=slug, user=request.user)
    top_up = get_object_or_404(TopUp, pk=top_up_pk, user=request.user)
    started_here = request.session.get(_after_top_up_key(top_up.pk)) == course.slug
    if not started_here:
        return redirect(course.get_absolute_url())
    if top_up.status == TopUp.Status.SUCCEEDED:
        del request.session[_after_top_up_key(top_up.pk)]
    if top_up.status == TopUp.Status.SUCCEEDED and not access.entitlement_check(
        user=request.user, course=course
    ):
        flash_outcome(
            request,
            lambda: purchases.purchase_with_wallet(
                buyer=request.user, course=course, coupon_code=request.GET.get("coupon", "")
            ),
            _("You bought “%(title)s”. Enjoy!") % {"title": course.title},
        )
    elif top_up.status == TopUp.Status.PENDING:
        messages.info(request, _("The top-up is not paid yet; buy the course once it is."))
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
    path(
        "c/<slug:slug>/subscription/change/<int:tier_pk>/",
        subscription_change,
        name="subscription_change",
    ),
    path("courses/<slug:slug>/buy/", buy_course, name="buy_course"),
    path("courses/<slug:slug>/buy/card/", course_card_checkout, name="course_card"),
    path("courses/<slug:slug>/buy/top-up/", course_top_up_buy, name="course_top_up_buy"),
    path(
        "courses/<slug:slug>/buy/after-top-up/<int:top_up_pk>/",
        course_buy_after_top_up,
        name="course_buy_after_top_up",
    ),
]
