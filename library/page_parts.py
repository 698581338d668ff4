"""What library puts on the pages of the apps below it (core/page_parts.py): "Add to
calendar" on an open session and "My learning" next to a course the viewer holds."""

from django.template import Context
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import page_parts
from livestream.models import LiveSession
from marketplace.models import Course


def session_calendar_link(context: Context, session: LiveSession) -> SafeString:
    if not session.is_open:
        return SafeString("")
    return format_html(
        ' · <a href="{}" data-testid="add-to-calendar">{}</a>',
        reverse("library:session_ics", args=[session.pk]),
        _("Add to calendar"),
    )


def my_learning_link(context: Context, course: Course) -> SafeString:
    return format_html(' <a href="{}">{}</a>', reverse("library:library"), _("My learning"))


def register() -> None:
    page_parts.register("session_byline", session_calendar_link)
    page_parts.register("course_held", my_learning_link)
