"""Assistant fixtures: alice teaches (a paid lesson, an expert answer), bob learns,
help articles written by staff. The index is built synchronously here."""

import pytest

from assistant import index
from assistant.models import HelpArticle
from content import services as content
from content.models import Access
from qa import matching
from qa import services as qa
from tests.factories import CourseFactory

SECRET = "The secret paid paragraph explains generator pipelines with yield from."


@pytest.fixture(autouse=True)
def _fresh_index(settings):
    settings.ASSISTANT_INDEX_BUILD_IN_BACKGROUND = False
    settings.ASSISTANT_INDEX_MIN_REBUILD_SECONDS = 0
    settings.QA_INDEX_MIN_REBUILD_SECONDS = 0
    settings.QA_INDEX_REBUILD_IN_BACKGROUND = False
    index.index_reset()
    matching.index_reset()
    yield
    index.index_reset()
    matching.index_reset()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block and then its on-commit work (events, Celery tasks, eager here)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = fn(*args, **kwargs)
        return result

    return run


@pytest.fixture
def refund_article(db, committed):
    return committed(
        HelpArticle.objects.create,
        title="How refunds work",
        slug="refunds",
        topic=HelpArticle.Topic.REFUNDS,
        body=(
            "Unanswered paid questions are refunded to your wallet at the deadline. "
            "To get a refund for a ticket, open a support ticket within 14 days."
        ),
    )


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, title="Python Deep Dive", slug="python-deep")


@pytest.fixture
def paid_lesson(alice, course, committed):
    def create():
        lesson = content.lesson_create(
            user=alice.user,
            course=course,
            title="Generators and yield",
            summary="Lazy sequences in Python.",
            body=f"Free intro about generators.\n\n<!-- more -->\n\n{SECRET}\n",
            access=Access.TICKET,
        )
        return content.item_publish(user=alice.user, item=lesson)

    return committed(create)


@pytest.fixture
def expert(alice):
    qa.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    return alice.user
