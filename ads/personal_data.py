"""ads' personal data (accounts.personal_data), registered from AdsConfig.ready():
the campaigns a person ran. What their listings were shown and charged stays with
the campaign; the money is in payments' ledger lines."""

from accounts import personal_data
from ads.models import Campaign


def register() -> None:
    personal_data.register_rows(
        "sponsored_campaigns",
        lambda user: Campaign.objects.filter(advertiser=user),
        "id target target_id headline bid bid_amount daily_budget budget currency funded_from "
        "starts_on ends_on status charged released created_at",
    )
