"""Threads, replies, edit window, deletion, sorting, pin/lock and notifications."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Notification
from discussions import selectors, services
from discussions.models import Reply, Thread
from moderation.models import BlockedTerm, ReviewItem
from moderation.services import review_approve
from tests.discussions.conftest import grant_course
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_learner_starts_a_thread_on_a_free_course(bob, free_course):
    thread = services.thread_create(author=bob, target=free_course, title=" Hi ", body="Question")
    assert thread.title == "Hi"
    assert thread.is_visible
    assert list(selectors.threads_for_target(target=free_course, user=bob)) == [thread]


@pytest.mark.parametrize(
    ("title", "body", "field", "message"),
    [
        ("", "text", "title", "Give your thread a title."),
        ("   ", "text", "title", "Give your thread a title."),
        ("x" * 201, "text", "title", "200 characters"),
        ("Title", "", "body", "the text is empty"),
        ("Title", "y" * 10_001, "body", "10000 characters"),
    ],
)
def test_bad_thread_input_is_refused_with_a_message(bob, free_course, title, body, field, message):
    with pytest.raises(ValidationError) as exc:
        services.thread_create(author=bob, target=free_course, title=title, body=body)
    assert message in " ".join(exc.value.message_dict[field])
    assert Thread.objects.count() == 0


def test_paid_course_discussion_is_closed_to_learners_without_access(bob, paid_course):
    with pytest.raises(PermissionDenied):
        services.thread_create(author=bob, target=paid_course, title="T", body="B")
    grant_course(bob, paid_course)
    assert services.thread_create(author=bob, target=paid_course, title="T", body="B").pk


def test_replies_nest_two_levels_and_replies_to_replies_stay_flat(bob, dora, alice, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    first = services.reply_create(author=alice.user, thread=thread, body="level one")
    second = services.reply_create(author=dora, thread=thread, body="to alice", in_reply_to=first)
    third = services.reply_create(author=bob, thread=thread, body="to dora", in_reply_to=second)
    assert (second.parent_id, third.parent_id) == (first.pk, first.pk)
    assert third.in_reply_to_id == second.pk
    tree = selectors.replies_for_thread(thread=thread, user=bob)
    assert [r.pk for r in tree] == [first.pk]
    assert [c.pk for c in tree[0].shown_children] == [second.pk, third.pk]


def test_edit_within_the_window_and_refused_after_it(bob, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    services.thread_edit(user=bob, thread=thread, title="T2", body="B2")
    late = thread.created_at + services.edit_window() + timedelta(seconds=1)
    with pytest.raises(ValidationError, match="15 minutes"):
        services.thread_edit(user=bob, thread=thread, title="T3", body="B3", now=late)
    thread.refresh_from_db()
    assert (thread.title, thread.body) == ("T2", "B2")
    assert thread.edited_at is not None


def test_reply_edit_window_and_ownership(bob, dora, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    reply = services.reply_create(author=dora, thread=thread, body="first")
    with pytest.raises(PermissionDenied):
        services.reply_edit(user=bob, reply=reply, body="hacked")
    late = reply.created_at + timedelta(minutes=16)
    with pytest.raises(ValidationError):
        services.reply_edit(user=dora, reply=reply, body="late", now=late)
    reply.refresh_from_db()
    assert reply.body == "first"


def test_nobody_edits_or_deletes_someone_elses_thread(bob, dora, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    with pytest.raises(PermissionDenied):
        services.thread_edit(user=dora, thread=thread, title="X", body="Y")
    with pytest.raises(PermissionDenied):
        services.thread_delete(user=dora, thread=thread)
    thread.refresh_from_db()
    assert (thread.title, thread.deleted_at) == ("T", None)


def test_deleting_a_reply_leaves_a_placeholder_that_keeps_its_children(bob, dora, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    parent = services.reply_create(author=dora, thread=thread, body="secret")
    child = services.reply_create(author=bob, thread=thread, body="answer", in_reply_to=parent)
    services.reply_delete(user=dora, reply=parent)
    tree = selectors.replies_for_thread(thread=thread, user=bob)
    assert tree[0].is_deleted and tree[0].body == ""
    assert tree[0].shown_children == [child]
    # A deleted reply without replies simply goes.
    services.reply_delete(user=bob, reply=child)
    assert selectors.replies_for_thread(thread=thread, user=bob) == []


def test_deleted_thread_stays_as_placeholder_only_while_it_has_replies(bob, dora, free_course):
    lonely = services.thread_create(author=bob, target=free_course, title="Lonely", body="B")
    busy = services.thread_create(author=bob, target=free_course, title="Busy", body="B")
    services.reply_create(author=dora, thread=busy, body="hello")
    services.thread_delete(user=bob, thread=lonely)
    services.thread_delete(user=bob, thread=busy)
    shown = list(selectors.threads_for_target(target=free_course, user=dora))
    assert [t.pk for t in shown] == [busy.pk]
    assert shown[0].title == "" and shown[0].is_deleted


def test_sorting_pinned_first_then_newest_or_most_liked(alice, bob, dora, free_course):
    old = services.thread_create(author=bob, target=free_course, title="Old", body="B")
    services.thread_create(author=bob, target=free_course, title="New", body="B")
    pinned = services.thread_create(author=bob, target=free_course, title="Pinned", body="B")
    Thread.objects.filter(pk=pinned.pk).update(created_at=timezone.now() - timedelta(days=2))
    services.like_set(user=dora, obj=old, liked=True)
    services.thread_pin(user=alice.user, thread=pinned, pinned=True)

    def order(sort):
        return [
            t.title for t in selectors.threads_for_target(target=free_course, user=bob, sort=sort)
        ]

    assert order("newest") == ["Pinned", "New", "Old"]
    assert order("liked") == ["Pinned", "Old", "New"]


def test_only_the_channel_creator_pins_and_locks(alice, bob, charlie, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    for user in (bob, charlie.user):
        with pytest.raises(PermissionDenied):
            services.thread_pin(user=user, thread=thread, pinned=True)
        with pytest.raises(PermissionDenied):
            services.thread_lock(user=user, thread=thread, locked=True)
    thread.refresh_from_db()
    assert not thread.is_pinned and not thread.is_locked
    services.thread_lock(user=alice.user, thread=thread, locked=True)
    services.thread_pin(user=alice.user, thread=thread, pinned=True)
    thread.refresh_from_db()
    assert thread.is_pinned and thread.is_locked


def test_locked_thread_refuses_new_replies_with_a_clear_message(alice, bob, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    services.thread_lock(user=alice.user, thread=thread, locked=True)
    with pytest.raises(ValidationError, match="locked"):
        services.reply_create(author=bob, thread=thread, body="still here?")
    assert Reply.objects.count() == 0


def test_reply_notifies_thread_author_and_replied_author_once_with_escaping(
    alice, bob, dora, free_course, django_capture_on_commit_callbacks
):
    thread = services.thread_create(author=bob, target=free_course, title="<b>T</b>", body="B")
    first = services.reply_create(author=dora, thread=thread, body="hello")
    Notification.objects.all().delete()
    evil = "<script>alert(1)</script> & more"
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_create(author=alice.user, thread=thread, body=evil, in_reply_to=first)
    assert len(mail.outbox) == 2
    notes = {n.user_id: n for n in Notification.objects.filter(key__startswith="discussions:")}
    assert set(notes) == {bob.pk, dora.pk}  # the replier (alice) is not told
    assert "replied to you in" in notes[dora.pk].text
    assert "<b>T</b>" in notes[bob.pk].text  # stored raw; templates escape it
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        html = message.alternatives[0][0]
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
        assert "&lt;b&gt;T&lt;/b&gt;" in html
        assert evil in message.body  # plain text is not HTML: no entities


def test_a_title_with_line_breaks_becomes_one_line_and_its_reply_email_is_sent(
    alice, bob, free_course, django_capture_on_commit_callbacks
):
    thread = services.thread_create(
        author=bob, target=free_course, title="Line one\r\nSecond line", body="B"
    )
    assert thread.title == "Line one Second line"
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_create(author=alice.user, thread=thread, body="hello")
    [message] = mail.outbox
    assert "\n" not in message.subject and "Line one Second line" in message.subject
    assert message.to == ["bob@example.com"] and not message.bcc


def test_an_email_subject_never_carries_a_line_break(django_capture_on_commit_callbacks):
    from django.core.mail import EmailMessage

    from accounts.services import email_send_on_commit

    with django_capture_on_commit_callbacks(execute=True):
        email_send_on_commit(
            message=EmailMessage(subject="Hello\nBcc: x@example.com", body="b", to=["a@b.c"])
        )
    assert mail.outbox[0].subject == "Hello Bcc: x@example.com"


def test_replying_to_your_own_thread_notifies_nobody(bob, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    services.reply_create(author=bob, thread=thread, body="bump")
    assert not Notification.objects.filter(user=bob).exists()


def test_refused_text_changes_nothing_and_says_why(bob, free_course):
    BlockedTerm.objects.create(term="idiot", mode="word", action="refuse")
    with pytest.raises(ValidationError):
        services.thread_create(author=bob, target=free_course, title="T", body="you idiot")
    assert Thread.objects.count() == 0
    thread = services.thread_create(author=bob, target=free_course, title="T", body="nice")
    with pytest.raises(ValidationError):
        services.thread_edit(user=bob, thread=thread, title="T", body="idiot")
    thread.refresh_from_db()
    assert thread.body == "nice"


def test_held_reply_is_shown_only_to_its_author_until_approved(alice, bob, dora, free_course):
    BlockedTerm.objects.create(term="crypto signals", mode="word", action="hold")
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    reply = services.reply_create(author=dora, thread=thread, body="buy crypto signals")
    assert not reply.is_visible
    assert selectors.replies_for_thread(thread=thread, user=bob) == []
    assert [r.pk for r in selectors.replies_for_thread(thread=thread, user=dora)] == [reply.pk]
    assert not Notification.objects.filter(user=bob).exists()  # nothing to see yet

    moderator = UserFactory(is_staff=True)
    review_approve(item=ReviewItem.objects.get(object_id=reply.pk), moderator=moderator)
    assert [r.pk for r in selectors.replies_for_thread(thread=thread, user=bob)] == [reply.pk]
    assert Notification.objects.filter(user=bob).count() == 1


def test_held_thread_is_hidden_from_everyone_but_its_author(bob, dora, free_course):
    BlockedTerm.objects.create(term="crypto signals", mode="word", action="hold")
    thread = services.thread_create(
        author=bob, target=free_course, title="crypto signals", body="B"
    )
    assert list(selectors.threads_for_target(target=free_course, user=dora)) == []
    assert list(selectors.threads_for_target(target=free_course, user=bob)) == [thread]
