"""What the API sells and tips draws from the same selectors as the pages; amounts are
plain numbers; a learner without a ticket sees no progress."""

import pytest
from rest_framework.test import APIClient

from content.models import LessonProgress
from marketplace.models import Entitlement
from moderation.services._shared import review_open
from payments import selectors as payment_selectors
from payments import services
from payments.models import Purchase, Tip
from tests.factories import ChannelFactory, CourseFactory, LiveSessionFactory


@pytest.fixture
def rich_bob(bob):
    services.wallet_top_up_credit(user=bob, amount=50_000, currency="CNY", payment_intent_id="pi")
    return bob


@pytest.fixture
def api(rich_bob):
    client = APIClient()
    client.force_authenticate(rich_bob)
    return client


def _nothing_bought(bob):
    assert not Purchase.objects.exists()
    assert not Entitlement.objects.filter(user=bob).exists()
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 50_000


# A session, course or channel that is not on sale names nothing the buyer can have:
# a 422 naming the field, as for a slug that names nothing at all (core/api_errors.py).
def test_api_ticket_to_a_session_of_a_hidden_channel_is_refused(api, rich_bob, session):
    session.channel.hidden_by_moderation = True
    session.channel.save(update_fields=["hidden_by_moderation"])
    response = api.post("/api/v1/purchases/", {"live_session": session.pk}, format="json")
    assert response.status_code == 422
    assert "live_session" in response.json()
    _nothing_bought(rich_bob)


def test_api_ticket_to_a_session_held_by_moderation_is_refused(api, rich_bob, session):
    review_open(session, source="screening", reasons=["held"])
    response = api.post("/api/v1/purchases/", {"live_session": session.pk}, format="json")
    assert response.status_code == 422
    _nothing_bought(rich_bob)


def test_api_ticket_to_a_public_session_is_sold(api, rich_bob, session):
    response = api.post("/api/v1/purchases/", {"live_session": session.pk}, format="json")
    assert response.status_code == 201, response.content
    assert Purchase.objects.filter(buyer=rich_bob, live_session=session).exists()


def test_api_course_of_a_hidden_channel_or_hidden_course_is_not_sold(api, rich_bob, course):
    course.channel.hidden_by_moderation = True
    course.channel.save(update_fields=["hidden_by_moderation"])
    assert api.post("/api/v1/purchases/", {"course": course.slug}, format="json").status_code == 422
    other = CourseFactory(channel=ChannelFactory(), hidden_by_moderation=True)
    assert api.post("/api/v1/purchases/", {"course": other.slug}, format="json").status_code == 422
    _nothing_bought(rich_bob)


def _tip(api, **fields):
    body = {"amount": 500, "currency": "CNY", "client_key": "k1", **fields}
    return api.post("/api/v1/tips/", body, format="json")


def test_api_tip_to_a_hidden_channel_is_refused(api, rich_bob, alice_channel):
    alice_channel.hidden_by_moderation = True
    alice_channel.save(update_fields=["hidden_by_moderation"])
    response = _tip(api, channel=alice_channel.slug)
    assert response.status_code == 422 and "channel" in response.json()
    assert not Tip.objects.exists()


def test_api_tip_naming_another_creators_session_is_refused(api, alice_channel, charlie):
    charlies_session = LiveSessionFactory(channel=ChannelFactory(creator=charlie))
    response = _tip(api, channel=alice_channel.slug, live_session=charlies_session.pk)
    assert response.status_code == 400 and "live_session" in response.json()
    assert not Tip.objects.exists()


def test_api_tip_from_the_creators_own_session_is_sent(api, alice_channel, session):
    response = _tip(api, channel=alice_channel.slug, live_session=session.pk)
    assert response.status_code == 201, response.content
    assert Tip.objects.get().live_session == session


@pytest.mark.parametrize("amount", ["1E2", "1e3", 500.0, "500.0", True, "0x20", " 500", "-5"])
def test_api_amounts_must_be_plain_whole_minor_units(api, alice_channel, amount):
    response = _tip(api, channel=alice_channel.slug, amount=amount)
    assert response.status_code == 400 and "amount" in response.json()
    assert not Tip.objects.exists()


def test_api_top_up_refuses_an_exponent(api):
    response = api.post("/api/v1/wallet/top-ups/", {"amount": "1E3", "currency": "CNY"})
    assert response.status_code == 400 and "amount" in response.json()


@pytest.mark.parametrize("price", ["1E2", "1e2", "9.999", "-1", "1,000", "Infinity", "NaN"])
def test_forms_refuse_amounts_that_are_not_plain_decimals(client, rich_bob, alice_channel, price):
    client.force_login(rich_bob)
    client.post(
        f"/c/{alice_channel.slug}/tip/",
        {"price": price, "currency": "CNY", "client_key": "k2", "message": ""},
    )
    assert not Tip.objects.exists()


def test_form_tip_with_a_plain_decimal_is_sent(client, rich_bob, alice_channel):
    client.force_login(rich_bob)
    client.post(
        f"/c/{alice_channel.slug}/tip/",
        {"price": "5.50", "currency": "CNY", "client_key": "k3", "message": ""},
    )
    assert Tip.objects.get().amount == 550


def test_catalogue_api_refuses_an_exponent_price_filter(client):
    response = client.get("/api/v1/catalogue/courses/", {"min_price": "1E2"})
    assert response.status_code == 400 and "min_price" in response.json()


def test_progress_api_is_refused_to_a_learner_who_has_not_bought(api, rich_bob, course, lesson):
    response = api.get(f"/api/v1/content/progress/{course.slug}/")
    assert response.status_code == 403
    response = api.post(f"/api/v1/content/lessons/{lesson.pk}/done/", {}, format="json")
    assert response.status_code in (403, 404)
    assert not LessonProgress.objects.exists()


def test_progress_api_answers_a_ticket_holder(api, rich_bob, course):
    assert api.post("/api/v1/purchases/", {"course": course.slug}, format="json").status_code == 201
    response = api.get(f"/api/v1/content/progress/{course.slug}/")
    assert response.status_code == 200 and response.json()["course"] == course.slug
