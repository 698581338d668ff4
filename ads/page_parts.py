"""What ads puts on the pages of the apps below it (core/page_parts.py): at most one
labelled sponsored card on a list (`{% part "sponsored" "catalogue" %}`; the object is
the placement), and the studio's link to the creator's campaigns."""

from django.utils.translation import gettext_lazy as _

from ads.templatetags import sponsored as sponsored_tags
from core import page_parts

sponsored_card = page_parts.inclusion("ads/sponsored_card.html", sponsored_tags.sponsored)
studio_campaigns_link = page_parts.link(
    _("Sponsored campaigns"), "ads:campaigns", testid="studio-campaigns"
)


def register() -> None:
    page_parts.register("sponsored", sponsored_card)
    page_parts.register("studio_links", studio_campaigns_link, order=30)
