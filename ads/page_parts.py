"""What ads puts on the pages of the apps below it (core/page_parts.py): at most one
labelled sponsored card on a list (`{% part "sponsored" "catalogue" %}`; the object is
the placement), and the studio's link to the creator's campaigns."""

from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ads.templatetags import sponsored as sponsored_tags
from core import page_parts
from marketplace.models import CreatorProfile

sponsored_card = page_parts.inclusion("ads/sponsored_card.html", sponsored_tags.sponsored)


def studio_campaigns_link(context: Context, creator: CreatorProfile) -> SafeString:
    return format_html(
        ' · <a href="{}" data-testid="studio-campaigns">{}</a>',
        reverse("ads:campaigns"),
        _("Sponsored campaigns"),
    )


def register() -> None:
    page_parts.register("sponsored", sponsored_card)
    page_parts.register("studio_links", studio_campaigns_link, order=30)
