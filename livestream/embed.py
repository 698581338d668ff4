"""The embeddable replay player (an iframe on other sites): which replays may be
embedded, and the anonymous playback token its player gets.

Only a replay anyone with an account could watch for nothing: a free session whose
channel is published, ended, with its replay ready and not hidden. A ticket or
subscribers' replay refuses (the frame says to watch it on the site), so embedding
is never a way around a paywall."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from livestream import playback
from livestream.models import LiveSession
from marketplace.models import PublicationStatus


def embed_refusal(session: LiveSession) -> str:
    """'' if the session's replay may be embedded, else why not (for the frame)."""
    if session.access != LiveSession.Access.FREE:
        return _("This replay is for ticket holders or subscribers: watch it on Zhiliao.")
    if session.channel.status != PublicationStatus.PUBLISHED:
        return _("This replay is not available.")
    if (
        session.status != LiveSession.Status.ENDED
        or session.replay_status != LiveSession.Replay.READY
        or session.replay_hidden
    ):
        return _("This replay is not available.")
    return ""


def embed_session_get(pk: int) -> LiveSession | None:
    return LiveSession.objects.select_related("channel", "channel__creator").filter(pk=pk).first()


def embed_token_issue(*, session_id: int) -> playback.PlaybackToken:
    """A replay token for nobody in particular (viewer 0), if the replay may be
    embedded; PermissionDenied otherwise (also once it stops being embeddable)."""
    session = embed_session_get(session_id)
    if session is None or embed_refusal(session):
        raise PermissionDenied("not embeddable")
    return playback.token_sign(kind="vod", session_id=session.pk, viewer=0)
