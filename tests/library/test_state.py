"""What bob holds shows wherever it matters: a course he owns says "Open", a tier he
subscribes to says "Subscribed, renews on <date>" with a cancel, and a subscription
admits him to the channel's course discussions."""

import pytest
from django.urls import reverse

from core.timezones import format_day
from discussions.models import Thread
from marketplace import entitlements as marketplace_entitlements
from marketplace import purchases
from marketplace.models import Entitlement
from payments.models import Subscription
from tests.factories import CourseFactory, TierFactory
from tests.payments.test_card_payments import card


@pytest.fixture
def silver(alice_channel):
    return TierFactory(channel=alice_channel, name="Silver", price_amount=1000, currency="CNY")


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, title="Paid Python", price_amount=29900)


def _subscribe(user, tier):
    return purchases.subscription_start(
        user=user, tier=tier, payment_method=card("4242424242424242")
    )


def test_a_course_bob_bought_says_open_instead_of_buy(client, bob, course):
    client.force_login(bob)
    html = client.get(course.get_absolute_url()).content.decode()
    # An empty wallet: the buy button tops up the price first (one step).
    assert 'data-testid="top-up-and-buy"' in html and "¥299.00" in html
    marketplace_entitlements.entitlement_grant(
        user=bob, source=Entitlement.Source.TICKET, source_ref="p-1", course=course
    )
    html = client.get(course.get_absolute_url()).content.decode()
    assert 'data-testid="open-course"' in html
    assert "top-up-and-buy" not in html and "¥299.00" not in html


def test_the_open_button_says_open_in_chinese_not_awaiting_an_answer(client, bob, course):
    # "Open" is also the status of a question waiting for its answer (待回答): the
    # button has its own context in the catalogue.
    marketplace_entitlements.entitlement_grant(
        user=bob, source=Entitlement.Source.TICKET, source_ref="p-1", course=course
    )
    client.force_login(bob)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = client.get(course.get_absolute_url()).content.decode()
    assert 'data-testid="open-course">打开</a>' in html


def test_a_subscriber_opens_the_channels_course_and_joins_its_discussion(client, bob, gold, course):
    client.force_login(bob)
    html = client.get(course.get_absolute_url()).content.decode()
    assert 'data-testid="discussion-closed"' in html
    _subscribe(bob, gold)
    html = client.get(course.get_absolute_url()).content.decode()
    assert 'data-testid="open-course"' in html and 'data-testid="thread-form"' in html
    response = client.post(
        f"/discussions/course/{course.pk}/new/", {"title": "Week 1", "body": "Loved it"}
    )
    assert response.status_code == 302 and Thread.objects.get().title == "Week 1"


def test_an_outsider_is_still_refused_in_the_courses_discussion(client, charlie, course):
    client.force_login(charlie.user)
    response = client.post(f"/discussions/course/{course.pk}/new/", {"title": "T", "body": "B"})
    assert response.status_code == 400 and not Thread.objects.exists()


def test_the_tier_bob_subscribes_to_says_when_it_renews_and_can_be_cancelled_there(
    client, bob, gold, silver, alice_channel
):
    subscription = _subscribe(bob, gold)
    client.force_login(bob)
    html = client.get(alice_channel.get_absolute_url()).content.decode()
    date = format_day(subscription.paid_until, language="en")
    assert f"Subscribed, renews on {date}" in html
    assert 'data-testid="subscription-cancel"' in html
    # The other tier is not offered as a second subscription.
    assert html.count('data-testid="subscribe"') == 0
    assert "You subscribe to Gold" in html

    response = client.post(
        reverse("payments:subscription_cancel", args=[subscription.pk]),
        {"next": alice_channel.get_absolute_url()},
    )
    assert response.status_code == 302 and response.url == alice_channel.get_absolute_url()
    assert Subscription.objects.get(pk=subscription.pk).cancel_at_period_end
    html = client.get(alice_channel.get_absolute_url()).content.decode()
    assert f"Subscribed until {date}, not renewing" in html
    assert 'data-testid="subscription-cancel"' not in html


def test_cancel_never_sends_the_learner_to_another_site(client, bob, gold):
    subscription = _subscribe(bob, gold)
    client.force_login(bob)
    response = client.post(
        reverse("payments:subscription_cancel", args=[subscription.pk]),
        {"next": "https://evil.example/"},
    )
    assert response.url == reverse("payments:wallet")
