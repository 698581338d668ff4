"""Mutes stop posting, bans stop logging in; both expire and are audited."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import LoginSession, Notification
from core import events
from marketplace.models import Course
from moderation import services
from moderation.events import SanctionImposed
from moderation.models import ModerationAction, Sanction
from moderation.selectors import user_sanction
from tests.factories import PASSWORD, CategoryFactory, ChannelFactory

LOGIN = "/accounts/login/"


def log_in(client, user):
    return client.post(LOGIN, {"login": user.email, "password": PASSWORD})


def course_form(channel):
    return {
        "channel": channel.pk,
        "title": "Intro to Python",
        "category": CategoryFactory.get("technology").pk,
        "level": "beginner",
        "language": "en",
        "price": "0",
        "currency": "CNY",
        "status": "published",
    }


def test_a_banned_user_is_logged_out_and_cannot_log_in(client, bob, moderator):
    assert log_in(client, bob).status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    services.sanction_impose(
        user=bob, kind="ban", reason="Harassment", moderator=moderator,
        duration=timedelta(days=7),
    )  # fmt: skip
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and LOGIN in response.url

    log_in(client, bob)
    page = client.get("/accounts/profile/", follow=True)
    assert page.wsgi_request.user.is_anonymous
    assert "Your account is banned until" in page.content.decode()
    assert "Harassment" in page.content.decode()


def test_the_ban_ends_every_session_even_without_a_request(client, bob, moderator):
    from django.test import Client

    other = Client()
    other.force_login(bob)
    log_in(client, bob)
    assert client.get("/accounts/profile/").status_code == 200
    bystander = Client()
    bystander.force_login(moderator)
    keys = [c.session.session_key for c in (client, other)]
    assert LoginSession.objects.filter(user=bob).count() == 2
    services.sanction_impose(user=bob, kind="ban", reason="Spam", moderator=moderator)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not LoginSession.objects.filter(user=bob).exists()
    assert Session.objects.filter(session_key=bystander.session.session_key).exists()
    for c in (client, other):
        assert c.get("/accounts/profile/").status_code == 302


def test_logging_out_forgets_the_session_key(client, bob):
    log_in(client, bob)
    assert LoginSession.objects.filter(user=bob).count() == 1
    client.post("/accounts/logout/")
    assert not LoginSession.objects.filter(user=bob).exists()


def test_an_expired_ban_lets_the_user_back_in(client, bob, moderator):
    sanction = services.sanction_impose(
        user=bob, kind="ban", reason="Cool off", moderator=moderator, duration=timedelta(hours=1)
    )
    Sanction.objects.filter(pk=sanction.pk).update(expires_at=timezone.now() - timedelta(1))
    log_in(client, bob)
    assert client.get("/accounts/profile/").status_code == 200


def test_a_channel_ban_does_not_block_login(client, bob, moderator, alice_channel):
    services.sanction_impose(
        user=bob, kind="ban", reason="Trolling", moderator=moderator, channel=alice_channel
    )
    log_in(client, bob)
    assert client.get("/accounts/profile/").status_code == 200
    assert user_sanction(user=bob, channel=alice_channel).kind == "ban"
    assert user_sanction(user=bob) is None


def test_a_muted_creator_cannot_post_and_is_told_until_when(
    client, alice, alice_channel, moderator
):
    services.sanction_impose(
        user=alice.user, kind="mute", reason="Spam courses", moderator=moderator,
        duration=timedelta(days=3),
    )  # fmt: skip
    client.force_login(alice.user)
    response = client.post("/studio/courses/new/", course_form(alice_channel))
    assert response.status_code == 200
    text = response.content.decode()
    assert "You can&#x27;t post right now" in text and "Spam courses" in text and "until" in text
    assert not Course.objects.filter(title="Intro to Python").exists()


def test_a_channel_mute_applies_only_in_that_channel(client, alice, alice_channel, moderator):
    other_channel = ChannelFactory(creator=alice, title="Second channel")
    services.sanction_impose(
        user=alice.user, kind="mute", reason="Off topic", moderator=moderator,
        channel=alice_channel,
    )  # fmt: skip
    client.force_login(alice.user)
    client.post("/studio/courses/new/", course_form(alice_channel))
    assert not Course.objects.exists()
    client.post("/studio/courses/new/", course_form(other_channel))
    assert Course.objects.filter(channel=other_channel).exists()


def test_lifting_a_mute_lets_the_user_post_again(alice, moderator):
    sanction = services.sanction_impose(
        user=alice.user, kind="mute", reason="Spam", moderator=moderator
    )
    assert user_sanction(user=alice.user) == sanction
    services.sanction_lift(sanction=sanction, moderator=moderator, reason="Apologised")
    assert user_sanction(user=alice.user) is None
    kinds = set(ModerationAction.objects.values_list("kind", flat=True))
    assert {"sanction", "sanction_lift"} <= kinds


@pytest.mark.django_db(transaction=True)
def test_sanction_imposed_is_sent_on_commit_only(bob, moderator):
    received = []

    def listener(event):
        received.append(event.sanction_id)

    events.subscribe(SanctionImposed, listener)
    try:
        sanction = services.sanction_impose(user=bob, kind="mute", reason="x", moderator=moderator)
        assert received == [sanction.pk]
    finally:
        events.unsubscribe(SanctionImposed, listener)


def test_bad_sanctions_are_refused(bob, moderator, admin_user):
    from django.core.exceptions import ValidationError

    for kwargs in (
        {"user": bob, "kind": "exile", "reason": "x"},
        {"user": bob, "kind": "mute", "reason": " "},
        {"user": moderator, "kind": "mute", "reason": "x"},
        {"user": admin_user, "kind": "ban", "reason": "x"},
        {"user": bob, "kind": "ban", "reason": "x", "expires_at": timezone.now() - timedelta(1)},
    ):
        with pytest.raises(ValidationError):
            services.sanction_impose(moderator=moderator, **kwargs)
    assert not Sanction.objects.exists()


def test_moderators_sanction_from_the_admin(client, moderator, bob):
    client.force_login(moderator)
    response = client.post(
        "/admin/moderation/sanction/add/",
        {"user": bob.pk, "kind": "mute", "channel": "", "expires_at_0": "", "expires_at_1": "",
         "reason": "Flooding"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    sanction = Sanction.objects.get(user=bob)
    assert sanction.created_by == moderator and sanction.kind == "mute"
    assert ModerationAction.objects.filter(sanction=sanction, actor=moderator).exists()
    assert Notification.objects.filter(user=bob, text__contains="Flooding").exists()


def test_moderators_mute_users_from_the_users_page(client, moderator, bob):
    client.force_login(moderator)
    changelist = client.get("/admin/accounts/user/")
    assert changelist.status_code == 200
    assert "sanction_users" in changelist.content.decode()
    form = client.post(
        "/admin/accounts/user/", {"action": "sanction_users", "_selected_action": [bob.pk]}
    )
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    done = client.post(
        "/admin/accounts/user/",
        {"action": "sanction_users", "_selected_action": [bob.pk], "apply": "1",
         "kind": "ban", "days": "2", "reason": "Scam messages"},
        follow=True,
    )  # fmt: skip
    assert "1 user sanctioned." in done.content.decode()
    ban = Sanction.objects.get(user=bob)
    assert ban.kind == "ban" and ban.expires_at > timezone.now() + timedelta(days=1)


def test_a_moderator_can_view_but_not_change_users(client, moderator, bob):
    client.force_login(moderator)
    assert client.get(f"/admin/accounts/user/{bob.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/accounts/user/{bob.pk}/change/", {"email": "x@example.com", "is_staff": "on"}
    )
    assert response.status_code == 403
    bob.refresh_from_db()
    assert bob.email == "bob@example.com" and not bob.is_staff
    assert (
        Group.objects.get(name="Moderators").permissions.filter(codename="change_user").count() == 0
    )


def test_a_channel_mute_stops_threads_there_but_not_in_other_channels(
    bob, alice_channel, moderator
):
    from django.core.exceptions import ValidationError

    from discussions import services as discussions
    from discussions.models import Thread
    from tests.factories import CourseFactory

    muted_here = CourseFactory(channel=alice_channel, title="Free Python", price_amount=0)
    elsewhere = CourseFactory(title="Free cooking", price_amount=0)
    services.sanction_impose(
        user=bob, kind="mute", reason="Trolling", moderator=moderator, channel=alice_channel
    )
    with pytest.raises(ValidationError, match="Trolling"):
        discussions.thread_create(author=bob, target=muted_here, title="Hi", body="Hello")
    assert not Thread.objects.filter(object_id=muted_here.pk).exists()
    discussions.thread_create(author=bob, target=elsewhere, title="Hi", body="Hello")
    assert Thread.objects.filter(object_id=elsewhere.pk, author=bob).exists()


def test_a_mute_in_the_experts_channel_refuses_paid_questions_charging_nothing(
    bob, alice, alice_channel, moderator
):
    from django.core.exceptions import ValidationError

    from qa import services as qa
    from qa.models import Question
    from tests.qa.conftest import ask, balances, fund

    qa.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    fund(bob, 10_000)
    before = balances(bob, alice.user)
    services.sanction_impose(
        user=bob, kind="mute", reason="Abusive questions", moderator=moderator,
        channel=alice_channel,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Abusive questions"):
        ask(bob, alice.user)
    assert not Question.objects.exists()
    assert balances(bob, alice.user) == before


def test_a_moderator_cannot_sanction_another_moderator_but_an_administrator_can(
    moderator, second_moderator
):
    from django.core.exceptions import ValidationError

    from tests.factories import UserFactory

    with pytest.raises(ValidationError, match="only be sanctioned by an administrator"):
        services.sanction_impose(
            user=second_moderator, kind="mute", reason="Rogue", moderator=moderator
        )
    assert not Sanction.objects.exists()
    admin = UserFactory(is_staff=True, is_superuser=True)
    services.sanction_impose(user=second_moderator, kind="mute", reason="Rogue", moderator=admin)
    assert user_sanction(user=second_moderator) is not None
