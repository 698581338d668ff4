"""The learner's points page, coupon wallet, invite link, and the invite landing."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from core.views import flash_outcome
from payments import selectors as payment_selectors
from rewards import selectors, services


@login_required
def points(request: AuthenticatedHttpRequest) -> HttpResponse:
    history = payment_selectors.points_history(user=request.user)
    return render(
        request,
        "rewards/points.html",
        {
            "balance": payment_selectors.points_balance(user=request.user),
            "page": Paginator(history, 25).get_page(request.GET.get("page")),
            "expiring": payment_selectors.points_expiring(user=request.user)[:20],
            "catalogue": payment_selectors.coupons_points_catalogue(),
            "rules": selectors.rules_active(),
            "checked_in": selectors.checked_in_today(user=request.user),
            "buy_key": uuid.uuid4().hex,
        },
    )


@login_required
@require_POST
def check_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    flash_outcome(
        request,
        lambda: services.check_in(user=request.user),
        lambda lot: (
            _("Checked in: +%(n)d points.") % {"n": lot.amount}
            if lot
            else _("Checked in. (Today's check-in points are used up.)")
        ),
    )
    return redirect("rewards:points")


@login_required
@require_POST
def catalogue_buy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    flash_outcome(
        request,
        lambda: services.catalogue_buy(
            user=request.user, coupon_id=pk, key=request.POST.get("key", "")[:64] or str(pk)
        ),
        _("The coupon is in your coupon wallet."),
    )
    return redirect("rewards:points")


@login_required
def coupon_wallet(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "rewards/coupon_wallet.html",
        {"grants": payment_selectors.coupons_in_wallet(user=request.user)},
    )


@login_required
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    code = services.invite_code_for(user=request.user)
    return render(
        request,
        "rewards/invite.html",
        {
            "link": request.build_absolute_uri(reverse("rewards:invite_landing", args=[code.code])),
            "referrals": selectors.referrals_made(user=request.user),
            "rule": selectors.rule(key="referral"),
        },
    )


def invite_landing(request: HttpRequest, code: str) -> HttpResponse:
    """Remember the inviter until the visitor signs up (rewards.listeners)."""
    request.session[services.INVITE_SESSION_KEY] = code[:16]
    if request.user.is_authenticated:
        return redirect("home")
    return redirect("account_signup")
