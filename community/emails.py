"""E-mails of community, each in its recipient's language."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import in_language_of
from livestream.models import LiveSession


def follower_live_email(*, session: LiveSession, user: User) -> EmailMessage:
    """ "It is live now", for someone who follows the channel or its creator."""
    with in_language_of(user):
        subject = _("Live now: %(title)s") % {"title": session.title}
        body = _(
            "Hello %(name)s,\n\n"
            "“%(title)s” on %(channel)s has just started. Join the room:\n\n"
            "%(url)s\n\n"
            "You get this email because you follow %(channel)s or its creator."
        ) % {
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
