import pytest

from marketplace import entitlements as marketplace_entitlements
from marketplace.models import Entitlement
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory


@pytest.fixture
def free_course(alice_channel):
    return CourseFactory(channel=alice_channel, title="Free Python", price_amount=0)


@pytest.fixture
def paid_course(alice_channel):
    return CourseFactory(channel=alice_channel, title="Paid Python", price_amount=9900)


@pytest.fixture
def free_session(alice_channel):
    return LiveSessionFactory(channel=alice_channel, title="Open office hours")


@pytest.fixture
def ticket_session(alice_channel):
    return LiveSessionFactory(
        channel=alice_channel, title="Paid masterclass", access="ticket",
        ticket_price_amount=1000, ticket_currency="CNY",
    )  # fmt: skip


@pytest.fixture
def dora(db):
    """A second learner."""
    return UserFactory(email="dora@example.com", display_name="Dora")


def grant_course(user, course):
    marketplace_entitlements.entitlement_grant(
        user=user, source=Entitlement.Source.GRANT, source_ref=f"test-{user.pk}", course=course
    )
