from django import template

from qa import selectors

register = template.Library()


@register.inclusion_tag("qa/expert_card.html")
def qa_expert_card(user):
    """The creator page's paid-question box: terms, rating, recent public answers."""
    terms = selectors.expert_settings_enabled(user=user)
    answered = selectors.public_answered(expert=user, limit=5) if terms else []
    return {"terms": terms, "answered": answered}
