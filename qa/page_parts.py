"""What qa puts on the pages of the apps below it (core/page_parts.py): the paid-question
box of a creator's page and the studio's links to the question queue and its settings."""

from django.template import Context
from django.utils.translation import gettext_lazy as _

from core import page_parts
from marketplace.models import CreatorProfile
from qa.templatetags import qa_tags


def _expert_card(context: Context, creator: CreatorProfile) -> dict:
    return qa_tags.qa_expert_card(creator.user)


expert_card = page_parts.inclusion("qa/expert_card.html", _expert_card)
studio_questions_link = page_parts.link(_("Paid questions"), "qa:queue", testid="studio-questions")
studio_settings_link = page_parts.link(_("Paid Q&A settings"), "qa:expert_settings")


def register() -> None:
    page_parts.register("expert_card", expert_card)
    page_parts.register("studio_links", studio_questions_link, order=60)
    page_parts.register("studio_links", studio_settings_link, order=61)
