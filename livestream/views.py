"""Live session pages. The room itself (chat, questions, video) arrives with the
live-room and video work; this page already answers "may I watch?"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livestream.models import LiveSession
from marketplace.models import PublicationStatus
from marketplace.selectors import entitlement_check
from payments import services as payment_services


def session_get_or_404(pk: int, user) -> LiveSession:
    session = (
        LiveSession.objects.select_related("channel", "channel__creator", "required_tier", "course")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    is_owner = user.is_authenticated and session.channel.creator.user_id == user.pk
    if session.channel.status != PublicationStatus.PUBLISHED and not is_owner:
        raise Http404
    return session


def session_detail(request, pk):
    session = session_get_or_404(pk, request.user)
    return render(
        request,
        "livestream/session_detail.html",
        {
            "session": session,
            "has_access": entitlement_check(user=request.user, live_session=session),
        },
    )


@login_required
@require_POST
def buy_ticket(request, pk):
    session = session_get_or_404(pk, request.user)
    try:
        payment_services.purchase_with_wallet(buyer=request.user, live_session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your ticket is booked. See you there!"))
    return redirect("livestream:session_detail", pk=session.pk)
