"""What library puts on the pages of the apps below it (core/page_parts.py): "Add to
calendar" on an open session and "My learning" next to a course the viewer holds."""

from django.utils.translation import gettext_lazy as _

from core import page_parts

session_calendar_link = page_parts.link(
    _("Add to calendar"),
    "library:session_ics",
    args=lambda session: [session.pk],
    testid="add-to-calendar",
    when=lambda session: session.is_open,
)
my_learning_link = page_parts.link(_("My learning"), "library:library", before=" ")


def register() -> None:
    page_parts.register("session_byline", session_calendar_link)
    page_parts.register("course_held", my_learning_link)
