"""Site-wide search: courses, live sessions, channels, creators, lessons and articles,
public discussion threads and answered public questions, for the search box in every
page's header and the search API.

The query is cut into terms by core.text (jieba words for Chinese, lower-case words
for Latin), so "机器学习入门" finds "入门：机器学习" and "python 入门" finds both words
anywhere. Every term must appear (in any searched field; PostgreSQL ILIKE, which
matches Chinese without segmenting the stored text); results rank by where the terms
appear (a title hit weighs three, any other field one), then newest first.

Each kind draws from the same public selector its pages use (channels_public,
courses_public, sessions_public, public_articles, ...), so hidden, held, draft and
unpublished things never show. Paid text is never searched nor shown: lessons and
articles by title and summary only, questions by the question, never the answer,
threads only where anyone may read them (discussions.selectors.threads_public).

On PostgreSQL every searched column has a trigram index (this app's migration), so
a term of three characters or more is found through the indexes, not by scanning.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from content.selectors.listings import api_lessons, public_articles
from core.pictures import picture_url
from core.text import terms as text_terms
from discussions.selectors import threads_public
from livestream.models import LiveSession
from livestream.selectors import sessions_public
from marketplace.models import CreatorProfile
from marketplace.selectors import channels_public, courses_public
from qa.models import Question

MAX_TERMS = 8
MAX_QUERY = 200


@dataclass(frozen=True)
class Kind:
    """One kind of result: its public rows, the fields searched (title first), how a
    row becomes a hit."""

    key: str
    label: Any  # a lazy translation
    rows: Callable[[], QuerySet[Any]]
    title: str
    fields: tuple[str, ...]
    newest: str
    hit: Callable[[Any], dict[str, Any]]


@dataclass
class Hit:
    kind: str
    id: int
    title: str
    url: str
    text: str  # the searched text a snippet is cut from (never paid text)
    picture: str = ""  # a thumbnail URL, "" for the placeholder
    meta: str = ""  # a byline: the channel, the creator, the expert


def _cover(obj: Any, fallback: Any = None) -> str:
    return picture_url(obj.cover or fallback, "thumb")


def _creators() -> QuerySet[CreatorProfile]:
    """Creators with at least one public channel (a creator with none has no page
    worth finding, and may be a held or banned account)."""
    public = channels_public().filter(creator=OuterRef("pk"))
    return CreatorProfile.objects.filter(Exists(public), user__is_active=True).select_related(
        "user"
    )


def _answers() -> QuerySet[Question]:
    """Answered public questions anyone may unlock (as qa.selectors.public_answered)."""
    return Question.objects.filter(
        status=Question.Status.ANSWERED, is_public=True, is_visible=True, answer__is_visible=True
    ).select_related("expert")


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "courses",
            _("Courses"),
            lambda: courses_public().select_related("channel"),
            "title",
            ("summary", "description"),
            "published_at",
            lambda c: {
                "title": c.title,
                "url": c.get_absolute_url(),
                "text": c.summary or c.description,
                "picture": _cover(c),
                "meta": c.channel.title,
            },
        ),
        Kind(
            "sessions",
            _("Live sessions"),
            lambda: (
                sessions_public()
                .exclude(status=LiveSession.Status.CANCELLED)
                .select_related("channel")
            ),
            "title",
            ("description", "channel__title"),
            "scheduled_start",
            lambda s: {
                "title": s.title,
                "url": s.get_absolute_url(),
                "text": s.description,
                "picture": _cover(s, s.channel.cover),
                "meta": s.channel.title,
            },
        ),
        Kind(
            "channels",
            _("Channels"),
            lambda: channels_public().select_related("creator"),
            "title",
            ("tagline", "description", "creator__display_name"),
            "published_at",
            lambda c: {
                "title": c.title,
                "url": c.get_absolute_url(),
                "text": c.tagline or c.description,
                "picture": _cover(c),
                "meta": c.creator.display_name,
            },
        ),
        Kind(
            "creators",
            _("Creators"),
            _creators,
            "display_name",
            ("headline", "bio"),
            "created_at",
            lambda p: {
                "title": p.display_name,
                "url": p.get_absolute_url(),
                "text": p.headline or p.bio,
                "picture": picture_url(p.user.avatar, "small"),
            },
        ),
        Kind(
            "lessons",
            _("Lessons"),
            api_lessons,
            "title",
            ("summary", "course__title"),
            "published_at",
            lambda x: {
                "title": x.title,
                "url": x.get_absolute_url(),
                "text": x.summary,
                "meta": x.course.title,
            },
        ),
        Kind(
            "articles",
            _("Articles"),
            lambda: public_articles().select_related("channel"),
            "title",
            ("summary",),
            "published_at",
            lambda x: {
                "title": x.title,
                "url": x.get_absolute_url(),
                "text": x.summary,
                "meta": x.channel.title,
            },
        ),
        Kind(
            "threads",
            _("Discussions"),
            threads_public,
            "title",
            ("body",),
            "created_at",
            lambda t: {
                "title": t.title,
                "url": t.get_absolute_url(),
                "text": t.body,
                "meta": t.author.public_name,
            },
        ),
        Kind(
            "answers",
            _("Answered questions"),
            _answers,
            "text",
            (),
            "answered_at",
            lambda q: {
                "title": q.text[:120],
                "url": q.get_absolute_url(),
                "text": q.text,
                "meta": q.expert.public_name,
            },
        ),
    )  # fmt: skip
}


def query_terms(query: str) -> list[str]:
    """The distinct terms of what was typed, in order (at most MAX_TERMS)."""
    return list(dict.fromkeys(text_terms(query[:MAX_QUERY])))[:MAX_TERMS]


class _IdIn(Func):
    """`<fk> = ANY(ARRAY(<subquery>))` on PostgreSQL: the subquery runs once (an
    InitPlan), so the planner can OR the fk's btree index with the trigram indexes of
    the row's own columns. A plain `IN (subquery)` inside the OR makes it scan the
    table. Other databases get the plain `IN`."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" IN ")


def _term_matches(model: type[Model], field: str, term: str) -> Q:
    """`field` (of `model`, or of a related model through one foreign key) contains
    `term`. A related field is matched by the related rows' own index (see _IdIn)."""
    if "__" not in field:
        return Q(**{f"{field}__icontains": term})
    fk, rest = field.split("__", 1)
    related = model._meta.get_field(fk).related_model
    assert isinstance(related, type)
    ids = related._default_manager.filter(**{f"{rest}__icontains": term}).order_by().values("pk")
    return Q(_IdIn(F(f"{fk}_id"), Subquery(ids)))


def _matching(kind: Kind, terms: list[str]) -> QuerySet[Any]:
    fields = (kind.title, *kind.fields)
    rows = kind.rows()
    every_term = reduce(
        and_,
        [reduce(or_, [_term_matches(rows.model, f, t) for f in fields]) for t in terms],
    )
    score = sum(
        (
            Case(
                When(**{f"{f}__icontains": t}, then=Value(3 if f == kind.title else 1)),
                default=Value(0),
                output_field=IntegerField(),
            )  # fmt: skip
            for t in terms
            for f in fields
        ),
        start=Value(0, output_field=IntegerField()),
    )
    return (
        rows.filter(every_term)
        .annotate(search_score=score)
        .order_by("-search_score", F(kind.newest).desc(nulls_last=True), "-pk")
    )


def search(*, query: str, kind: str | None = None, limit: int = 5) -> dict[str, Any]:
    """{"terms", "counts" (per kind), "hits" (kind -> up to `limit` Hits)} for `query`;
    one kind when `kind` is given. Two queries per kind searched (the rows, the count)."""
    terms = query_terms(query)
    keys = [kind] if kind in KINDS else list(KINDS)
    counts: dict[str, int] = {}
    hits: dict[str, list[Hit]] = {}
    if not terms:
        return {"terms": terms, "counts": counts, "hits": hits}
    for key in keys:
        matching = _matching(KINDS[key], terms)
        rows = list(matching[:limit])
        counts[key] = len(rows) if len(rows) < limit else matching.count()
        hits[key] = [Hit(kind=key, id=row.pk, **KINDS[key].hit(row)) for row in rows]
    return {"terms": terms, "counts": counts, "hits": hits}


def search_page(*, query: str, kind: str, page: int, per_page: int) -> dict[str, Any]:
    """One kind's results from `page` (1-based): {"terms", "hits", "count"}."""
    terms = query_terms(query)
    if kind not in KINDS or not terms:
        return {"terms": terms, "hits": [], "count": 0}
    matching = _matching(KINDS[kind], terms)
    start = (page - 1) * per_page
    rows = list(matching[start : start + per_page])
    return {
        "terms": terms,
        "hits": [Hit(kind=kind, id=row.pk, **KINDS[kind].hit(row)) for row in rows],
        "count": matching.count(),
    }


def snippet(text: str, terms: list[str], width: int = 160) -> str:
    """Up to `width` characters of `text` around the first term found, with "…" where
    it was cut."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    found = [m.start() for t in terms if (m := re.search(re.escape(t), text, re.IGNORECASE))]
    start = max(0, min(found) - width // 4) if found else 0
    end = min(len(text), start + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
