"""Emails of the live sessions, each written in its recipient's language."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from livestream.models import LiveSession


def live_now_email(
    *, session: LiveSession, user, reminder: bool = False, follower: bool = False
) -> EmailMessage:
    """ "It is live now", in the user's language, for a reminder, for its audience or
    for someone who follows the channel or its creator."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = _("Live now: %(title)s") % {"title": session.title}
        if reminder:
            why = _("You get this email because you asked to be reminded of this session.")
        elif follower:
            why = _("You get this email because you follow %(channel)s or its creator.") % {
                "channel": session.channel.title
            }
        else:
            why = _("You get this email because your subscription or ticket lets you watch it.")
        body = _(
            "Hello %(name)s,\n\n"
            "“%(title)s” on %(channel)s has just started. Join the room:\n\n"
            "%(url)s\n\n"
            "%(why)s"
        ) % {
            "why": why,
            "name": user.public_name,
            "title": session.title,
            "channel": session.channel.title,
            "url": settings.SITE_URL.rstrip("/") + session.get_absolute_url(),
        }
    return EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
