import pytest

from content import services as content_services
from content.models import Access
from tests.factories import CourseFactory, LiveSessionFactory, TierFactory


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, title="Python Deep Dive", slug="python-deep")


@pytest.fixture
def tier(alice_channel):
    return TierFactory(channel=alice_channel, name="Gold", price_amount=5000)


@pytest.fixture
def session(alice_channel):
    return LiveSessionFactory(
        channel=alice_channel, access="ticket", ticket_price_amount=1500, ticket_currency="CNY"
    )


@pytest.fixture
def lesson(alice, course):
    return content_services.lesson_create(
        user=alice.user,
        course=course,
        title="Generators",
        summary="",
        body="Body",
        access=Access.TICKET,
    )


@pytest.fixture
def article(alice, alice_channel):
    return content_services.article_create(
        user=alice.user,
        channel=alice_channel,
        title="Notes",
        summary="",
        body="Body",
        access=Access.FREE,
    )
