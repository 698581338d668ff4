"""What hooks puts on the pages of the apps below it (core/page_parts.py): the studio's
link to the creator's webhook endpoints."""

from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import page_parts
from marketplace.models import CreatorProfile


def studio_webhooks_link(context: Context, creator: CreatorProfile) -> SafeString:
    return format_html(
        ' · <a href="{}" data-testid="studio-webhooks">{}</a>',
        reverse("hooks:endpoints"),
        _("Webhooks"),
    )


def register() -> None:
    page_parts.register("studio_links", studio_webhooks_link, order=40)
