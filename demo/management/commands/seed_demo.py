"""Fill an empty site with a believable demo: creators, channels, tiers, courses,
upcoming live sessions, plus demo learner and moderator accounts.

Safe to run twice: people are matched by email and the content of a creator who
already has a channel is left alone. Everything is written through the services,
so the demo obeys the same rules as real users.
"""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from content import services as content_services
from content.models import Access
from livestream.models import LiveSession
from livestream.services import session_schedule
from marketplace import services
from marketplace.models import Category, Channel, CreatorProfile, PublicationStatus
from moderation.permissions import MODERATORS_GROUP
from qa import services as qa_services

DEMO_PASSWORD = "demo-pass-2026"

# The demo creators, each with a channel, tiers, courses and sessions (prices in minor
# units; sessions at a whole hour UTC, some days from now).
CREATORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[2] / "creators.json").read_text(encoding="utf-8")
)

LEARNER = ("learner@demo.zhiliao", "Demo Learner")
MODERATOR = ("moderator@demo.zhiliao", "Demo Moderator")


def _lessons(user: User, course, summary: str) -> None:
    """A free welcome lesson and a lesson with a free preview, published."""
    welcome = content_services.lesson_create(
        user=user,
        course=course,
        title="Welcome and how this course works",
        summary=summary,
        body=f"## Welcome\n\n{summary}\n\nEach week: one live session, one lesson, one exercise.",
    )
    deep_dive = content_services.lesson_create(
        user=user,
        course=course,
        title="Week 1: the core idea",
        summary="The idea everything else builds on.",
        access=Access.PREVIEW,
        body=(
            "## The core idea\n\nThe first part of this lesson is free to read.\n\n"
            "<!-- more -->\n\n## Worked example\n\nTicket holders read the worked "
            "example, the exercise and its solution here."
        ),
    )
    for lesson in (welcome, deep_dive):
        content_services.item_publish(user=user, item=lesson)


def _article(user: User, channel, tagline: str, description: str) -> None:
    article = content_services.article_create(
        user=user,
        channel=channel,
        title=f"{tagline}: what to expect here",
        summary=description,
        body=f"{description}\n\nFollow the channel for live sessions and new lessons.",
    )
    content_services.item_publish(user=user, item=article)


def _user(email: str, name: str, *, is_staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": name, "is_staff": is_staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _channel(creator, spec: dict[str, Any], categories: dict[str, Category]) -> Channel:
    """The creator's published channel, its tiers and its published courses."""
    ch = spec["channel"]
    channel = services.channel_create(
        creator=creator,
        title=ch["title"],
        slug=ch["slug"],
        tagline=ch["tagline"],
        description=ch["description"],
        category=categories[ch["category"]],
        language=ch["language"],
        tags=ch["tags"],
        status=PublicationStatus.PUBLISHED,
    )
    for tier in spec["tiers"]:
        services.tier_create(
            channel=channel,
            name=tier["name"],
            price_amount=tier["price"],
            currency=tier["currency"],
            benefits=tier["benefits"],
        )
    for course in spec["courses"]:
        services.course_create(
            channel=channel,
            title=course["title"],
            slug=course["slug"],
            summary=course["summary"],
            description=f"{course['summary']}\n\n{ch['description']}",
            category=categories[ch["category"]],
            level=course["level"],
            language=ch["language"],
            price_amount=course["price"],
            currency=course["currency"],
            tags=course["tags"],
            status=PublicationStatus.PUBLISHED,
        )
    return channel


def _lessons_and_article(user: User, channel: Channel) -> None:
    for course in channel.courses.all():
        _lessons(user, course, course.summary)
    _article(user, channel, channel.tagline, channel.description)


class Command(BaseCommand):
    help = "Fill the site with demo creators, channels, tiers, courses and sessions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the site already has channels (used by `make run`).",
        )

    @transaction.atomic
    def handle(self, *args, if_empty=False, **options):
        if if_empty and Channel.objects.exists():
            self.stdout.write("The site already has content; demo data not added.")
            return
        categories = {c.slug: c for c in Category.objects.all()}
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        created = 0
        for spec in CREATORS:
            user = _user(spec["email"], spec["name"])
            creator = getattr(user, "creator_profile", None) or services.creator_become(
                user=user,
                display_name=spec["name"],
                headline=spec["headline"],
                bio=spec["bio"],
                topics=spec["topics"],
            )
            if creator.channels.exists():
                continue
            # Demo experts start verified (in real life a moderator approves their
            # application): their content publishes without waiting for review.
            CreatorProfile.objects.filter(pk=creator.pk).update(is_verified=True)
            channel = _channel(creator, spec, categories)
            _lessons_and_article(user, channel)
            first_tier = channel.tiers.order_by("price_amount")[0]
            qa_services.expert_settings_update(
                user=user,
                enabled=True,
                base_price=2000,
                currency=first_tier.currency,
                answer_hours=48,
            )
            for n, session in enumerate(spec["sessions"]):
                # The first session of each channel sells tickets, the second is
                # for subscribers: the demo shows both ways in.
                access: dict[str, Any] = {"access": LiveSession.Access.FREE}
                if n == 0:
                    access = {
                        "access": LiveSession.Access.TICKET,
                        "ticket_price_amount": 990,
                        "ticket_currency": first_tier.currency,
                    }
                elif n == 1:
                    access = {"access": LiveSession.Access.SUBSCRIBERS, "required_tier": first_tier}
                start = now.replace(hour=session["hour_utc"])
                session_schedule(
                    user=user,
                    channel=channel,
                    title=session["title"],
                    scheduled_start=start + timedelta(days=session["days_from_now"]),
                    **access,
                )
            created += 1

        _user(*LEARNER)
        moderator = _user(*MODERATOR, is_staff=True)
        # The group and its permissions come from moderation.permissions (post-migrate).
        moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))

        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {created} new creators."))
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        self.stdout.write(f"  learner    {LEARNER[0]}")
        self.stdout.write(f"  creator    {CREATORS[0]['email']}")
        self.stdout.write(f"  moderator  {MODERATOR[0]}  (Django admin at /admin/)")
