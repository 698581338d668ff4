from django import template

from content import selectors

register = template.Library()


@register.inclusion_tag("content/includes/course_outline.html", takes_context=True)
def course_outline(context, course):
    """The outline of `course`; a page that already computed it (the lesson page) passes
    it in its context as `outline`, so it is not queried twice."""
    outline = context.get("outline")
    if outline is None or context.get("course") != course:
        outline = selectors.course_outline(course=course, user=context["request"].user)
    return {"course": course, "outline": outline}


@register.inclusion_tag("content/includes/channel_articles.html", takes_context=True)
def channel_articles(context, channel):
    user = context["request"].user
    return {"channel": channel, "articles": selectors.channel_articles(channel=channel, user=user)}
