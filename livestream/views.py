"""Live session pages: the room (video area, chat, question board, host panel),
tickets and reminders. The room's live part runs over the socket
(livestream.consumers); this page renders its current state for a first paint."""

import contextlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from core import events
from core.money import format_money
from core.views import flash_outcome
from livestream import console_selectors, embed, embed_views, selectors, services, video
from livestream.forms import ChatReportForm
from livestream.models import LiveSession, SessionReminder
from marketplace import purchase_views, purchases
from moderation import services as moderation_services


def session_detail(request, pk):
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    if request.user.is_authenticated:  # an interest signal; anonymous views store nothing
        events.send_on_commit(
            events.Engaged.about(user_id=request.user.pk, kind="view", obj=session, request=request)
        )
    role = services.room_role(session=session, user=request.user)
    context = {
        "session": session,
        "role": role,
        "has_access": role.can_watch,
        "reminder_on": request.user.is_authenticated
        and SessionReminder.objects.filter(session=session, user=request.user).exists(),
    }
    until = session.refundable_until
    if until is not None and timezone.now() <= until:
        context["refund"] = {
            "purchase": services.ticket_refund_purchase(session=session, user=request.user),
            "until": until,
        }
    replay_ready = session.replay_status == LiveSession.Replay.READY and (
        not session.replay_hidden or role.is_host
    )
    context["replay_ready"] = replay_ready
    if replay_ready and not embed.embed_refusal(session):
        context["embed_code"] = embed_views.embed_code(session.pk)
    code = request.GET.get("code", "")
    if code and not role.can_watch and session.access == LiveSession.Access.TICKET:
        # A share link (?code=...) applies its coupon to the ticket.
        with contextlib.suppress(ValidationError):  # not on sale: the page says so
            context["coupon"] = purchases.checkout_price(
                buyer=request.user, code=code, live_session=session
            )
    if role.can_watch:
        context.update(_room_page_extras())
        questions = [
            selectors.question_payload(q) for q in selectors.question_board(session=session)
        ]
        tip_totals = console_selectors.session_tip_totals(session=session) if role.is_host else {}
        context.update(
            tip_totals=tip_totals,
            open_questions=sum(q["status"] == "open" for q in questions),
            leaders=console_selectors.tip_leaderboard(session=session),
            tips_anonymous=console_selectors.leaderboard_opted_out(user=request.user),
        )
        context["room"] = {
            "session": session.pk,
            "status": session.status,
            "replay_ready": replay_ready,
            "chapters": video.replay_chapters(session=session) if replay_ready else [],
            "last_seq": session.last_seq,
            "role": role.label,
            "user": request.user.pk,
            # The room's script puts the message's number in place of the 0.
            "report_url": reverse("livestream:chat_report", args=[session.pk, 0]),
            "question_report_url": reverse("livestream:question_report", args=[session.pk, 0]),
            "settings": selectors.room_settings_payload(session),
            "chat": selectors.room_chat_history(session=session, include_held=role.can_moderate),
            "questions": questions,
            "pinned": console_selectors.room_pinned_payload(session),
            "tip_totals": tip_totals,
            "leaderboard_url": reverse("livestream:session_leaderboard", args=[session.pk]),
        }
    return render(request, "livestream/session_detail.html", context)


def _room_page_extras() -> dict:
    """Choices and the translated words the room's script shows."""
    return {
        "max_chat_chars": settings.LIVESTREAM_MAX_CHAT_CHARS,
        "currencies": list(settings.MARKETPLACE_CURRENCIES),
        "default_currency": settings.MARKETPLACE_DEFAULT_CURRENCY,
        "priority_min": f"{settings.LIVESTREAM_PRIORITY_QUESTION_MIN / 100:.2f}",
        "slow_mode_choices": [
            (0, _("Off")),
            (5, _("5 seconds")),
            (30, _("30 seconds")),
            (60, _("1 minute")),
            (300, _("5 minutes")),
        ],
        "room_labels": {
            "connected": _("connected"),
            "connecting": _("reconnecting…"),
            "viewers": _("%(n)s watching"),
            "answered": _("Answered"),
            "pinned": _("Pinned"),
            "paid": _("Paid %(amount)s"),
            "refunded": _("Refunded"),
            "upvote": _("Upvote"),
            "answer": _("Mark answered"),
            "pin": _("Pin"),
            "no_tips": _("No tips yet."),
            "unpin": _("Unpin"),
            "dismiss": _("Dismiss"),
            "delete": _("Delete"),
            "mute": _("Mute 10 min"),
            "ban": _("Ban"),
            "deleted": _("(message deleted)"),
            "held": _("Held by screening (%(score)s: %(words)s); viewers don't see it"),
            "approve": _("Approve"),
            "reject": _("Reject"),
            "held_notice": _("Your message waits for a moderator before others see it."),
            "tipped": _("tipped %(amount)s"),
            "report": _("Report"),
            "report_prompt": _("What is wrong with this message?"),
            "reported": _("Reported. Thank you."),
            "status": {
                "scheduled": _("Scheduled"),
                "live": _("Live"),
                "ended": _("Ended"),
                "cancelled": _("Cancelled"),
            },
            "video": {
                "scheduled": _("Waiting for the host to go live."),
                "live": _("The host is live."),
                "ended": _("This session has ended."),
                "cancelled": _("This session was cancelled."),
            },
            "system": {
                "session.started": _("The session has started."),
                "session.ended": _("The session has ended."),
                "session.cancelled": _("The session was cancelled."),
                "user.muted": _("%(name)s was muted."),
                "user.unmuted": _("%(name)s may chat again."),
                "user.banned": _("%(name)s was removed from the room."),
                "user.unbanned": _("%(name)s may join again."),
            },
            "access_ended": _("Your access to this video has ended."),
            "quality_auto": _("Auto quality"),
            "video_reconnecting": _("Reconnecting to the video…"),
            "slow_mode": _("Slow mode: one message every %(n)s seconds."),
            "subscribers_only": _("Chat is for subscribers only."),
        },
    }


def _session_button(request, pk, act, done):
    """A button on a session's page: run `act(session)`, say how it went, go back."""
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    flash_outcome(request, lambda: act(session), done)
    return redirect("livestream:session_detail", pk=session.pk)


@login_required
@require_POST
def buy_ticket(request, pk):
    return _session_button(
        request,
        pk,
        lambda session: purchases.purchase_with_wallet(
            buyer=request.user, live_session=session, coupon_code=request.POST.get("coupon", "")
        ),
        _("Your ticket is booked. See you there!"),
    )


@login_required
@require_POST
def ticket_refund(request, pk):
    return _session_button(
        request,
        pk,
        lambda session: services.ticket_refund_self(session=session, user=request.user),
        lambda purchase: (
            (
                _(
                    "Your ticket is refunded to your card: %(amount)s. "
                    "It may take a few days to show."
                )
                if purchase.method == purchase.Method.CARD
                else _("Your ticket is refunded to your wallet: %(amount)s.")
            )
            % {"amount": format_money(purchase.refunded_amount, purchase.currency)}
        ),
    )


@login_required
@require_POST
def reminder_toggle(request, pk):
    on = request.POST.get("on") == "1"
    return _session_button(
        request,
        pk,
        lambda session: services.reminder_set(session=session, user=request.user, on=on),
        lambda reminded: (
            _("We will tell you when it starts.") if reminded else _("Reminder removed.")
        ),
    )


@login_required
def session_card_checkout(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    return purchase_views.card_checkout(
        request,
        title=session.title,
        price=format_money(session.ticket_price_amount or 0, session.ticket_currency),
        back=session.get_absolute_url(),
        live_session=session,
    )


def _report(request: AuthenticatedHttpRequest, obj: Model) -> JsonResponse:
    """Report something said in the room (the room's script posts the reason)."""
    form = ChatReportForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        moderation_services.report_submit(
            reporter=request.user, obj=obj, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        errors = {"reason": [{"message": m} for m in exc.messages]}
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse(
        {"message": _("Thank you. Moderators will look at it and tell you the outcome.")},
        status=201,
    )


@login_required
@require_POST
def chat_report(request: AuthenticatedHttpRequest, pk: int, seq: int) -> JsonResponse:
    """Report a chat message from the room."""
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    return _report(request, selectors.chat_message_get_for_report(session=session, seq=seq))


@login_required
@require_POST
def question_report(request: AuthenticatedHttpRequest, pk: int, question: int) -> JsonResponse:
    """Report a question on the room's board."""
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    return _report(request, selectors.question_get_for_report(session=session, pk=question))
