"""Emails of the live sessions, each written in its recipient's language."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from livestream.models import LiveSession


def live_now_email(*, session: LiveSession, user, reminder: bool = False) -> EmailMessage:
    """ "It is live now", in the user's language, for a reminder or for its audience."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = _("Live now: %(title)s") % {"title": session.title}
        why = (
            _("You get this email because you asked to be reminded of this session.")
            if reminder
            else _("You get this email because your subscription or ticket lets you watch it.")
        )
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
