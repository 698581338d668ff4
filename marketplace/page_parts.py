"""Marketplace's own entry in the studio's row of links (core/page_parts.py): the row is
one place that every app with a studio page adds to, in order, and the coupons link
stands among them."""

from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import page_parts
from marketplace.models import CreatorProfile


def studio_coupons_link(context: Context, creator: CreatorProfile) -> SafeString:
    return format_html(
        ' · <a href="{}" data-testid="studio-coupons">{}</a>',
        reverse("marketplace:studio_coupons"),
        _("Coupons"),
    )


def register() -> None:
    page_parts.register("studio_links", studio_coupons_link, order=20)
