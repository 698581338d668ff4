"""The admin writes through the same services as the site: what the studio or the
profile page would refuse is refused in the admin too, moderators' decisions and
sanctions go through the moderation services, and money stays read-only."""

import pytest
from django.contrib.messages import get_messages

from marketplace.models import Channel, CreatorProfile
from moderation.models import BlockedTerm, ModerationAction, ReviewItem, Sanction
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def terms():
    BlockedTerm.objects.create(term="idiot", mode="word", action="refuse")
    BlockedTerm.objects.create(term="crypto signals", mode="word", action="hold")


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _channel_form(channel: Channel, **changes) -> dict:
    data = {
        "title": channel.title,
        "slug": channel.slug,
        "tagline": channel.tagline,
        "description": channel.description,
        "category": channel.category_id,
        "language": channel.language,
        "status": channel.status,
        # the read-only tiers inline still sends its management form
        "tiers-TOTAL_FORMS": "0",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_a_channel_edit_with_a_refused_word_changes_nothing(admin_client, alice_channel):
    url = f"/admin/marketplace/channel/{alice_channel.pk}/change/"
    response = admin_client.post(url, _channel_form(alice_channel, tagline="For every idiot"))
    assert response.status_code == 302
    assert "not allowed here" in _messages(response)
    alice_channel.refresh_from_db()
    assert alice_channel.tagline == "Learn with me"


def test_a_channel_edit_with_a_watched_word_is_held_for_review(admin_client, alice_channel):
    url = f"/admin/marketplace/channel/{alice_channel.pk}/change/"
    response = admin_client.post(url, _channel_form(alice_channel, tagline="Crypto signals daily"))
    assert response.status_code == 302
    alice_channel.refresh_from_db()
    assert alice_channel.tagline == "Crypto signals daily"
    assert alice_channel.hidden_by_moderation
    item = ReviewItem.objects.get(object_id=alice_channel.pk)
    assert item.is_open and "blocked term: crypto signals" in item.reasons


def test_a_clean_channel_edit_saves_through_the_service(admin_client, alice_channel):
    url = f"/admin/marketplace/channel/{alice_channel.pk}/change/"
    response = admin_client.post(url, _channel_form(alice_channel, title="  Python, slowly  "))
    assert response.status_code == 302
    alice_channel.refresh_from_db()
    assert alice_channel.title == "Python, slowly"  # the service strips it
    assert not alice_channel.hidden_by_moderation


def test_course_prices_are_read_only_in_the_admin(admin_client, alice_channel):
    course = CourseFactory(channel=alice_channel, price_amount=9900)
    data = {
        "title": course.title,
        "slug": course.slug,
        "summary": course.summary,
        "description": "",
        "category": course.category_id,
        "level": course.level,
        "language": course.language,
        "status": course.status,
        "price_amount": "1",
        "currency": "USD",
    }
    response = admin_client.post(f"/admin/marketplace/course/{course.pk}/change/", data)
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.price_amount, course.currency) == (9900, "CNY")
    assert admin_client.get("/admin/marketplace/course/add/").status_code == 403


def test_the_verified_badge_is_not_edited_in_the_admin(admin_client, alice):
    data = {"display_name": "Alice", "headline": "Knows things", "bio": "", "is_verified": "on"}
    response = admin_client.post(f"/admin/marketplace/creatorprofile/{alice.pk}/change/", data)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_verified


def test_a_creator_profile_edit_is_screened(admin_client, alice):
    data = {"display_name": "Alice the idiot", "headline": "", "bio": ""}
    admin_client.post(f"/admin/marketplace/creatorprofile/{alice.pk}/change/", data)
    alice.refresh_from_db()
    assert alice.display_name == "Alice"


def test_a_users_display_name_is_screened_in_the_admin(admin_client, bob):
    page = admin_client.get(f"/admin/accounts/user/{bob.pk}/change/")
    assert page.status_code == 200
    data = {
        "email": bob.email,
        "display_name": "Bob the idiot",
        "bio": "",
        "preferred_language": "",
        "is_active": "on",
        "date_joined_0": bob.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": bob.date_joined.strftime("%H:%M:%S"),
    }
    response = admin_client.post(f"/admin/accounts/user/{bob.pk}/change/", data)
    assert response.status_code == 302
    assert "not allowed here" in _messages(response)
    bob.refresh_from_db()
    assert bob.display_name == "Bob"


def test_an_admin_verification_approval_sets_the_badge_through_the_event(
    admin_client, alice, django_capture_on_commit_callbacks
):
    from moderation.models import ExpertVerification

    verification = ExpertVerification.objects.create(user=alice.user, credentials="PhD")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(
            "/admin/moderation/expertverification/",
            {"action": "approve_selected", "_selected_action": [verification.pk]},
        )
    # Decided and audited in moderation's transaction; the badge waits for the commit.
    assert ExpertVerification.objects.get().status == "approved"
    assert ModerationAction.objects.filter(kind="verify_approve").exists()
    assert not CreatorProfile.objects.get(pk=alice.pk).is_verified
    for callback in callbacks:
        callback()
    assert CreatorProfile.objects.get(pk=alice.pk).is_verified


def test_a_moderator_cannot_sanction_staff_from_the_sanction_form(client, moderator):
    staff = UserFactory(email="staff@example.com", is_staff=True)
    client.force_login(moderator)
    response = client.post(
        "/admin/moderation/sanction/add/",
        {"user": staff.pk, "kind": "mute", "reason": "rude", "channel": "", "expires_at": ""},
    )
    assert response.status_code == 200  # the form again, with the service's reason
    assert "only be sanctioned by an administrator" in response.content.decode()
    assert not Sanction.objects.exists()


def test_a_sanction_from_the_admin_is_imposed_through_the_service(client, moderator, bob):
    client.force_login(moderator)
    response = client.post(
        "/admin/moderation/sanction/add/",
        {"user": bob.pk, "kind": "mute", "reason": "spam", "channel": "", "expires_at": ""},
    )
    assert response.status_code == 302
    sanction = Sanction.objects.get(user=bob)
    assert sanction.created_by == moderator
    assert ModerationAction.objects.filter(kind="sanction", sanction=sanction).exists()
    assert bob.notifications.filter(key=f"moderation:sanction:{sanction.pk}").exists()


def test_a_staff_lesson_edit_with_a_refused_word_changes_nothing(admin_client, alice, course):
    from django.forms.models import model_to_dict

    from content import services

    lesson = services.lesson_create(user=alice.user, course=course, title="T", body="v1")
    data = {k: ("" if v is None else v) for k, v in model_to_dict(lesson).items()}
    data["body"] = "Only an idiot would write this"
    response = admin_client.post(f"/admin/content/lesson/{lesson.pk}/change/", data)
    assert response.status_code == 302
    assert "not allowed here" in _messages(response)
    lesson.refresh_from_db()
    assert lesson.body == "v1" and lesson.revisions.count() == 1


def test_discussions_are_read_only_in_the_admin(admin_client):
    assert admin_client.get("/admin/discussions/thread/add/").status_code == 403


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, price_amount=0)
