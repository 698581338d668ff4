"""The fix-card page of a subscription whose renewal was not paid: a new card (made
the default for renewals) pays the open invoice, or the learner confirms the payment
their bank asked about (3-D Secure)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from core.money import format_money
from core.timezones import format_day
from payments import services
from payments.forms import CardPaymentForm
from payments.models import Subscription
from payments.views import card_page


@login_required
def subscription_fix(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(
        Subscription.objects.select_related("tier__channel"), pk=pk, user=request.user
    )
    here = reverse("payments:subscription_fix", args=[subscription.pk])
    channel_url = subscription.tier.channel.get_absolute_url()
    form = CardPaymentForm(request.POST or None)
    if request.method == "POST":
        # A card from the form, or none: the learner confirmed with their bank.
        payment_method = form.cleaned_data["payment_method"] if form.is_valid() else ""
        try:
            still_open = services.subscription_renewal_retry(
                subscription=subscription, user=request.user, payment_method=payment_method
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(here)
        if still_open is None:
            subscription.refresh_from_db()
            messages.success(
                request,
                _("Paid. Your %(tier)s subscription is active again and renews on %(date)s.")
                % {
                    "tier": subscription.tier.name,
                    "date": format_day(subscription.paid_until) if subscription.paid_until else "",
                },
            )
            return redirect(channel_url)
        if still_open.payment_status != "requires_action":
            messages.error(
                request,
                _("The payment did not go through: %(reason)s Nothing was charged.")
                % {"reason": still_open.reason or _("the bank refused it.")},
            )
        return redirect(here)
    renewal = services.subscription_open_renewal(subscription=subscription)
    if renewal is None:
        messages.info(request, _("Nothing is owed on this subscription."))
        return redirect(channel_url)
    amount = format_money(renewal.amount, renewal.currency)
    context = {"tier": subscription.tier.name, "amount": amount}
    if renewal.payment_status == "requires_action":
        return render(
            request,
            "payments/card_authenticate.html",
            {
                "client_secret": renewal.client_secret,
                "next": here,
                "explanation": _(
                    "Your bank asks you to confirm the %(amount)s renewal of %(tier)s."
                )
                % context,
                "stripe_js_url": settings.STRIPE_JS_URL,
                "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            },
        )
    grace_end = (
        format_day(subscription.paid_until + timedelta(days=settings.PAYMENTS_RENEWAL_GRACE_DAYS))
        if subscription.paid_until
        else ""
    )
    return card_page(
        request,
        form,
        heading=_("Fix your card"),
        explanation=_(
            "The %(amount)s renewal of %(tier)s was not paid (%(reason)s). Your access "
            "lasts until %(date)s. The card you add pays it now and the renewals after it."
        )
        % {**context, "reason": renewal.reason or _("the bank refused it"), "date": grace_end},
        pay_label=_("Pay %(amount)s with this card") % {"amount": amount},
    )
