"""Any logged-in user reports any moderated content; trusted reports weigh more."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Notification
from marketplace.models import Course
from moderation import services
from moderation.models import Report, ReviewItem
from tests.factories import CourseFactory, UserFactory


@pytest.fixture
def course(alice_channel):
    return CourseFactory(channel=alice_channel, title="Pandas basics")


def report_url(obj):
    return f"/moderation/report/{ContentType.objects.get_for_model(obj).pk}/{obj.pk}/"


def established(n):
    """Users 30+ days old with a verified email: weight 1.0 each."""
    users = [UserFactory() for _ in range(n)]
    for user in users:
        user.date_joined = timezone.now() - timedelta(days=60)
        user.save()
    return users


def test_trust_formula(db):
    fresh = UserFactory()  # new today, verified email, no history
    assert services.reporter_trust(fresh) == 0.5
    EmailAddress.objects.filter(user=fresh).update(verified=False)
    assert services.reporter_trust(fresh) == 0.3
    (old,) = established(1)
    assert services.reporter_trust(old) == 1.0


def test_trust_follows_the_reporters_record(alice_channel):
    (reporter,) = established(1)
    ct = ContentType.objects.get_for_model(Course)
    for n, outcome in enumerate(["upheld", "upheld", "upheld"]):
        Report.objects.create(content_type=ct, object_id=10_000 + n, reporter=reporter,
                              reason="x", outcome=outcome)  # fmt: skip
    assert services.reporter_trust(reporter) == 1.6  # 2 × 4/5
    for n in range(5):
        Report.objects.create(content_type=ct, object_id=20_000 + n, reporter=reporter,
                              reason="x", outcome="dismissed")  # fmt: skip
    assert services.reporter_trust(reporter) == 0.8  # 2 × 4/10


def test_content_hides_once_reports_weigh_enough(client, course, settings, alice):
    settings.MODERATION_REPORT_THRESHOLD = 2.5
    a, b, c = established(3)
    for reporter in (a, b):
        client.force_login(reporter)
        response = client.post(report_url(course), {"reason": "Plagiarised slides"})
        assert response.status_code == 302
    course.refresh_from_db()
    assert course.is_published  # 2.0 < 2.5: in the queue, still shown
    item = ReviewItem.objects.get(object_id=course.pk)
    assert item.is_open and not item.hiding

    client.force_login(c)
    client.post(report_url(course), {"reason": "Copied from a book"})
    course.refresh_from_db()
    assert not course.is_published
    item = ReviewItem.objects.get(object_id=course.pk)
    assert item.source == ReviewItem.Source.REPORTS and item.is_open
    assert item.report_weight == 3.0
    assert "report: Copied from a book" in item.reasons


def test_new_accounts_weigh_less(client, course, settings):
    settings.MODERATION_REPORT_THRESHOLD = 2.5
    for _ in range(4):  # 4 × 0.5 = 2.0
        client.force_login(UserFactory())
        client.post(report_url(course), {"reason": "Bad"})
    course.refresh_from_db()
    assert course.is_published
    client.force_login(UserFactory())
    client.post(report_url(course), {"reason": "Bad"})  # 2.5
    course.refresh_from_db()
    assert not course.is_published


def test_one_report_per_user_per_item(client, course, bob):
    client.force_login(bob)
    client.post(report_url(course), {"reason": "Spam"})
    response = client.post(report_url(course), {"reason": "Spam again"}, follow=True)
    assert "You already reported this" in response.content.decode()
    assert Report.objects.filter(reporter=bob).count() == 1


def test_reporters_are_told_the_outcome(course, moderator, settings):
    settings.MODERATION_REPORT_THRESHOLD = 1.0
    (reporter,) = established(1)
    services.report_submit(reporter=reporter, obj=course, reason="Scam")
    item = ReviewItem.objects.get(object_id=course.pk)
    services.review_reject(item=item, moderator=moderator, reason="Scam confirmed")
    assert Report.objects.get(reporter=reporter).outcome == Report.Outcome.UPHELD
    note = Notification.objects.get(user=reporter)
    assert "removed" in note.text


def test_dismissed_reports_tell_the_reporter_it_stays(course, moderator, settings):
    settings.MODERATION_REPORT_THRESHOLD = 1.0
    (reporter,) = established(1)
    services.report_submit(reporter=reporter, obj=course, reason="Don't like it")
    item = ReviewItem.objects.get(object_id=course.pk)
    services.review_approve(item=item, moderator=moderator)
    course.refresh_from_db()
    assert course.is_published
    assert Report.objects.get(reporter=reporter).outcome == Report.Outcome.DISMISSED
    assert "stays up" in Notification.objects.get(user=reporter).text


def test_bad_reports_change_nothing(client, course, alice, bob):
    client.force_login(bob)
    assert client.post(report_url(course), {"reason": ""}).status_code == 400
    assert client.post("/moderation/report/999999/1/", {"reason": "x"}).status_code == 404
    session_ct = ContentType.objects.get(app_label="sessions", model="session")
    assert client.post(f"/moderation/report/{session_ct.pk}/1/", {"reason": "x"}).status_code == 404
    user_ct = ContentType.objects.get(app_label="accounts", model="user")
    response = client.post(
        f"/moderation/report/{user_ct.pk}/{bob.pk}/", {"reason": "x"}, follow=True
    )
    assert "report your own content" in response.content.decode()
    client.force_login(alice.user)  # authors don't report themselves
    response = client.post(report_url(course), {"reason": "Test"}, follow=True)
    assert "report your own content" in response.content.decode()
    assert Report.objects.count() == 0


def test_visitors_are_sent_to_log_in(client, course):
    response = client.post(report_url(course), {"reason": "Spam"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert Report.objects.count() == 0


def test_report_api(client, course, bob):
    ct = ContentType.objects.get_for_model(course).pk
    assert client.post("/api/v1/moderation/reports/", {}).status_code in (401, 403)
    client.force_login(bob)
    body = {"content_type": ct, "object_id": course.pk, "reason": "Spam"}
    created = client.post("/api/v1/moderation/reports/", body, content_type="application/json")
    assert created.status_code == 201
    again = client.post("/api/v1/moderation/reports/", body, content_type="application/json")
    assert again.status_code == 400 and "already reported" in again.json()["detail"]
    bad = client.post(
        "/api/v1/moderation/reports/",
        {"content_type": ct, "object_id": "x", "reason": ""},
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_report_link_tag_renders_a_form_for_others_only(course, bob, alice):
    template = Template("{% load moderation_tags %}{% report_link obj %}")
    request = RequestFactory().get("/courses/x/")
    request.user = bob
    html = template.render(Context({"request": request, "obj": course}))
    assert report_url(course) in html and 'name="reason"' in html
    request.user = alice.user
    assert report_url(course) not in template.render(Context({"request": request, "obj": course}))


def test_course_and_channel_pages_offer_the_report_form_to_other_users(client, course, bob):
    client.force_login(bob)
    assert report_url(course) in client.get(course.get_absolute_url()).content.decode()
    channel = course.channel
    assert report_url(channel) in client.get(channel.get_absolute_url()).content.decode()


def test_threads_and_replies_offer_the_report_form_to_others_only(client, course, bob):
    from discussions import services as discussions

    course.price_amount = 0
    course.save()
    thread = discussions.thread_create(author=bob, target=course, title="Help", body="B")
    reply = discussions.reply_create(author=UserFactory(), thread=thread, body="Try this")
    client.force_login(bob)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert report_url(thread) not in page and report_url(reply) in page
    client.force_login(UserFactory())
    page = client.get(thread.get_absolute_url()).content.decode()
    assert report_url(thread) in page and report_url(reply) in page


def test_paid_questions_and_answers_offer_the_report_form_to_readers(client, alice, bob):
    from qa import services as qa
    from tests.qa.conftest import ask, fund

    qa.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    fund(bob, 10_000)
    question = ask(bob, alice.user)
    qa.answer_submit(expert=alice.user, question_id=question.pk, text="Use a TaskGroup.")
    answer = question.answer
    client.force_login(alice.user)  # the expert: may report the question, not her answer
    page = client.get(question.get_absolute_url()).content.decode()
    assert report_url(question) in page and report_url(answer) not in page
    reader = UserFactory()
    fund(reader, 500)
    client.force_login(reader)
    client.post(f"/questions/{question.pk}/unlock/")
    page = client.get(question.get_absolute_url()).content.decode()
    assert report_url(question) in page and report_url(answer) in page


@pytest.mark.django_db(transaction=True)
def test_reports_crossing_the_threshold_at_once_all_count_and_open_one_review(
    alice_channel, settings
):
    """Four established users report at the same moment on PostgreSQL; any two cross
    the threshold. Every reporter is thanked, one review item opens, once hidden."""
    import threading

    from django.db import connection

    settings.MODERATION_REPORT_THRESHOLD = 1.5
    course = CourseFactory(channel=alice_channel, title="Pandas basics")
    reporters = established(4)
    barrier = threading.Barrier(len(reporters))
    errors = []

    def report(user):
        try:
            barrier.wait()
            services.report_submit(reporter=user, obj=course, reason="Copied slides")
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=report, args=(user,)) for user in reporters]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert Report.objects.filter(object_id=course.pk).count() == 4
    item = ReviewItem.objects.get(object_id=course.pk)
    assert item.report_weight == 4.0
    course.refresh_from_db()
    assert course.hidden_by_moderation


def test_content_already_hidden_for_review_cannot_be_reported(client, course, settings):
    settings.MODERATION_REPORT_THRESHOLD = 1.0
    first, late = established(2)
    client.force_login(first)
    client.post(report_url(course), {"reason": "Plagiarised slides"})
    course.refresh_from_db()
    assert not course.is_published  # hidden, waiting for review
    client.force_login(late)
    response = client.post(
        report_url(course), {"reason": "Also plagiarised", "next": "/"}, follow=True
    )
    assert "already hidden from the public" in response.content.decode()
    assert Report.objects.filter(reporter=late).count() == 0


def test_only_readers_may_report_paid_or_private_content(client, alice, bob):
    from django.core.exceptions import ValidationError

    from qa import services as qa
    from tests.qa.conftest import ask, fund

    qa.expert_settings_update(
        user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
    )
    fund(bob, 10_000)
    private = ask(bob, alice.user, text="A private question about my portfolio", is_public=False)
    public = ask(bob, alice.user)
    qa.answer_submit(expert=alice.user, question_id=public.pk, text="Use a TaskGroup.")
    outsider = UserFactory()
    for obj in (private, public.answer):  # cannot read: an open private question, a locked answer
        with pytest.raises(ValidationError, match="only report what you can read"):
            services.report_submit(reporter=outsider, obj=obj, reason="Spam")
        client.force_login(outsider)
        client.post(report_url(obj), {"reason": "Spam"})
    assert not Report.objects.exists()

    fund(outsider, 500)
    qa.answer_unlock(user=outsider, question_id=public.pk)
    assert services.report_submit(reporter=outsider, obj=public.answer, reason="Wrong")
    assert services.report_submit(reporter=outsider, obj=public, reason="Off topic")
