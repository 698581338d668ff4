"""Reads of "My learning": everything a learner holds, gathered from the apps below
through their selectors, and the calendar feed behind a secret token."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.http import Http404
from django.utils import timezone

from accounts.models import User
from content.selectors import courses_progress
from content.selectors.courses import LibraryProgress
from library.models import CalendarFeed
from livestream import selectors as live
from livestream.models import LiveSession
from marketplace.holdings import courses_followed, holdings_for
from marketplace.models import Course, Entitlement
from payments import selectors as money
from payments.models import Subscription
from qa import selectors as qa
from qa.models import Question, Unlock

# What "about to" means: renewals and endings this close are listed at the top.
SOON = timedelta(days=14)


@dataclass(frozen=True)
class CourseRow:
    course: Course
    progress: LibraryProgress
    via_subscription: bool  # included in a subscription rather than bought


@dataclass(frozen=True)
class Expiring:
    """Something that ends or renews soon: a subscription period or a time-boxed grant."""

    title: str
    url: str
    at: datetime
    renews: bool  # True: it renews (and charges) then; False: access ends then


@dataclass(frozen=True)
class Library:
    upcoming: list[LiveSession]
    courses: list[CourseRow]
    subscriptions: list[Subscription]
    replays: list[LiveSession]
    unlocked: list[Unlock]
    answered: list[Question]
    expiring: list[Expiring] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.upcoming
            or self.courses
            or self.subscriptions
            or self.replays
            or self.unlocked
            or self.answered
        )


def _expiring(
    subscriptions: list[Subscription], entitlements: list[Entitlement], now: datetime
) -> list[Expiring]:
    rows = [
        Expiring(
            title=f"{s.tier.channel.title}: {s.tier.name}",
            url=s.tier.channel.get_absolute_url(),
            at=s.paid_until,
            renews=not s.cancel_at_period_end and s.status == "active",
        )
        for s in subscriptions
        if s.paid_until is not None and now <= s.paid_until <= now + SOON
    ]
    # Grants with an end (staff gifts, time-boxed tickets); subscription periods are
    # listed above through their subscription.
    for e in entitlements:
        if e.source == Entitlement.Source.SUBSCRIPTION or e.ends_at is None:
            continue
        if e.ends_at <= now + SOON and e.course is not None:
            rows.append(
                Expiring(
                    title=e.course.title,
                    url=e.course.get_absolute_url(),
                    at=e.ends_at,
                    renews=False,
                )
            )
    return sorted(rows, key=lambda row: row.at)


def library_for_user(*, user: User) -> Library:
    """Everything the learner holds, each list in one or two queries."""
    now = timezone.now()
    holdings = holdings_for(user=user)
    courses = courses_followed(user=user, holdings=holdings)
    progress = courses_progress(user=user, courses=courses)
    subscriptions = list(
        money.subscriptions_current(user=user)
        .select_related("tier", "tier__channel")
        .order_by("paid_until", "pk")
    )
    return Library(
        upcoming=live.learner_upcoming_sessions(user=user, holdings=holdings),
        courses=[
            CourseRow(
                course=course,
                progress=progress[course.pk],
                via_subscription=course.pk not in holdings.course_ids,
            )
            for course in courses
        ],
        subscriptions=subscriptions,
        replays=live.learner_replays(user=user, holdings=holdings),
        unlocked=list(qa.answers_unlocked(user=user)[:50]),
        answered=list(qa.questions_asked(user=user).filter(status=Question.Status.ANSWERED)[:50]),
        expiring=_expiring(subscriptions, holdings.entitlements, now),
    )


def calendar_feed_sessions(*, token: str) -> tuple[User, list[LiveSession]]:
    """The feed's owner and the sessions they may join; 404 for an unknown token."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    holdings = holdings_for(user=feed.user)
    return feed.user, live.learner_upcoming_sessions(user=feed.user, holdings=holdings)
