"""A report on any kind of content reaches the review queue under "Reported", with the
number of reports and their reasons; deciding it tells the reporters."""

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import Notification
from discussions import services as discussion_services
from livestream import services as room_services
from livestream.models import RoomEvent, RoomQuestion
from livestream.services.questions import question_set_visible
from moderation import registry, services
from moderation.models import Report, ReviewItem
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

QUEUE = "/admin/moderation/reviewitem/"


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, title="Pandas basics")


@pytest.fixture
def live(alice_channel):
    return LiveSessionFactory(channel=alice_channel, status="live")


def _reportables(alice, bob, course, live):
    thread = discussion_services.thread_create(
        author=bob, target=live, title="A thread", body="Hello there everyone"
    )
    chat = room_services.chat_post(session=live, user=bob, text="buy my course elsewhere")
    question = room_services.question_ask(session=live, user=bob, text="Where is the code?")
    return {"course": course, "session": live, "channel": course.channel, "thread": thread,
            "chat message": chat, "room question": question, "user": bob}  # fmt: skip


def _review_item(obj) -> ReviewItem:
    """The queue's row for `obj`."""
    return ReviewItem.objects.get(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    )


def _report_from_room(client, url: str, missing_url: str, reason_field: str = "reason"):
    """A viewer reports once from the room (201); a second report, and one on what
    is not there, are refused. Returns the viewer."""
    viewer = UserFactory()
    client.force_login(viewer)
    response = client.post(url, {"reason": "Rude"})
    assert response.status_code == 201, response.content
    again = client.post(url, {"reason": "Rude"})
    assert again.status_code == 400 and "already reported" in again.content.decode()
    assert client.post(missing_url, {reason_field: "x"}).status_code == 404
    return viewer


def test_every_kind_of_report_reaches_the_reported_filter(
    admin_client, alice, bob, course, live, settings
):
    settings.MODERATION_REPORT_THRESHOLD = 100.0  # far away: nothing hides
    reporters = [UserFactory(), UserFactory()]
    targets = _reportables(alice, bob, course, live)
    for name, obj in targets.items():
        for n, reporter in enumerate(reporters):
            services.report_submit(reporter=reporter, obj=obj, reason=f"{name} reason {n}")
    page = admin_client.get(QUEUE, {"reported": "yes"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('name="_selected_action"') == len(targets)
    for name in targets:
        assert f"report: {name} reason 0" in html and f"report: {name} reason 1" in html
    assert html.count("2 (") >= len(targets)  # "2 (weight)": two open reports each
    # Below the threshold nothing is hidden.
    course.refresh_from_db()
    assert course.is_published
    assert not RoomEvent.objects.filter(deleted_at__isnull=False).exists()


def test_deciding_a_reported_item_tells_every_reporter(alice, bob, live, moderator):
    chat = room_services.chat_post(session=live, user=bob, text="spam spam")
    reporters = [UserFactory(), UserFactory()]
    for reporter in reporters:
        services.report_submit(reporter=reporter, obj=chat, reason="spam")
    item = _review_item(chat)
    services.review_reject(item=item, moderator=moderator, reason="Spam")
    chat.refresh_from_db()
    assert chat.deleted_at is not None  # gone from history and every screen
    assert RoomEvent.objects.filter(session=live, kind=RoomEvent.Kind.MESSAGE_DELETED).exists()
    for reporter in reporters:
        assert "removed" in Notification.objects.get(user=reporter).text
    assert set(Report.objects.values_list("outcome", flat=True)) == {Report.Outcome.UPHELD}


def test_reporters_are_emailed_the_outcome_in_their_language(
    alice, bob, live, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    question = room_services.question_ask(session=live, user=bob, text="Is this allowed here?")
    english, chinese = UserFactory(), UserFactory(preferred_language="zh-hans")
    for reporter in (english, chinese):
        services.report_submit(reporter=reporter, obj=question, reason="off topic")
    item = _review_item(question)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_approve(item=item, moderator=moderator)
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {english.email, chinese.email}
    assert "it stays up" in by_address[english.email].body
    assert "Is this allowed here?" in by_address[english.email].body
    assert "决定予以保留" in by_address[chinese.email].body
    question.refresh_from_db()
    assert question.status == RoomQuestion.Status.OPEN  # approved: it stays on the board


def test_a_rejected_room_question_leaves_the_board_and_refunds_nothing_twice(
    alice, bob, live, moderator
):
    question = room_services.question_ask(session=live, user=bob, text="Spam question here")
    services.report_submit(reporter=UserFactory(), obj=question, reason="spam")
    item = _review_item(question)
    services.review_reject(item=item, moderator=moderator, reason="Spam")
    question.refresh_from_db()
    assert question.status == RoomQuestion.Status.DISMISSED
    update = RoomEvent.objects.filter(session=live, kind=RoomEvent.Kind.QUESTION_UPDATED).last()
    assert update.payload["question"]["status"] == "dismissed"  # every board drops it


def test_viewers_report_a_room_question_from_the_room(client, bob, live):
    question = room_services.question_ask(session=live, user=bob, text="Rude question words")
    url = f"/live/{live.pk}/questions/{question.pk}/report/"
    _report_from_room(client, url, f"/live/{live.pk}/questions/99999/report/", "r")
    assert Report.objects.get().content_object == question
    assert Report.objects.count() == 1
    client.force_login(bob)  # nobody reports their own question
    assert client.post(url, {"reason": "mine"}).status_code == 400
    page = client.get(f"/live/{live.pk}/")
    assert f"/live/{live.pk}/questions/0/report/" in page.content.decode()


def test_viewers_report_a_chat_message_from_the_room(client, bob, live):
    chat = room_services.chat_post(session=live, user=bob, text="rude words here")
    url = f"/live/{live.pk}/chat/{chat.seq}/report/"
    viewer = _report_from_room(client, url, f"/live/{live.pk}/chat/99999/report/")
    assert Report.objects.get().reporter == viewer
    assert client.post(url, {"reason": ""}).status_code == 400
    assert Report.objects.count() == 1
    # The room page gives the script where to send reports.
    page = client.get(f"/live/{live.pk}/")
    assert f"/live/{live.pk}/chat/0/report/" in page.content.decode()


def test_the_kind_filter_lists_only_moderated_kinds(admin_client, db):
    html = admin_client.get(QUEUE).content.decode()
    registered = ContentType.objects.get_for_models(*registry.registered_models()).values()
    for content_type in registered:
        assert f"content_type__id__exact={content_type.pk}" in html
    session_ct = ContentType.objects.get(app_label="sessions", model="session")
    assert f'content_type__id__exact={session_ct.pk}"' not in html
    assert html.count("content_type__id__exact=") == len(registered)


def test_a_question_the_host_dismissed_stays_dismissed_when_a_report_on_it_is_approved(
    alice, bob, live, moderator
):
    question = room_services.question_ask(session=live, user=bob, text="Off topic question")
    room_services.question_moderate(
        session=live, user=alice.user, question_id=question.pk, action="dismiss"
    )
    services.report_submit(reporter=UserFactory(), obj=question, reason="off topic")
    item = _review_item(question)
    services.review_approve(item=item, moderator=moderator)
    question.refresh_from_db()
    assert question.status == RoomQuestion.Status.DISMISSED  # the host's decision holds


def test_a_question_moderation_hid_comes_back_when_shown_again(alice, bob, live):
    question = room_services.question_ask(session=live, user=bob, text="Reported question")
    question_set_visible(question, False)
    question.refresh_from_db()
    assert (question.status, question.hidden_by_moderation) == ("dismissed", True)
    question_set_visible(question, True)
    question.refresh_from_db()
    assert (question.status, question.hidden_by_moderation) == ("open", False)
