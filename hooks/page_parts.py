"""What hooks puts on the pages of the apps below it (core/page_parts.py): the studio's
link to the creator's webhook endpoints."""

from django.utils.translation import gettext_lazy as _

from core import page_parts

studio_webhooks_link = page_parts.link(_("Webhooks"), "hooks:endpoints", testid="studio-webhooks")


def register() -> None:
    page_parts.register("studio_links", studio_webhooks_link, order=40)
