"""The creator's coupons: make a code for their own products, see how it is used.

Coupons are payments' records (a discount changes what moves in the ledger); the
studio page lives here because what a coupon applies to is the creator's catalogue.
"""

from typing import Any

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import PriceField, currency_choices
from core.money import MoneyError, to_minor_units
from core.views import form_save
from marketplace.models import Course, SubscriptionTier
from marketplace.studio_views import creator_required
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.models import Coupon


class CouponForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("Letters and digits, e.g. SPRING20; empty: we pick one."),
    )
    title = forms.CharField(label=gettext_lazy("Name (for you)"), max_length=120, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Discount"), choices=Coupon.Kind.choices)
    percent_off = forms.IntegerField(
        label=gettext_lazy("Percent off"), min_value=1, max_value=100, required=False
    )
    amount_off = PriceField(label=gettext_lazy("Amount off"), required=False)
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=currency_choices)
    applies_to = forms.ChoiceField(label=gettext_lazy("Applies to"))
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), required=False)
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends"), required=False)
    max_redemptions = forms.IntegerField(
        label=gettext_lazy("Total uses (empty: no limit)"), min_value=1, required=False
    )
    per_user_limit = forms.IntegerField(
        label=gettext_lazy("Uses per buyer"), min_value=1, initial=1
    )
    first_purchase_only = forms.BooleanField(
        label=gettext_lazy("Only for a first purchase from me"), required=False
    )
    min_price = PriceField(label=gettext_lazy("Minimum price"), required=False)

    def __init__(self, *args: Any, courses: list[Course], tiers: list[SubscriptionTier], **kw: Any):
        super().__init__(*args, **kw)
        applies_to = self.fields["applies_to"]
        assert isinstance(applies_to, forms.ChoiceField)
        applies_to.choices = [
            ("everything", _("Everything of mine")),
            ("questions", _("Paid questions to me")),
            *((f"course:{c.pk}", _("Course: %(t)s") % {"t": c.title}) for c in courses),
            *((f"tier:{t.pk}", _("Tier: %(t)s") % {"t": t.name}) for t in tiers),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        currency = cleaned.get("currency") or "CNY"
        try:
            for field, target in (("amount_off", "amount_off_minor"), ("min_price", "min_minor")):
                value = cleaned.get(field)
                cleaned[target] = to_minor_units(value, currency) if value is not None else None
        except MoneyError as exc:
            self.add_error("amount_off", str(exc))
        return cleaned


def _service_args(data: dict[str, Any]) -> dict[str, Any]:
    scope, _sep, scope_id = data["applies_to"].partition(":")
    return {
        "code": data["code"],
        "title": data["title"],
        "kind": data["kind"],
        "percent_off": data["percent_off"],
        "amount_off": data["amount_off_minor"],
        "currency": data["currency"],
        "scope": scope,
        "scope_id": int(scope_id) if scope_id else None,
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "max_redemptions": data["max_redemptions"],
        "per_user_limit": data["per_user_limit"] or 1,
        "first_purchase_only": data["first_purchase_only"],
        "min_amount": data["min_minor"] or 0,
    }


@creator_required
def studio_coupons(request):
    courses = list(Course.objects.filter(channel__creator=request.creator).order_by("title"))
    tiers = list(SubscriptionTier.objects.filter(channel__creator=request.creator).order_by("name"))
    form = CouponForm(request.POST or None, courses=courses, tiers=tiers)
    saved = form_save(
        request,
        form,
        lambda data: payment_services.coupon_create(
            created_by=request.user, owner=request.user, **_service_args(data)
        ),
        done=lambda coupon: _("Coupon %(code)s is ready to share.") % {"code": coupon.code},
        then="marketplace:studio_coupons",
    )
    if saved is not None:
        return saved
    course_urls = {c.pk: request.build_absolute_uri(c.get_absolute_url()) for c in courses}
    coupons = [
        {
            "coupon": coupon,
            "share": f"{course_urls[coupon.scope_id]}?code={coupon.code}"
            if coupon.scope == Coupon.Scope.COURSE and coupon.scope_id in course_urls
            else "",
        }
        for coupon in payment_selectors.coupons_owned(user=request.user)
    ]
    return render(request, "marketplace/studio/coupons.html", {"form": form, "coupons": coupons})


urlpatterns = [path("studio/coupons/", studio_coupons, name="studio_coupons")]
