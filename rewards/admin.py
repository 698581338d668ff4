from django.contrib import admin

from rewards.models import PointsRule, Referral


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    """Staff tune how many points each action earns, its daily cap and switch."""

    list_display = ("key", "points", "daily_cap", "minutes", "coupon_code", "is_active")
    list_editable = ("points", "daily_cap", "minutes", "is_active")


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ("inviter", "invitee", "created_at", "rewarded_at")
    readonly_fields = ("inviter", "invitee", "created_at", "rewarded_at", "purchase_id")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
