"""Marketplace's own entry in the studio's row of links (core/page_parts.py): the row is
one place that every app with a studio page adds to, in order, and the coupons link
stands among them."""

from django.utils.translation import gettext_lazy as _

from core import page_parts

studio_coupons_link = page_parts.link(
    _("Coupons"), "marketplace:studio_coupons", testid="studio-coupons"
)


def register() -> None:
    page_parts.register("studio_links", studio_coupons_link, order=20)
