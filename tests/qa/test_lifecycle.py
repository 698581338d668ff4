"""Ask -> answer / decline / expire, unlocks and ratings, checked against the ledger."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Notification
from core.refusals import Conflict
from payments.models import LedgerAccount, LedgerTransaction
from qa import services
from qa.models import ExpertSettings, Question, Unlock
from tests.factories import UserFactory
from tests.qa.conftest import ask, balances, fund, total

Kind = LedgerAccount.Kind
Status = Question.Status
pytestmark = pytest.mark.django_db(transaction=True)  # emails go out on commit


def _overdue(question):
    Question.objects.filter(pk=question.pk).update(deadline=timezone.now() - timedelta(seconds=1))


def test_asking_moves_the_quoted_price_from_wallet_to_escrow_and_tells_the_expert(asker, expert):
    question = ask(asker, expert)
    b = balances(asker, expert)
    assert question.status == Status.OPEN
    assert question.amount == 1000
    assert b[(asker.email, Kind.WALLET)] == 9000
    assert b[(asker.email, Kind.ESCROW)] == 1000
    assert total(b) == 10_000
    assert question.deadline - question.sent_at == timedelta(hours=48)
    assert Notification.objects.filter(user=expert, key=f"qa:received:{question.pk}").exists()
    assert [m.to for m in mail.outbox] == [[expert.email]]


def test_answer_releases_escrow_to_the_expert_minus_the_platform_fee(asker, expert):
    question = ask(asker, expert)
    question = services.answer_submit(
        expert=expert, question_id=question.pk, text="Use django-silk and EXPLAIN."
    )
    b = balances(asker, expert)
    assert question.status == Status.ANSWERED
    assert question.fee == 200  # 20 %
    assert b[(asker.email, Kind.WALLET)] == 9000
    assert b[(asker.email, Kind.ESCROW)] == 0
    assert b[(expert.email, Kind.EARNINGS)] == 800
    assert b["platform"] == 200
    assert total(b) == 10_000
    terms = ExpertSettings.objects.get(user=expert)
    assert terms.answered_count == 1
    assert Notification.objects.filter(user=asker, key=f"qa:answered:{question.pk}").exists()


def test_decline_refunds_the_asker_in_full_with_the_reason(asker, expert):
    question = ask(asker, expert)
    question = services.question_decline(
        expert=expert, question_id=question.pk, reason="Outside my field"
    )
    b = balances(asker, expert)
    assert question.status == Status.DECLINED
    assert b[(asker.email, Kind.WALLET)] == 10_000
    assert b[(asker.email, Kind.ESCROW)] == 0
    assert b[(expert.email, Kind.EARNINGS)] == 0
    assert b["platform"] == 0
    note = Notification.objects.get(user=asker, key=f"qa:declined:{question.pk}")
    assert "Outside my field" in note.text
    assert ExpertSettings.objects.get(user=expert).missed_count == 1


def test_decline_needs_a_reason(asker, expert):
    question = ask(asker, expert)
    with pytest.raises(ValidationError, match="why"):
        services.question_decline(expert=expert, question_id=question.pk, reason="  ")
    assert Question.objects.get(pk=question.pk).status == Status.OPEN


def test_unanswered_question_is_refunded_at_deadline_by_the_job(asker, expert):
    from qa.tasks import qa_refund_overdue_task

    question = ask(asker, expert)
    assert qa_refund_overdue_task() == 0  # not due yet
    _overdue(question)
    assert qa_refund_overdue_task() == 1
    assert qa_refund_overdue_task() == 0  # second run: nothing left to do
    b = balances(asker, expert)
    assert Question.objects.get(pk=question.pk).status == Status.EXPIRED
    assert b[(asker.email, Kind.WALLET)] == 10_000
    assert b[(asker.email, Kind.ESCROW)] == 0
    assert LedgerTransaction.objects.filter(idempotency_key=f"qa:settle:{question.pk}").count() == 1
    assert Notification.objects.filter(user=asker, key=f"qa:refunded:{question.pk}").exists()


def test_answer_after_the_deadline_is_refused(asker, expert):
    question = ask(asker, expert)
    _overdue(question)
    with pytest.raises(Conflict, match="deadline has passed"):
        services.answer_submit(expert=expert, question_id=question.pk, text="late")
    assert balances(asker, expert)[(expert.email, Kind.EARNINGS)] == 0


def test_only_the_chosen_expert_can_answer_or_decline(asker, expert, charlie):
    question = ask(asker, expert)
    with pytest.raises(ValidationError, match="Only the expert"):
        services.answer_submit(expert=charlie.user, question_id=question.pk, text="me!")
    with pytest.raises(ValidationError, match="Only the expert"):
        services.question_decline(expert=charlie.user, question_id=question.pk, reason="x")
    assert Question.objects.get(pk=question.pk).status == Status.OPEN


def test_unlock_splits_the_fee_between_expert_and_asker_after_the_platform_fee(
    asker, expert, settings
):
    settings.QA_UNLOCK_PRICE = 100
    question = ask(asker, expert)
    services.answer_submit(expert=expert, question_id=question.pk, text="Here is how.")
    reader = UserFactory(email="dora@example.com")
    fund(reader, 500)
    unlock = services.answer_unlock(user=reader, question_id=question.pk)
    # 100: platform 20, then 80 split 40 / 40.
    assert (unlock.fee, unlock.expert_share, unlock.asker_share) == (20, 40, 40)
    b = balances(asker, expert, reader)
    assert b[(reader.email, Kind.WALLET)] == 400
    assert b[(expert.email, Kind.EARNINGS)] == 800 + 40
    assert b[(asker.email, Kind.WALLET)] == 9000 + 40
    assert b["platform"] == 200 + 20
    assert total(b) == 10_500
    assert Notification.objects.filter(
        user=expert, key=f"qa:unlocked:{question.pk}:{reader.pk}"
    ).exists()
    with pytest.raises(ValidationError, match="already unlocked"):
        services.answer_unlock(user=reader, question_id=question.pk)
    assert Unlock.objects.count() == 1
    assert balances(reader)[(reader.email, Kind.WALLET)] == 400


def test_asker_and_expert_cannot_unlock_and_private_answers_stay_locked(asker, expert, charlie):
    question = ask(asker, expert, is_public=False)
    services.answer_submit(expert=expert, question_id=question.pk, text="Private.")
    for user in (asker, expert):
        with pytest.raises(ValidationError, match="already read"):
            services.answer_unlock(user=user, question_id=question.pk)
    fund(charlie.user, 500)
    with pytest.raises(ValidationError, match="not public"):
        services.answer_unlock(user=charlie.user, question_id=question.pk)
    assert balances(charlie.user)[(charlie.user.email, Kind.WALLET)] == 500


def test_unlock_with_an_empty_wallet_is_refused_and_charges_nothing(asker, expert, charlie):
    question = ask(asker, expert)
    services.answer_submit(expert=expert, question_id=question.pk, text="Answer.")
    with pytest.raises(ValidationError, match="Top up"):
        services.answer_unlock(user=charlie.user, question_id=question.pk)
    assert Unlock.objects.count() == 0


def test_rating_feeds_the_expert_profile_once_and_only_from_the_asker(asker, expert, charlie):
    question = ask(asker, expert)
    with pytest.raises(ValidationError, match="Only an answered"):
        services.question_rate(asker=asker, question_id=question.pk, rating=5)
    services.answer_submit(expert=expert, question_id=question.pk, text="Answer.")
    with pytest.raises(PermissionDenied, match="Only the person who asked"):
        services.question_rate(asker=charlie.user, question_id=question.pk, rating=1)
    with pytest.raises(ValidationError, match="1 to 5"):
        services.question_rate(asker=asker, question_id=question.pk, rating=6)
    services.question_rate(asker=asker, question_id=question.pk, rating=4, comment="Clear")
    with pytest.raises(ValidationError, match="already rated"):
        services.question_rate(asker=asker, question_id=question.pk, rating=5)
    terms = ExpertSettings.objects.get(user=expert)
    assert (terms.rating_count, terms.rating_sum) == (1, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("hi", "at least"),
        ("x" * 3001, "under 3000"),
    ],
)
def test_bad_questions_are_refused_before_any_quote(asker, expert, text, message):
    with pytest.raises(ValidationError, match=message):
        services.quote_create(
            asker=asker, expert=expert, text=text, difficulty="standard", is_public=True
        )


def test_the_same_question_to_the_same_expert_within_minutes_is_refused(asker, expert):
    ask(asker, expert, text="What is a database index?")
    with pytest.raises(ValidationError, match="same question"):
        ask(asker, expert, text="  what is a   DATABASE index? ")
    assert balances(asker)[(asker.email, Kind.WALLET)] == 9000


def test_insufficient_wallet_refuses_and_charges_nothing(bob, expert):
    fund(bob, 500)
    quote = services.quote_create(
        asker=bob,
        expert=expert,
        text="A real question here",
        difficulty="standard",
        is_public=True,
    )
    with pytest.raises(ValidationError, match="Top up") as exc:
        services.question_ask(asker=bob, quote_id=quote.pk)
    assert exc.value.code == "insufficient_funds"
    assert Question.objects.count() == 0
    assert balances(bob)[(bob.email, Kind.WALLET)] == 500


def test_a_changed_price_refuses_the_old_quote_and_charges_nothing(asker, expert):
    quote = services.quote_create(
        asker=asker,
        expert=expert,
        text="A real question here",
        difficulty="standard",
        is_public=True,
    )
    ExpertSettings.objects.filter(user=expert).update(base_price=2000)
    with pytest.raises(Conflict, match="price changed") as exc:
        services.question_ask(asker=asker, quote_id=quote.pk)
    assert "get a new quote" in exc.value.messages[0]
    assert Question.objects.count() == 0
    assert balances(asker)[(asker.email, Kind.WALLET)] == 10_000
    fresh = services.quote_create(
        asker=asker,
        expert=expert,
        text="A real question here",
        difficulty="standard",
        is_public=True,
    )
    assert services.question_ask(asker=asker, quote_id=fresh.pk).amount == 2000


def test_an_expired_or_foreign_quote_is_refused(asker, expert, charlie):
    quote = services.quote_create(
        asker=asker,
        expert=expert,
        text="A real question here",
        difficulty="standard",
        is_public=True,
    )
    with pytest.raises(ValidationError, match="does not exist"):
        services.question_ask(asker=charlie.user, quote_id=quote.pk)
    quote.expires_at = timezone.now() - timedelta(seconds=1)
    quote.save()
    with pytest.raises(ValidationError, match="expired"):
        services.question_ask(asker=asker, quote_id=quote.pk)
    assert balances(asker)[(asker.email, Kind.WALLET)] == 10_000


def test_paying_the_same_quote_twice_charges_once(asker, expert):
    quote = services.quote_create(
        asker=asker,
        expert=expert,
        text="A real question here",
        difficulty="standard",
        is_public=True,
    )
    first = services.question_ask(asker=asker, quote_id=quote.pk)
    second = services.question_ask(asker=asker, quote_id=quote.pk)
    assert first.pk == second.pk
    assert balances(asker)[(asker.email, Kind.WALLET)] == 9000


def test_asking_yourself_or_a_creator_without_paid_questions_is_refused(asker, expert, charlie):
    with pytest.raises(ValidationError, match="yourself"):
        services.quote_create(
            asker=expert, expert=expert, text="Myself?", difficulty="standard", is_public=True
        )
    with pytest.raises(Conflict, match="does not take paid questions"):
        services.quote_create(
            asker=asker,
            expert=charlie.user,
            text="Hello there",
            difficulty="standard",
            is_public=True,
        )


def test_answer_files_are_checked_for_type_and_size(asker, expert, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    question = ask(asker, expert)
    with pytest.raises(ValidationError, match="Allowed file types"):
        services.answer_submit(
            expert=expert,
            question_id=question.pk,
            text="see file",
            attachment=SimpleUploadedFile("run.exe", b"MZ"),
        )
    settings.QA_AUDIO_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large"):
        services.answer_submit(
            expert=expert,
            question_id=question.pk,
            text="listen",
            audio=SimpleUploadedFile("a.mp3", b"x" * 11),
        )
    assert Question.objects.get(pk=question.pk).status == Status.OPEN


def test_user_text_in_notifications_and_emails_is_kept_as_plain_text(asker, expert):
    ask(asker, expert, text="<script>alert(1)</script> how?")
    note = Notification.objects.get(user=expert)
    assert "<script>" in note.text  # stored as typed; every template escapes it
    assert mail.outbox[0].content_subtype == "plain"
