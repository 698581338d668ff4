"""Hand-built little catalogues for the recommend tests (site side)."""

import pytest
from django.utils import timezone

from core import events
from marketplace.models import Entitlement
from tests.factories import (
    CategoryFactory,
    ChannelFactory,
    CourseFactory,
    CreatorFactory,
    LiveSessionFactory,
    TagFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _recommend_settings(settings):
    settings.RECOMMEND_QUICK_REFRESH = False  # tests run the refresh when they mean to
    settings.RECOMMEND_VARIANTS = {"blend": 100}


@pytest.fixture
def finance():
    return CategoryFactory.get("finance")


@pytest.fixture
def shelf(db, finance, technology):
    """Two finance creators and two technology creators, each with a channel, two
    courses and a session."""
    out = {"finance": [], "technology": []}
    for topic, category, words in (
        ("finance", finance, ["stocks", "bonds", "budget", "retirement"]),
        ("technology", technology, ["python", "django", "rust", "kubernetes"]),
    ):
        for n in range(2):
            creator = CreatorFactory(display_name=f"{topic} creator {n}")
            tag = TagFactory(name=words[n])
            channel = ChannelFactory(
                creator=creator,
                category=category,
                title=f"{words[n].title()} {topic} channel",
                description=f"All about {words[n]} and {words[n + 2]} in {topic}",
                tags=[tag],
            )
            for m in range(2):
                out[topic].append(
                    CourseFactory(
                        channel=channel,
                        category=category,
                        title=f"{words[(n + m) % 4].title()} {topic} course {n}{m}",
                        description=f"{topic} {words[m]} {words[n + 2]} lessons",
                        tags=[tag],
                    )
                )
            out[topic].append(
                LiveSessionFactory(
                    channel=channel,
                    title=f"Live {topic}: {words[n]} questions",
                    description=f"{topic} {words[n]}",
                )
            )
            out[topic].append(channel)
    return out


def grant(user, *, course=None, live_session=None):
    return Entitlement.objects.create(
        user=user,
        course=course,
        live_session=live_session,
        source=Entitlement.Source.GRANT,
        source_ref=f"test-{user.pk}-{course and course.pk}-{live_session and live_session.pk}",
        starts_at=timezone.now(),
    )


@pytest.fixture
def learner(db):
    return UserFactory(display_name="Learner")


@pytest.fixture(autouse=True)
def _on_commit_runs_at_once(request, monkeypatch):
    """A `db` test runs inside a transaction that never commits, so event writes
    queued with on_commit would never happen. There, run them at once; transactional
    tests (the rollback test, the real worker) keep the real on-commit behaviour."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not transactional:
        monkeypatch.setattr("recommend.services._on_commit", lambda fn: fn())
        # Interest signals reach recommend as events delivered on commit: at once too.
        monkeypatch.setattr("core.events.send_on_commit", events.send)
