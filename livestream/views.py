"""Live session pages: the room (video area, chat, question board, host panel),
tickets and reminders. The room's live part runs over the socket
(livestream.consumers); this page renders its current state for a first paint."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livestream import selectors, services
from livestream.models import SessionReminder
from payments import services as payment_services


def session_detail(request, pk):
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    role = services.room_role(session=session, user=request.user)
    context = {
        "session": session,
        "role": role,
        "has_access": role.can_watch,
        "reminder_on": request.user.is_authenticated
        and SessionReminder.objects.filter(session=session, user=request.user).exists(),
    }
    if role.can_watch:
        context["room"] = {
            "session": session.pk,
            "status": session.status,
            "last_seq": session.last_seq,
            "role": role.label,
            "user": request.user.pk,
            "settings": services.room_settings_payload(session),
            "chat": selectors.room_chat_history(session=session),
            "questions": [
                services.question_payload(q) for q in selectors.question_board(session=session)
            ],
        }
    return render(request, "livestream/session_detail.html", context)


@login_required
@require_POST
def buy_ticket(request, pk):
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    try:
        payment_services.purchase_with_wallet(buyer=request.user, live_session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your ticket is booked. See you there!"))
    return redirect("livestream:session_detail", pk=session.pk)


@login_required
@require_POST
def reminder_toggle(request, pk):
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    try:
        on = services.reminder_set(
            session=session, user=request.user, on=request.POST.get("on") == "1"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("We will tell you when it starts.") if on else _("Reminder removed."),
        )
    return redirect("livestream:session_detail", pk=session.pk)
