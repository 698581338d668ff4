"""What discussions puts on the pages of the apps below it (core/page_parts.py): the
discussion area of a session or course page."""

from core import page_parts
from discussions.templatetags import discussions as discussion_tags

discussion_area = page_parts.inclusion("discussions/_area.html", discussion_tags.discussion_area)


def register() -> None:
    page_parts.register("discussion_area", discussion_area)
