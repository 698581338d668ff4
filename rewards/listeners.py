"""Points follow what people do elsewhere: events from payments, qa and livestream."""

import contextlib

from allauth.account.signals import user_signed_up
from django.core.exceptions import ValidationError

from accounts.models import User
from core import events
from livestream.events import SessionWatched
from payments.events import PurchaseCompleted, PurchaseRefunded
from qa.events import AnswerHidden, AnswerRated, QuestionAnswered
from rewards import services
from rewards.models import PointsRule

Key = PointsRule.Key


def _user(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def on_purchase(event: PurchaseCompleted) -> None:
    buyer = _user(event.buyer_id)
    if buyer is not None:
        services.first_purchase_reward(buyer=buyer, purchase_id=event.purchase_id)


def on_refund(event: PurchaseRefunded) -> None:
    services.purchase_undone(buyer_id=event.buyer_id, purchase_id=event.purchase_id)


def on_answered(event: QuestionAnswered) -> None:
    expert = _user(event.expert_id)
    if expert is not None:
        services.points_earn(user=expert, key=Key.ANSWERED, source=f"answer:{event.question_id}")


def on_answer_hidden(event: AnswerHidden) -> None:
    expert = User.objects.get(pk=event.expert_id)
    services.points_undo(user=expert, source=f"answer:{event.question_id}")


def on_rated(event: AnswerRated) -> None:
    asker = _user(event.asker_id)
    if asker is not None:
        services.points_earn(user=asker, key=Key.RATING, source=f"rating:{event.question_id}")


def on_watched(event: SessionWatched) -> None:
    rule = PointsRule.objects.filter(key=Key.WATCH, is_active=True).first()
    viewer = _user(event.user_id)
    if rule is None or viewer is None or event.seconds < rule.minutes * 60:
        return
    services.points_earn(user=viewer, key=Key.WATCH, source=f"watch:{event.session_id}")


def subscribe() -> None:
    events.subscribe(PurchaseCompleted, on_purchase)
    events.subscribe(PurchaseRefunded, on_refund)
    events.subscribe(QuestionAnswered, on_answered)
    events.subscribe(AnswerHidden, on_answer_hidden)
    events.subscribe(AnswerRated, on_rated)
    events.subscribe(SessionWatched, on_watched)
    user_signed_up.connect(on_signed_up, dispatch_uid="rewards_referral")


def on_signed_up(request, user, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """A visitor who came through an invite link signs up: record who invited them."""
    code = request.session.pop(services.INVITE_SESSION_KEY, None) if request is not None else None
    if code:
        # A bad or self-made link: the sign-up goes on without a referral.
        with contextlib.suppress(ValidationError):
            services.referral_record(code=code, invitee=user)
