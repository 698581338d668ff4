"""Screening before charging: refuse charges nothing; hold keeps escrow until decided."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from accounts.models import Notification
from moderation import services as moderation
from moderation.models import BlockedTerm, ReviewItem
from payments.models import LedgerAccount
from qa import services
from qa.models import Answer, Question
from tests.factories import UserFactory
from tests.qa.conftest import ask, balances

Kind = LedgerAccount.Kind
Status = Question.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def terms(db):
    BlockedTerm.objects.create(term="idiot", mode="word", action="refuse")
    BlockedTerm.objects.create(term="代写", mode="substring", action="hold")


@pytest.fixture
def moderator(db):
    return UserFactory(is_staff=True, is_superuser=True)


def _item(obj):
    return ReviewItem.objects.get(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )


def test_a_refused_question_charges_nothing_and_creates_nothing(terms, asker, expert):
    with pytest.raises(ValidationError):
        ask(asker, expert, text="Why is my boss an idiot?")
    assert Question.objects.count() == 0
    assert balances(asker)[(asker.email, Kind.WALLET)] == 10_000


def test_a_held_question_keeps_escrow_hidden_from_the_expert_until_approved(
    terms, asker, expert, moderator
):
    question = ask(asker, expert, text="能帮我代写毕业论文的第一章吗")
    assert question.status == Status.HELD
    assert not question.is_visible and question.deadline is None
    assert balances(asker)[(asker.email, Kind.ESCROW)] == 1000
    assert not Notification.objects.filter(user=expert).exists()
    assert services.questions_refund_overdue() == 0  # no deadline runs while held

    moderation.review_approve(item=_item(question), moderator=moderator)
    question.refresh_from_db()
    assert question.status == Status.OPEN and question.deadline is not None
    assert Notification.objects.filter(user=expert, key=f"qa:received:{question.pk}").exists()


def test_a_rejected_question_is_refunded_in_full(terms, asker, expert, moderator):
    question = ask(asker, expert, text="能帮我代写毕业论文的第一章吗")
    moderation.review_reject(item=_item(question), moderator=moderator, reason="Ghostwriting")
    question.refresh_from_db()
    assert question.status == Status.REJECTED
    b = balances(asker, expert)
    assert b[(asker.email, Kind.WALLET)] == 10_000 and b[(asker.email, Kind.ESCROW)] == 0
    assert Notification.objects.filter(user=asker, key=f"qa:refunded:{question.pk}").exists()


def test_a_refused_answer_changes_nothing(terms, asker, expert):
    question = ask(asker, expert)
    with pytest.raises(ValidationError):
        services.answer_submit(expert=expert, question_id=question.pk, text="You idiot.")
    question.refresh_from_db()
    assert question.status == Status.OPEN
    assert not Answer.objects.exists()
    assert balances(asker)[(asker.email, Kind.ESCROW)] == 1000


def test_a_held_answer_is_paid_on_approval_and_refunded_on_rejection(
    terms, asker, expert, moderator
):
    first = ask(asker, expert, text="First question here")
    second = ask(asker, expert, text="Second question here")
    for question in (first, second):
        services.answer_submit(expert=expert, question_id=question.pk, text="我可以代写")
        question.refresh_from_db()
        assert question.status == Status.ANSWER_HELD
    moderation.review_approve(item=_item(first.answer), moderator=moderator)
    moderation.review_reject(item=_item(second.answer), moderator=moderator, reason="No")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.ANSWERED, Status.REJECTED)
    b = balances(asker, expert)
    assert b[(expert.email, Kind.EARNINGS)] == 800
    assert b[(asker.email, Kind.WALLET)] == 9000  # 10000 - 1000 - 1000 + 1000 refunded
    assert b[(asker.email, Kind.ESCROW)] == 0
