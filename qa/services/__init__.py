"""Every paid-question write: terms, quotes, asking, answering, settling, rating, unlocking.

Money moves only through payments' escrow services (qa/services/escrow.py says how);
modules by concern: quotes (terms and prices), asking, settling (answers, declines,
deadlines), unlocks (ratings and paid reads), notify.
"""

from qa.services.asking import question_ask, question_set_visible
from qa.services.quotes import (
    bump_index_version,
    expert_settings_update,
    price_for,
    quote_create,
    text_digest,
)
from qa.services.settling import (
    answer_set_visible,
    answer_submit,
    question_decline,
    question_refund_if_overdue,
    questions_refund_overdue,
)
from qa.services.unlocks import answer_unlock, question_rate

__all__ = [
    "answer_set_visible",
    "answer_submit",
    "answer_unlock",
    "bump_index_version",
    "expert_settings_update",
    "price_for",
    "question_ask",
    "question_decline",
    "question_rate",
    "question_refund_if_overdue",
    "question_set_visible",
    "questions_refund_overdue",
    "quote_create",
    "text_digest",
]
