"""The creator's session pages: scheduling, editing, going live, ending, cancelling;
ownership; the reminder emails; live and upcoming sessions in the catalogue."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from livestream import services as live_services
from livestream.models import LiveSession, SessionReminder
from livestream.tasks import session_reminders_send_task
from marketplace import purchases
from payments import selectors as payment_selectors
from payments import services as payment_services
from tests.factories import (
    ChannelFactory,
    CourseFactory,
    LiveSessionFactory,
    TierFactory,
    UserFactory,
)

Status = LiveSession.Status


def local_input(when) -> str:
    """What a datetime-local picker submits: the site's local time, no zone."""
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def session_form(**overrides):
    data = {
        "title": "Async Python, live",
        "description": "We build a crawler together.",
        "scheduled_start": local_input(timezone.now() + timedelta(days=2)),
        "duration_minutes": "90",
        "access": "free",
        "required_tier": "",
        "price": "",
        "currency": "CNY",
        "course": "",
    }
    return {**data, **overrides}


def create_url(channel) -> str:
    return f"/studio/channels/{channel.slug}/sessions/new/"


@pytest.fixture
def alice_session(alice_channel):
    return LiveSessionFactory(channel=alice_channel, title="Alice live")


# --- scheduling --------------------------------------------------------------------


def test_visitor_is_sent_to_login(client, db):
    response = client.get("/studio/sessions/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_creator_schedules_a_ticketed_session_priced_in_major_units(client, alice, alice_channel):
    client.force_login(alice.user)
    response = client.post(create_url(alice_channel), session_form(access="ticket", price="9.90"))
    assert response.status_code == 302
    assert response.url == "/studio/sessions/"
    session = LiveSession.objects.get(channel=alice_channel)
    assert (session.title, session.status, session.duration_minutes) == (
        "Async Python, live", Status.SCHEDULED, 90,
    )  # fmt: skip
    assert (session.access, session.ticket_price_amount, session.ticket_currency) == (
        "ticket", 990, "CNY",
    )  # fmt: skip
    listing = client.get("/studio/sessions/").content.decode()
    assert "Async Python, live" in listing
    assert "¥9.90" in listing


def test_subscriber_session_keeps_the_chosen_tier_and_a_course(client, alice, alice_channel):
    tier = TierFactory(channel=alice_channel)
    course = CourseFactory(channel=alice_channel)
    client.force_login(alice.user)
    client.post(
        create_url(alice_channel),
        session_form(access="subscribers", required_tier=tier.pk, course=course.pk),
    )
    session = LiveSession.objects.get(channel=alice_channel)
    assert (session.access, session.required_tier, session.course) == ("subscribers", tier, course)
    assert session.ticket_price_amount == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "   "}, "title", "This field is required."),
        (
            {"scheduled_start": local_input(timezone.now() - timedelta(hours=1))},
            "scheduled_start",
            "Choose a start time in the future.",
        ),
        ({"scheduled_start": "next tuesday"}, "scheduled_start", "Enter a valid date/time."),
        ({"access": "ticket", "price": ""}, "price", "needs a price above zero"),
        ({"access": "ticket", "price": "0"}, "price", "needs a price above zero"),
        ({"access": "ticket", "price": "9.999"}, "price", "decimal places"),
        ({"access": "ticket", "price": "10", "currency": "XYZ"}, "currency", "valid choice"),
        ({"access": "subscribers"}, "access", "no subscription tiers yet"),
        ({"duration_minutes": "0"}, "duration_minutes", "greater than or equal to 5"),
        ({"access": "everyone"}, "access", "valid choice"),
    ],
)
def test_bad_session_input_is_refused_next_to_the_field(
    client, alice, alice_channel, overrides, field, message
):
    client.force_login(alice.user)
    response = client.post(create_url(alice_channel), session_form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not LiveSession.objects.exists()


def test_tier_and_course_of_another_channel_are_not_choices(client, alice, alice_channel, charlie):
    TierFactory(channel=alice_channel)
    other = ChannelFactory(creator=charlie)
    client.force_login(alice.user)
    response = client.post(
        create_url(alice_channel),
        session_form(
            access="subscribers",
            required_tier=TierFactory(channel=other).pk,
            course=CourseFactory(channel=other).pk,
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Select a valid choice" in " ".join(errors["required_tier"])
    assert "Select a valid choice" in " ".join(errors["course"])
    assert not LiveSession.objects.exists()


def test_studio_dashboard_links_to_sessions_and_scheduling(client, alice, alice_channel):
    client.force_login(alice.user)
    page = client.get("/studio/").content.decode()
    assert 'href="/studio/sessions/"' in page
    assert f'href="{create_url(alice_channel)}"' in page


# --- editing -----------------------------------------------------------------------


def test_creator_edits_a_scheduled_session(client, alice, alice_session):
    client.force_login(alice.user)
    page = client.get(f"/studio/sessions/{alice_session.pk}/")
    assert page.context["form"].initial["title"] == "Alice live"
    new_start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    response = client.post(
        f"/studio/sessions/{alice_session.pk}/",
        session_form(title="Alice live, moved", scheduled_start=local_input(new_start)),
    )
    assert response.status_code == 302
    alice_session.refresh_from_db()
    assert (alice_session.title, alice_session.scheduled_start) == ("Alice live, moved", new_start)


def test_overdue_session_can_be_renamed_without_moving_its_start(client, alice, alice_channel):
    """A start that is already past is fine as long as the edit leaves it alone."""
    start = timezone.now() - timedelta(hours=1, seconds=17)
    session = LiveSessionFactory(channel=alice_channel, scheduled_start=start)
    client.force_login(alice.user)
    form = client.get(f"/studio/sessions/{session.pk}/").context["form"]
    data = session_form(title="Starting late", scheduled_start=local_input(start))
    assert form.initial["scheduled_start"] == timezone.localtime(start).replace(
        second=0, microsecond=0
    )
    response = client.post(f"/studio/sessions/{session.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors
    session.refresh_from_db()
    assert session.title == "Starting late"


def test_live_session_keeps_its_access_and_price_when_edited(client, alice, alice_channel):
    session = LiveSessionFactory(
        channel=alice_channel,
        status=Status.LIVE,
        scheduled_start=timezone.now() - timedelta(minutes=30),
        access="ticket",
        ticket_price_amount=990,
        ticket_currency="CNY",
    )
    client.force_login(alice.user)
    response = client.post(
        f"/studio/sessions/{session.pk}/",
        session_form(title="Renamed while live", access="free", price=""),
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "Renamed while live"
    assert (session.access, session.ticket_price_amount) == ("ticket", 990)


def test_ended_session_cannot_be_edited(client, alice, alice_channel):
    session = LiveSessionFactory(channel=alice_channel, status=Status.ENDED)
    client.force_login(alice.user)
    response = client.post(f"/studio/sessions/{session.pk}/", session_form(title="Too late"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title != "Too late"


# --- start, end, cancel ------------------------------------------------------------


def test_creator_starts_then_ends_a_session(client, alice, alice_session):
    client.force_login(alice.user)
    response = client.post(f"/studio/sessions/{alice_session.pk}/start/", follow=True)
    alice_session.refresh_from_db()
    assert alice_session.status == Status.LIVE
    assert alice_session.started_at is not None
    assert "“Alice live” is live." in response.content.decode()

    client.post(f"/studio/sessions/{alice_session.pk}/end/")
    alice_session.refresh_from_db()
    assert alice_session.status == Status.ENDED
    assert alice_session.ended_at is not None


def test_actions_return_to_a_local_next_page_only(client, alice, alice_session):
    client.force_login(alice.user)
    room = f"/live/{alice_session.pk}/"
    response = client.post(f"/studio/sessions/{alice_session.pk}/start/", {"next": room})
    assert response.url == room
    response = client.post(
        f"/studio/sessions/{alice_session.pk}/end/", {"next": "https://evil.example/"}
    )
    assert response.url == "/studio/sessions/"


def test_ending_a_session_that_is_not_live_is_explained(client, alice, alice_session):
    client.force_login(alice.user)
    response = client.post(f"/studio/sessions/{alice_session.pk}/end/", follow=True)
    assert response.status_code == 200
    assert "Only a live session can end" in response.content.decode()
    alice_session.refresh_from_db()
    assert alice_session.status == Status.SCHEDULED


def test_actions_refuse_get(client, alice, alice_session):
    client.force_login(alice.user)
    for action in ("start", "end", "cancel"):
        assert client.get(f"/studio/sessions/{alice_session.pk}/{action}/").status_code == 405
    alice_session.refresh_from_db()
    assert alice_session.status == Status.SCHEDULED


def test_cancelling_a_ticketed_session_refunds_ticket_holders(client, alice, alice_channel, bob):
    session = LiveSessionFactory(
        channel=alice_channel, access="ticket", ticket_price_amount=990, ticket_currency="CNY"
    )
    payment_services.wallet_top_up_credit(
        user=bob, amount=5000, currency="CNY", payment_intent_id="pi_bob"
    )
    purchases.purchase_with_wallet(buyer=bob, live_session=session)
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 4010

    client.force_login(alice.user)
    response = client.post(f"/studio/sessions/{session.pk}/cancel/", follow=True)
    assert "ticket holders were refunded" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Status.CANCELLED
    assert payment_selectors.wallet_balance(user=bob, currency="CNY") == 5000


def test_a_live_session_cannot_be_cancelled(client, alice, alice_channel):
    session = LiveSessionFactory(channel=alice_channel, status=Status.LIVE)
    client.force_login(alice.user)
    response = client.post(f"/studio/sessions/{session.pk}/cancel/", follow=True)
    assert "Only a session that has not started can be cancelled." in response.content.decode()
    session.refresh_from_db()
    assert session.status == Status.LIVE


# --- ownership -----------------------------------------------------------------------


def test_another_creator_gets_404_on_every_session_page_of_alice(
    client, charlie, alice_channel, alice_session
):
    client.force_login(charlie.user)
    pages = [f"/studio/sessions/{alice_session.pk}/", create_url(alice_channel)]
    for url in pages:
        assert client.get(url).status_code == 404, url
        assert client.post(url, session_form(title="hacked")).status_code == 404, url
    for action in ("start", "end", "cancel"):
        url = f"/studio/sessions/{alice_session.pk}/{action}/"
        assert client.post(url).status_code == 404, url
    alice_session.refresh_from_db()
    assert (alice_session.title, alice_session.status) == ("Alice live", Status.SCHEDULED)
    assert LiveSession.objects.count() == 1
    assert "Alice live" not in client.get("/studio/sessions/").content.decode()


def test_learner_without_a_creator_profile_is_sent_to_become_a_creator(client, bob, alice_session):
    client.force_login(bob)
    response = client.post(f"/studio/sessions/{alice_session.pk}/start/")
    assert response.status_code == 302
    assert response.url == "/studio/become-creator/"
    alice_session.refresh_from_db()
    assert alice_session.status == Status.SCHEDULED


# --- the list --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 6])
def test_session_list_runs_fixed_queries(
    client, alice, alice_channel, n, django_assert_num_queries
):
    second = ChannelFactory(creator=alice)
    for i in range(n):
        LiveSessionFactory(channel=alice_channel if i % 2 else second)
    client.force_login(alice.user)
    # 1 the login session, 2 the user, 3 the creator profile, 4 its topics
    # (creator_required), 5 the sessions with their channels, 6 what moderation
    # holds of them ("Awaiting review"), 7 the channels for the "Schedule in ..."
    # buttons, 8 the unread-notifications badge (cached after).
    with django_assert_num_queries(8):
        response = client.get("/studio/sessions/")
    assert response.status_code == 200
    assert len(response.context["sessions"]) == n


def test_session_list_shows_live_then_upcoming_then_past_with_their_buttons(
    client, alice, alice_channel
):
    now = timezone.now()
    later = LiveSessionFactory(
        channel=alice_channel, title="Later", scheduled_start=now + timedelta(days=5)
    )
    soon = LiveSessionFactory(
        channel=alice_channel, title="Soon", scheduled_start=now + timedelta(days=1)
    )
    live = LiveSessionFactory(
        channel=alice_channel, title="On air", status=Status.LIVE, scheduled_start=now
    )
    ended = LiveSessionFactory(
        channel=alice_channel,
        title="Done",
        status=Status.ENDED,
        scheduled_start=now - timedelta(days=2),
    )
    client.force_login(alice.user)
    response = client.get("/studio/sessions/")
    assert response.context["sessions"] == [live, soon, later, ended]
    page = response.content.decode()
    assert f'action="/studio/sessions/{live.pk}/end/"' in page
    assert f'action="/studio/sessions/{live.pk}/start/"' not in page
    assert f'action="/studio/sessions/{soon.pk}/start/"' in page
    assert f'action="/studio/sessions/{soon.pk}/cancel/"' in page
    assert f'href="/studio/sessions/{ended.pk}/"' not in page
    assert f'href="/live/{ended.pk}/"' in page


# --- reminders -------------------------------------------------------------------------


def test_reminder_task_emails_each_reminder_once_when_run_twice(
    alice_session, bob, charlie, django_capture_on_commit_callbacks
):
    dora = UserFactory(email="dora@example.com", preferred_language="zh-hans")
    for user in (bob, charlie.user, dora):
        live_services.reminder_set(session=alice_session, user=user, on=True)
    other = LiveSessionFactory(channel=alice_session.channel)
    live_services.reminder_set(session=other, user=bob, on=True)
    live_services.session_start(session=alice_session, user=alice_session.channel.creator.user)

    with django_capture_on_commit_callbacks(execute=True):
        assert session_reminders_send_task.delay(alice_session.pk).get() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert session_reminders_send_task.delay(alice_session.pk).get() == 0

    assert sorted(m.to[0] for m in mail.outbox) == [
        "bob@example.com", "charlie@example.com", "dora@example.com",
    ]  # fmt: skip
    to_bob = next(m for m in mail.outbox if m.to == ["bob@example.com"])
    assert "Live now: Alice live" in to_bob.subject
    assert f"/live/{alice_session.pk}/" in to_bob.body
    assert not SessionReminder.objects.filter(session=alice_session, notified_at=None).exists()
    assert SessionReminder.objects.get(session=other).notified_at is None


def test_reminders_are_not_sent_for_a_session_that_is_not_live(
    alice_session, bob, django_capture_on_commit_callbacks
):
    live_services.reminder_set(session=alice_session, user=bob, on=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert session_reminders_send_task(alice_session.pk) == 0
    assert mail.outbox == []
    assert SessionReminder.objects.get().notified_at is None


def test_reminder_email_leaves_only_on_commit(
    alice_channel, bob, django_capture_on_commit_callbacks
):
    session = LiveSessionFactory(channel=alice_channel, status=Status.LIVE)
    live_services.reminder_set(session=session, user=bob, on=True)
    # Captured but not run: until the claim commits, nothing is sent.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        session_reminders_send_task(session.pk)
    assert len(callbacks) == 1
    assert mail.outbox == []


# --- listings --------------------------------------------------------------------------


def test_catalogue_lists_live_and_upcoming_sessions_live_first(client, alice_channel):
    upcoming = LiveSessionFactory(channel=alice_channel, title="Tomorrow's class")
    LiveSessionFactory(channel=alice_channel, title="Called off", status=Status.CANCELLED)
    first = client.get("/catalogue/")
    assert first.context["sessions"] == [upcoming]
    assert "Called off" not in first.content.decode()

    on_air = LiveSessionFactory(
        channel=alice_channel, title="On air now", scheduled_start=timezone.now()
    )
    live_services.session_start(session=on_air, user=alice_channel.creator.user)
    # The start moved the catalogue version: the cached page is not served.
    page = client.get("/catalogue/")
    assert page.context["sessions"] == [on_air, upcoming]
    assert "LIVE" in page.content.decode()
    assert client.get("/").context["sessions"] == [on_air, upcoming]


def test_catalogue_sessions_follow_the_search(client, alice_channel):
    LiveSessionFactory(channel=alice_channel, title="Async Python")
    LiveSessionFactory(channel=ChannelFactory(title="Cooking"), title="Dumplings")
    titles = [s.title for s in client.get("/catalogue/", {"q": "dumpl"}).context["sessions"]]
    assert titles == ["Dumplings"]


def test_room_setting_changes_keep_the_catalogue_cache(
    client, alice_channel, django_assert_num_queries
):
    session = LiveSessionFactory(channel=alice_channel, status=Status.LIVE)
    client.get("/catalogue/")
    session.slow_mode_seconds = 10
    session.save(update_fields=["slow_mode_seconds"])
    with django_assert_num_queries(0):
        client.get("/catalogue/")


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_email_each_reminder_once():
    """On PostgreSQL, two workers racing over the same reminders (a retried task
    overlapping the first run) claim each row once between them."""
    from tests.payments.test_concurrency import run_together

    session = LiveSessionFactory(status=Status.LIVE)
    for i in range(12):
        SessionReminder.objects.create(session=session, user=UserFactory(email=f"r{i}@example.com"))
    results = run_together(2, lambda i: session_reminders_send_task(session.pk))
    assert sum(results) == 12, results
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"r{i}@example.com" for i in range(12))
    assert not SessionReminder.objects.filter(notified_at=None).exists()
