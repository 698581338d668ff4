"""Answering a question: check it, understand it, look it up, quote, or hand it on.

Bad input (empty, too long, control characters, a mixed-script word) is refused with
a message and nothing is stored. A rate limit per user (or address) holds across
processes (the shared cache). With the index unavailable the answer says so and
offers the expert or support path: the pages that show it never fail because of it.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from assistant import index as knowledge
from assistant import selectors
from assistant.intents import intent_classify
from assistant.models import AssistantQuestion, CanonicalAnswer, Vote
from assistant.retrieval import FeedbackMemory, idf_keywords, language_detect
from assistant.retrieval import Vote as FeedbackVote
from core.money import format_money
from core.refusals import Refused
from core.text import terms
from core.versions import version_bump, version_get
from qa.matching import experts_match
from qa.models import Difficulty
from qa.services import price_for

PLACES = ("qa", "help", "live")
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?。！？\n])\s*")


class RateLimited(Exception):
    pass


@dataclass
class Passage:
    item_id: int
    kind: str
    title: str
    quote: str  # "" when locked
    url: str
    locked: bool
    course_title: str
    score: float


@dataclass
class NextStep:
    kind: str  # expert, live, ticket
    label: str
    url: str
    price: str = ""


@dataclass
class Reply:
    question_id: int | None
    language: str
    intent: str
    keywords: list[str]
    answered: bool
    confidence: float
    passages: list[Passage] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)
    unavailable: bool = False
    message: str = ""


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""


def question_clean(text: str) -> str:
    """The question as the assistant reads it, or a ValidationError a person can act on."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Type a question first."))
    if len(text) > settings.ASSISTANT_MAX_QUESTION_CHARS:
        raise ValidationError(
            _("Keep the question under %(n)s characters.")
            % {"n": settings.ASSISTANT_MAX_QUESTION_CHARS}
        )
    if _CONTROL.search(text):
        raise ValidationError(_("The question contains invisible control characters: retype it."))
    for word in _WORD.findall(text):
        scripts = {_script(c) for c in word if c.isalpha()} - {""}
        # Latin with CJK in one run ("Python教程") is ordinary; Latin with Cyrillic or
        # Greek look-alikes ("pаypal" with a Cyrillic а) is a disguise or a mistake.
        alphabets = scripts - {"CJK", "HIRAGANA", "KATAKANA", "FULLWIDTH"}
        if len(alphabets) > 1:
            # Well formed, but refused as a rule (a 422 in the API): not bad input.
            raise Refused(
                _("“%(word)s” mixes alphabets (for example Latin and Cyrillic letters): retype it.")
                % {"word": word[:40]}
            )
    return text


def rate_limit_check(*, key: str) -> None:
    bucket = f"assistant:rate:{key}"
    added = cache.add(bucket, 1, timeout=60)
    count = 1 if added else cache.incr(bucket)
    if count > settings.ASSISTANT_RATE_LIMIT:
        raise RateLimited(_("Too many questions in a minute: wait a little and ask again."))


def _quote(text: str, query_terms: set[str], limit: int = 320) -> str:
    """The one or two sentences of `text` that share most terms with the question."""
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return ""
    scored = sorted(
        range(len(sentences)),
        key=lambda i: (-len(query_terms & set(terms(sentences[i]))), i),
    )
    chosen = sorted(scored[:2])
    quote = " ".join(sentences[i] for i in chosen)
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"


FEEDBACK_VERSION_KEY = "assistant:feedback:version"
_memory: dict[str, tuple[int, FeedbackMemory]] = {}


def feedback_changed() -> None:
    version_bump(FEEDBACK_VERSION_KEY)


def _feedback() -> FeedbackMemory:
    """This process's feedback memory, re-read when a vote or canonical answer is added."""
    version = version_get(FEEDBACK_VERSION_KEY)
    held = _memory.get("memory")
    if held is None or held[0] != version:
        _memory["memory"] = (version, _feedback_load())
    return _memory["memory"][1]


def _feedback_load() -> FeedbackMemory:
    votes = [
        FeedbackVote(q, str(item), float(v))
        for q, item, v in Vote.objects.values_list("question__text", "item_id", "value")[:20000]
    ]
    votes += [
        FeedbackVote(q, str(item), 3.0)
        for q, item in CanonicalAnswer.objects.values_list("question", "item_id")[:5000]
    ]
    return FeedbackMemory(votes)


def experts_rank(
    matched: Sequence[tuple[int, float]], near: Sequence[tuple[int, float]]
) -> list[int]:
    """Expert user ids, best first: how well their profile matches the question's
    words (qa's expert matching) and how near the knowledge graph puts them (authors
    and course creators of the closest passages, teachers of the topics it names),
    each scaled to its best and added."""
    total: dict[int, float] = {}
    for ranked in (matched, near):
        top_weight = max((weight for _pk, weight in ranked), default=0.0)
        for pk, weight in ranked:
            if top_weight > 0:
                total[pk] = total.get(pk, 0.0) + weight / top_weight
    return sorted(total, key=lambda pk: (-total[pk], pk))


def _next_steps(
    *, user: User, text: str, intent: str, near_experts: Sequence[tuple[int, float]] = ()
) -> list[NextStep]:
    steps: list[NextStep] = []
    ticket_url = reverse("assistant:ticket_new") + "?" + urlencode({"q": text})
    if intent == "support":
        steps.append(NextStep("ticket", _("Open a support ticket"), ticket_url))
    me = user.pk if user.is_authenticated else None
    matched = [(t.user_id, score) for t, score in experts_match(text, limit=3, exclude_user_id=me)]
    # Neither the words nor the graph know one: the most experienced expert taking questions.
    candidates = selectors.experts_taking_questions(
        user_ids=experts_rank(matched, near_experts), exclude=me
    )
    if candidates:
        terms_ = candidates[0]
        expert = terms_.user
        price = price_for(expert=expert, terms=terms_, difficulty=Difficulty.STANDARD, text=text)
        name = getattr(getattr(expert, "creator_profile", None), "display_name", "") or expert.email
        steps.append(
            NextStep(
                "expert",
                _("Ask %(name)s") % {"name": name},
                reverse("qa:ask", args=[expert.pk]),
                price=format_money(price.amount, price.currency),
            )
        )
        session = selectors.next_session_of(expert_id=expert.pk)
        if session is not None:
            steps.append(
                NextStep(
                    "live",
                    _("Ask live in “%(title)s”") % {"title": session.title},
                    session.get_absolute_url(),
                )
            )
    if intent != "support":
        steps.append(NextStep("ticket", _("Contact support"), ticket_url))
    return steps


def question_answer(*, user: User, text: str, place: str, rate_key: str) -> Reply:
    """Answer `text` for `user` from the knowledge index, or offer the next step."""
    text = question_clean(text)
    if place not in PLACES:
        raise ValidationError(_("Unknown place."))
    rate_limit_check(key=rate_key)
    language = language_detect(text)
    intent = intent_classify(text)
    try:
        index = knowledge.current()
    except knowledge.IndexUnavailable:
        return Reply(
            None, language, intent, [], False, 0.0,
            next_steps=_next_steps(user=user, text=text, intent=intent),
            unavailable=True,
            message=_(
                "The assistant is being prepared and cannot answer right now; "
                "an expert or support can."
            ),
        )  # fmt: skip
    keywords = idf_keywords(index.search, text)
    rows = knowledge.rank(
        index, text, intent=intent, feedback=_feedback(), limit=settings.ASSISTANT_PASSAGES * 2
    )
    confidence = rows[0][2] if rows else 0.0
    answered = confidence >= settings.ASSISTANT_MIN_CONFIDENCE
    readable = selectors.paid_readable(user=user, rows=[row for row, _s, _c in rows])
    query_terms = set(terms(text))
    passages: list[Passage] = []
    for row, _score, passage_confidence in rows[: settings.ASSISTANT_PASSAGES]:
        # Further passages only while they are nearly as sure as the answer needs.
        if passages and passage_confidence < settings.ASSISTANT_MIN_CONFIDENCE * 0.8:
            break
        locked = row.paid and row.pk not in readable
        # Locked: the title and course only, never a word of the paid text.
        quote = "" if locked else _quote(row.text, query_terms)
        passages.append(
            Passage(
                row.pk, row.kind, row.title, quote, row.url, locked, row.course_title,
                round(passage_confidence, 3),
            )
        )  # fmt: skip
    if not answered:
        passages = []
    stored = AssistantQuestion.objects.create(
        user=user if user.is_authenticated else None,
        text=text,
        language=language,
        intent=intent,
        place=place,
        confidence=confidence,
        answered=answered,
        item_ids=[p.item_id for p in passages],
    )
    reply = Reply(stored.pk, language, intent, keywords, answered, round(confidence, 3), passages)
    if not answered:
        reply.message = _("I have no good answer to that yet.")
        near = index.graph.experts([(row.pk, score) for row, score, _c in rows], text)
        reply.next_steps = _next_steps(user=user, text=text, intent=intent, near_experts=near)
    return reply
