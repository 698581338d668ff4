from django.contrib import admin

from ads.models import Campaign
from core.admin import ReadOnlyAdmin


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    """Campaigns are approved or rejected in the review queue; here staff look."""

    list_display = ("headline", "advertiser", "status", "bid", "bid_amount", "budget", "charged")
    list_filter = ("status", "bid")
