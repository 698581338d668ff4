"""Coupons on paid questions: the expert's own, and staff ones the platform pays for."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from payments import ledger
from payments import services as payment_services
from payments.models import LedgerAccount
from qa import services
from tests.factories import UserFactory
from tests.qa.conftest import balances

pytestmark = pytest.mark.django_db
Kind = LedgerAccount.Kind


def promotions():
    return ledger.balance(ledger.account_get(kind=Kind.PROMOTIONS, currency="CNY"))


def ask_with(asker, expert, code, text="How do I profile a slow Django view?"):
    quote = services.quote_create(
        asker=asker, expert=expert, text=text, difficulty="standard", is_public=True
    )
    return services.question_ask(asker=asker, quote_id=quote.pk, coupon_code=code)


def test_experts_coupon_lowers_the_price_and_the_expert_earns_on_what_was_paid(asker, expert):
    payment_services.coupon_create(
        created_by=expert, owner=expert, kind="fixed", amount_off=400, currency="CNY",
        code="ASKME", scope="questions",
    )  # fmt: skip
    question = ask_with(asker, expert, "askme")
    assert question.amount == 600
    services.answer_submit(expert=expert, question_id=question.pk, text="Use EXPLAIN.")
    b = balances(asker, expert)
    assert b[(asker.email, Kind.WALLET)] == 9400
    assert b[(expert.email, Kind.EARNINGS)] == 480  # 600 - 20 %
    assert b["platform"] == 120


def test_staff_coupon_on_a_question_pays_the_expert_in_full_and_a_refund_returns_it(asker, expert):
    staff = UserFactory(is_staff=True)
    payment_services.coupon_create(
        created_by=staff, owner=None, kind="percent", percent_off=50, code="HALF",
        scope="questions", per_user_limit=2,
    )  # fmt: skip
    answered = ask_with(asker, expert, "HALF")
    services.answer_submit(expert=expert, question_id=answered.pk, text="Use EXPLAIN.")
    b = balances(asker, expert)
    assert b[(asker.email, Kind.WALLET)] == 9500
    assert b[(expert.email, Kind.EARNINGS)] == 800  # as if 1000 were paid
    assert promotions() == -500
    declined = ask_with(asker, expert, "HALF", text="Which PostgreSQL index fits a LIKE query?")
    services.question_decline(expert=expert, question_id=declined.pk, reason="Not my field")
    assert balances(asker, expert)[(asker.email, Kind.WALLET)] == 9500
    assert promotions() == -500  # the subsidy of the declined one came back


def test_a_course_coupon_does_not_apply_to_questions(asker, expert):
    payment_services.coupon_create(
        created_by=expert, owner=expert, kind="percent", percent_off=10, code="COURSE",
        scope="course", scope_id=1,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="does not apply"):
        ask_with(asker, expert, "COURSE")
    assert balances(asker, expert)[(asker.email, Kind.WALLET)] == 10_000


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English: a page test elsewhere that switched the
    language (LocaleMiddleware activates it for the thread) must not leak in."""
    with translation.override("en"):
        yield
