from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.admin import ReadOnlyAdmin, ServiceWritesAdmin  # ledger rows are append-only
from core.forms import PriceField
from core.money import MoneyError, format_money, to_major_units, to_minor_units
from payments import services
from payments.models import (
    Coupon,
    CouponRedemption,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Purchase,
    Tip,
    TopUp,
)

if TYPE_CHECKING:  # a dev-only package (django-stubs)
    from django_stubs_ext import StrOrPromise


def _staff(request: HttpRequest) -> User:
    """The signed-in staff member (the admin lets no one else in)."""
    assert isinstance(request.user, User)
    return request.user


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount", "currency")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "reference_type", "reference_id", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "reference_id", "memo")
    inlines = [LedgerEntryInline]


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "owner", "currency", "created_at")
    list_filter = ("kind", "currency")
    search_fields = ("owner__email",)
    list_select_related = ("owner",)


class RefundForm(forms.Form):
    amount = PriceField(label=_("Amount to refund"), min_value=Decimal("0.01"))
    expected_refunded = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class MoneyRecordAdmin(admin.ModelAdmin):
    """Purchases, top-ups and payouts: created by the site, changed only through
    their actions (refund, approve, reject), never added or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("amount"))
    def amount_display(self, obj: Purchase | Payout | TopUp) -> str:
        return format_money(obj.amount, obj.currency)


class RefundAdmin(MoneyRecordAdmin):
    """A "Refund" button on the change page, leading to a form with the amount.

    Subclasses name the service; the hidden `expected_refunded` makes a double
    submit refund once.
    """

    refund_service: Callable[..., Model]  # services.purchase_refund or services.top_up_refund
    refund_done_message: "StrOrPromise" = ""

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_refund"
        return [
            path("<int:pk>/refund/", self.admin_site.admin_view(self.refund_view), name=name),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_refund"
        extra_context = {**(extra_context or {}), "refund_url": reverse(name, args=[object_id])}
        return super().change_view(request, object_id, form_url, extra_context)

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=pk)
        if not request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}"):
            raise PermissionDenied
        form = RefundForm(
            request.POST or None,
            initial={
                "amount": to_major_units(obj.amount - obj.refunded_amount, obj.currency),
                "expected_refunded": obj.refunded_amount,
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                type(self).refund_service(
                    obj,
                    amount=to_minor_units(form.cleaned_data["amount"], obj.currency),
                    refunded_by=_staff(request),
                    expected_refunded=form.cleaned_data["expected_refunded"],
                )
            except ValidationError as exc:
                form.add_error("amount", exc.messages)
            except MoneyError as exc:
                form.add_error("amount", str(exc))
            else:
                messages.success(request, self.refund_done_message)
                return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", pk)
        return render(
            request,
            "admin/payments/refund.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Refund %(what)s") % {"what": obj},
                "object": obj,
                "form": form,
                "opts": self.opts,
                "change_url": reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk]
                ),
            },
        )


def _refund_purchase(purchase: Purchase, **kwargs: Any) -> Purchase:
    return services.purchase_refund(purchase=purchase, **kwargs)


def _refund_top_up(top_up: TopUp, **kwargs: Any) -> TopUp:
    return services.top_up_refund(top_up=top_up, **kwargs)


@admin.register(Purchase)
class PurchaseAdmin(RefundAdmin):
    list_display = ("id", "title", "buyer", "amount_display", "method", "status", "created_at")
    list_filter = ("status", "method", "currency")
    search_fields = ("title", "buyer__email", "seller__email", "payment_intent_id")
    list_select_related = ("buyer",)
    readonly_fields = [f.name for f in Purchase._meta.fields]
    refund_service = staticmethod(_refund_purchase)
    refund_done_message = gettext_lazy("Refunded to the buyer's wallet.")


@admin.register(Payout)
class PayoutAdmin(MoneyRecordAdmin):
    list_display = ("id", "creator", "amount_display", "status", "requested_at", "decided_by")
    list_filter = ("status", "currency")
    search_fields = ("creator__email",)
    list_select_related = ("creator", "decided_by")
    readonly_fields = [f.name for f in Payout._meta.fields]
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve and pay the selected payouts"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Payout]) -> None:
        done = 0
        for payout in queryset.order_by("pk"):
            try:
                services.payout_approve(payout=payout, approved_by=_staff(request))
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"#{payout.pk}: {exc.messages[0]}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d payouts paid.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Reject the selected payouts"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Payout]) -> HttpResponse | None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            return render(
                request,
                "admin/payments/payout_reject.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Reject payouts"),
                    "payouts": queryset,
                    "opts": self.model._meta,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        done = 0
        for payout in queryset.order_by("pk"):
            try:
                services.payout_reject(payout=payout, rejected_by=_staff(request), reason=reason)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"#{payout.pk}: {exc.messages[0]}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d payouts rejected.") % {"n": done}, messages.SUCCESS)
        return None


@admin.register(Tip)
class TipAdmin(ReadOnlyAdmin):
    list_display = ("id", "tipper", "creator", "amount", "currency", "message", "created_at")
    search_fields = ("tipper__email", "creator__email", "message")
    list_select_related = ("tipper", "creator")


@admin.register(TopUp)
class TopUpAdmin(RefundAdmin):
    list_display = ("id", "user", "amount", "currency", "status", "refunded_amount", "created_at")
    list_filter = ("status",)
    search_fields = ("user__email", "payment_intent_id")
    list_select_related = ("user",)
    readonly_fields = [f.name for f in TopUp._meta.fields]
    refund_service = staticmethod(_refund_top_up)
    refund_done_message = gettext_lazy("Refunded to the card.")


@admin.register(Coupon)
class CouponAdmin(ServiceWritesAdmin):
    """Staff make platform-wide coupons here (the platform bears their discount);
    creators make theirs in the studio. A coupon in use is ended, never edited."""

    list_display = ("code", "owner", "kind", "percent_off", "amount_off", "scope", "redeemed_count")
    list_filter = ("is_active", "kind", "scope")
    search_fields = ("code", "title")
    fields = (
        "code", "title", "kind", "percent_off", "amount_off", "currency", "scope", "scope_id",
        "starts_at", "ends_at", "max_redemptions", "per_user_limit", "first_purchase_only",
        "min_amount", "wallet_only", "points_price", "is_active",
    )  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Changing a coupon after buyers used it would rewrite their receipts' terms.
        return [f for f in self.fields if f != "is_active"] if obj else ["is_active"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            if not obj.is_active:
                services.coupon_deactivate(coupon=obj, by=_staff(request))
            return
        data = {f: form.cleaned_data.get(f) for f in self.fields if f != "is_active"}
        data["per_user_limit"] = data["per_user_limit"] or 1
        data["min_amount"] = data["min_amount"] or 0
        created = services.coupon_create(created_by=_staff(request), owner=None, **data)
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(ReadOnlyAdmin):
    list_display = ("coupon", "user", "list_amount", "discount", "currency", "bearer", "created_at")
