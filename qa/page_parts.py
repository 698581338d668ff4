"""What qa puts on the pages of the apps below it (core/page_parts.py): the paid-question
box of a creator's page and the studio's links to the question queue and its settings."""

from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import page_parts
from marketplace.models import CreatorProfile
from qa.templatetags import qa_tags


def _expert_card(context: Context, creator: CreatorProfile) -> dict:
    return qa_tags.qa_expert_card(creator.user)


expert_card = page_parts.inclusion("qa/expert_card.html", _expert_card)


def studio_questions_links(context: Context, creator: CreatorProfile) -> SafeString:
    return format_html(
        ' · <a href="{}" data-testid="studio-questions">{}</a> · <a href="{}">{}</a>',
        reverse("qa:queue"),
        _("Paid questions"),
        reverse("qa:expert_settings"),
        _("Paid Q&A settings"),
    )


def register() -> None:
    page_parts.register("expert_card", expert_card)
    page_parts.register("studio_links", studio_questions_links, order=60)
