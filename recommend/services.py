"""Writes of the recommend app: behaviour events, opt-outs, stored lists.

`event_record` is called from every part of the site. It is cheap on the request
path: a few Redis round trips (opt-out flag, daily cap, view de-duplication) and
one INSERT (or one UPDATE for watch time) run after the caller's transaction
commits, so a rolled-back purchase records nothing and a failing insert cannot
break the caller.
"""

import logging
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, ExpressionWrapper, F, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import ConsentPurpose, User
from accounts.selectors import consent_cache_key, consents_decode, consents_for
from accounts.services.consent import consent_set
from core.visit import Origin, visitor_key, visitor_of
from marketplace.models import Category, Channel, PublicationStatus
from recommend.items import item_key_for, parse_key
from recommend.models import (
    Event,
    InterestStrength,
    RecommendationList,
    TopicChoice,
    VariantDailyStat,
)
from recommend.staff_stats import stats_allowance
from recommend.tasks import recommendations_refresh_user_task

logger = logging.getLogger(__name__)

AnyUser = User | AnonymousUser | None

KINDS = {choice.value for choice in Event.Kind}
COUNTER_KINDS = {Event.Kind.IMPRESSION, Event.Kind.CLICK}
NONPERSONAL_VARIANT = "nonpersonal"
_CAP_CACHE = "recommend:cap:{}:{}"
_ONCE_CACHE = "recommend:view:{}:{}"  # user, what is counted once per window
_QUICK_CACHE = "recommend:quick:{}"


# --- consent (accounts: personalised recommendations, behaviour analytics) -----------


def personalisation_opted_out(user: AnyUser) -> bool:
    """Whether `user` turned personalisation off (cached; anonymous users count as off)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return True
    return not consents_for(user.pk)[ConsentPurpose.PERSONALISATION]


def _tracking_refused(user: AnyUser) -> bool:
    """A signed-in user who switched behaviour analytics off is not counted at all,
    not even anonymously in the per-variant impressions and clicks. (A visitor who is
    not signed in is counted only there, with nothing that identifies them.)"""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return not consents_for(user.pk)[ConsentPurpose.ANALYTICS]


def _storing_refused(consents: dict[str, bool]) -> bool:
    """Behaviour events serve personalisation and are behaviour analytics: both on."""
    return not (consents[ConsentPurpose.PERSONALISATION] and consents[ConsentPurpose.ANALYTICS])


def behaviour_forget(*, user_id: int) -> int:
    """Delete what was stored on the basis of a consent just withdrawn: the user's
    events and stored list. Returns how many events went."""
    deleted, _by_model = Event.objects.filter(user_id=user_id).delete()
    RecommendationList.objects.filter(user_id=user_id).delete()
    return deleted


@transaction.atomic
def personalisation_set(*, user: User, opted_out: bool) -> bool:
    """Turn personalisation on or off (an accounts consent). Turning it off forgets
    what we stored about the user: their events and their stored list."""
    changed = consent_set(user=user, purpose=ConsentPurpose.PERSONALISATION, granted=not opted_out)
    if opted_out:
        behaviour_forget(user_id=user.pk)
    return changed


# --- events --------------------------------------------------------------------------


def event_record(
    *,
    user: AnyUser,
    kind: str,
    item: object = None,
    value: object = 1.0,
    variant: str = "",
    request: HttpRequest | None = None,
    once_per: int | None = None,
    origin: Origin | None = None,
) -> bool:
    """Record that `user` did `kind` with `item` (a channel, course, session, or any
    object that leads to one; an item key "course:12" works too). Views count once per
    RECOMMEND_VIEW_DEDUPE_SECONDS; `once_per` (seconds) does the same for other kinds
    (chat in a live room: one "comment" a day, however chatty). `origin`: a page
    view's coarse city, device and referrer (core.visit), stored with views only.

    Returns whether something will be stored. Never raises: unknown kinds, objects
    that are no item, absurd values, floods past the daily cap and opted-out users
    are ignored (impressions and clicks still count, anonymously, per variant).
    """
    try:
        return _event_record(
            user=user,
            kind=kind,
            item=item,
            value=value,
            variant=variant,
            request=request,
            once_per=once_per,
            origin=origin,
        )
    except Exception:  # noqa: BLE001 - behaviour tracking must never break the page
        logger.exception("recommend: event %r not recorded", kind)
        return False


def _event_record(
    *,
    user: AnyUser,
    kind: str,
    item: object,
    value: object,
    variant: str,
    request: HttpRequest | None,
    once_per: int | None,
    origin: Origin | None = None,
) -> bool:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    kind = str(kind)
    if kind not in KINDS:
        logger.warning("recommend: unknown event kind %r ignored", kind)
        return False
    variant = str(variant or "")[:40]
    cleaned = _clean_value(kind, value)
    if cleaned is None:
        return False
    amount = cleaned
    key = item_key_for(item)
    if _tracking_refused(user):
        return False
    if kind in COUNTER_KINDS:
        # The staff chart's counters, bounded per visitor and day (staff_stats).
        # An impression is one bulk record per list shown: value = items in it.
        shown, clicked = stats_allowance(
            visitor=_visitor(user, request),
            impressions=(int(amount) or 1) if kind == Event.Kind.IMPRESSION else 0,
            clicks=1 if kind == Event.Kind.CLICK else 0,
        )
        if shown or clicked:
            _on_commit(
                lambda: variant_stat_bump(variant=variant, impressions=shown, clicks=clicked)
            )
        if kind == Event.Kind.IMPRESSION:
            return True
    if kind == Event.Kind.PURCHASE and isinstance(user, User) and user.is_authenticated:
        buyer = user.pk
        _on_commit(lambda: _purchase_count(buyer))
    if key is None or not isinstance(user, User) or not user.is_authenticated:
        return kind == Event.Kind.CLICK
    once: tuple[str, int] | None
    if kind == Event.Kind.VIEW:
        once = (key, settings.RECOMMEND_VIEW_DEDUPE_SECONDS)
    else:
        once = (f"{kind}:{key}", once_per) if once_per else None
    consents, fresh, count = _gate(user.pk, once)
    if _storing_refused(consents):
        return kind == Event.Kind.CLICK
    if not fresh or count > settings.RECOMMEND_MAX_EVENTS_PER_USER_PER_DAY:
        return False
    parsed = parse_key(key)
    if parsed is None:
        return False
    item_kind, item_id = parsed
    user_id = user.pk
    where = origin if origin is not None and kind == Event.Kind.VIEW else Origin()

    def write() -> None:
        now = timezone.now()
        if kind == Event.Kind.WATCH:
            # One row per user, item and day: the day's seconds add up in place.
            start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            today = Event.objects.filter(
                user_id=user_id,
                kind=kind,
                item_kind=item_kind,
                item_id=item_id,
                created_at__gte=start,
            )
            if today.update(value=F("value") + amount):
                _watermark_rewind(user_id, today)
                return
        Event.objects.create(
            user_id=user_id,
            kind=kind,
            item_kind=item_kind,
            item_id=item_id,
            value=amount,
            variant=variant,
            city=where.city[:80],
            device=where.device[:10],
            referrer=where.referrer[:10],
            created_at=now,
        )
        _quick_refresh_schedule(user_id)

    _on_commit(write)
    return True


def _visitor(user: AnyUser, request: HttpRequest | None) -> str | None:
    if isinstance(user, User) and user.is_authenticated:
        return visitor_key(user_id=user.pk, session_key=None)
    return visitor_of(request) if request is not None else None


def _watermark_rewind(user_id: int, rows: QuerySet[Event]) -> None:
    """Make the refresh see seconds added to an existing watch row.

    The refresh compares each user's newest event id with their list's watermark; a
    row updated in place keeps its id. So a list made after that row was written gets
    its watermark moved just below it. One UPDATE, which matches nothing unless the
    list is newer than the row (the next refresh puts the watermark back)."""
    row_id = Subquery(rows.order_by("-id").values("id")[:1])
    RecommendationList.objects.filter(user_id=user_id, last_event_id__gte=row_id).update(
        last_event_id=ExpressionWrapper(row_id - 1, output_field=BigIntegerField())
    )


def _clean_value(kind: str, value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type] # anything: float() decides
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number < 0:
        return None
    if kind == Event.Kind.WATCH:
        number = min(number, float(settings.RECOMMEND_WATCH_MAX_REPORT_SECONDS))
        return number if number > 0 else None
    if kind == Event.Kind.IMPRESSION:
        return min(number, 1000.0)
    return 1.0  # a like is a like: the weight per kind says how much it counts


def _gate(user_id: int, once: tuple[str, int] | None) -> tuple[dict[str, bool], bool, int]:
    """(consents, first time in the window, events today incl. this one). `once`:
    (what, seconds) for events counted once per window (views; see event_record).

    On Redis: one pipelined round trip (measured ~0.9 ms per round trip on the loaded
    dev box, so three separate calls cost more than the INSERT itself)."""
    opt_key = consent_cache_key(user_id)
    cap_key = _CAP_CACHE.format(user_id, timezone.now().strftime("%Y%m%d"))
    client = _redis_client()
    if client is None:
        consents = consents_decode(user_id, cache.get(opt_key))
        fresh = once is None or cache.add(_ONCE_CACHE.format(user_id, once[0]), 1, once[1])
        cache.add(cap_key, 0, 2 * 86400)
        try:
            count = cache.incr(cap_key)
        except ValueError:  # expired between add and incr
            cache.set(cap_key, 1, 2 * 86400)
            count = 1
        return consents, fresh, count
    pipe = client.pipeline(transaction=False)
    pipe.get(cache.make_key(opt_key))
    if once is not None:
        pipe.set(cache.make_key(_ONCE_CACHE.format(user_id, once[0])), 1, nx=True, ex=once[1])
    pipe.incr(cache.make_key(cap_key))
    pipe.expire(cache.make_key(cap_key), 2 * 86400)
    results = pipe.execute()
    consents = consents_decode(user_id, results[0])
    fresh = bool(results[1]) if once is not None else True
    count = int(results[-2])
    return consents, fresh, count


def _redis_client() -> Any:
    """The raw client of Django's Redis cache backend, or None (another backend)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(None, write=True)


def _on_commit(fn: Callable[[], object]) -> None:
    transaction.on_commit(fn, robust=True)


def _quick_refresh_schedule(user_id: int) -> None:
    """A user without a stored list gets one from their first events, soon, without
    waiting for the beat job (at most once per five minutes per user)."""
    if not getattr(settings, "RECOMMEND_QUICK_REFRESH", True):
        return
    if not cache.add(_QUICK_CACHE.format(user_id), 1, 300):
        return  # checked (or queued) in the last five minutes
    if RecommendationList.objects.filter(user_id=user_id).exists():
        return
    try:
        recommendations_refresh_user_task.delay(user_id)
    except Exception:  # noqa: BLE001 - a broker hiccup only delays the list
        logger.exception("recommend: could not queue the first list of user %s", user_id)


def _purchase_count(user_id: int) -> None:
    """A purchase counts for the variant of the buyer's stored list (the one they were
    shown), for the bandit's guardrail; a buyer with no list yet counts for none."""
    variant = (
        RecommendationList.objects.filter(user_id=user_id).values_list("variant", flat=True).first()
    )
    if variant:
        variant_stat_bump(variant=variant, purchases=1)


def variant_stat_bump(
    *, variant: str, impressions: int = 0, clicks: int = 0, purchases: int = 0
) -> None:
    """Add to today's counters of `variant` in one statement (insert or update)."""
    table = VariantDailyStat._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, variant, impressions, clicks, purchases) "  # noqa: S608 - our table name
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (day, variant) DO UPDATE SET "
            f"impressions = {table}.impressions + EXCLUDED.impressions, "
            f"clicks = {table}.clicks + EXCLUDED.clicks, "
            f"purchases = {table}.purchases + EXCLUDED.purchases",
            [timezone.localdate(), variant or "none", impressions, clicks, purchases],
        )


# --- hooks the rest of the site calls (one line each at the call site) ------------------


def tip_record(*, tipper: User, creator: User, live_session: object = None) -> None:
    """A tip: about the session it was sent in, else the creator's newest channel."""
    item = live_session
    if item is None:
        item = (
            Channel.objects.filter(creator__user=creator, status=PublicationStatus.PUBLISHED)
            .order_by("-published_at", "-id")
            .first()
        )
    event_record(user=tipper, kind=Event.Kind.TIP, item=item)


# --- the learner's own choices about topics and items --------------------------------------


def _topic_check(topic: str) -> str:
    """A category ("category:3") or an item key ("course:12") that exists, or ValidationError."""
    kind, _sep, pk = str(topic).partition(":")
    if kind == "category" and pk.isdigit() and Category.objects.filter(pk=int(pk)).exists():
        return f"category:{int(pk)}"
    key = item_key_for(topic) if kind != "category" else None
    if key is None or parse_key(key) is None:
        raise ValidationError({"topic": "Choose a category or an item of the catalogue."})
    return key


@transaction.atomic
def topic_choose(*, user: User, topic: str, choice: str) -> TopicChoice:
    """Follow a category, or say "not interested" in a category or an item. An item can
    only be "not interested" (following is for topics)."""
    topic = _topic_check(topic)
    if choice not in TopicChoice.Choice.values:
        raise ValidationError({"choice": "Choose follow or not_interested."})
    if choice == TopicChoice.Choice.FOLLOW and not topic.startswith("category:"):
        raise ValidationError({"choice": "Only topics can be followed."})
    row, _created = TopicChoice.objects.update_or_create(
        user=user, topic=topic, defaults={"choice": choice}
    )
    return row


@transaction.atomic
def topic_reset(*, user: User, topic: str | None = None) -> int:
    """Forget the learner's choice about one topic, or (topic None) every choice and the
    strengths learned from behaviour (they come back from new behaviour). Returns how many
    rows went."""
    if topic is not None:
        return TopicChoice.objects.filter(user=user, topic=_topic_check(topic)).delete()[0]
    removed = TopicChoice.objects.filter(user=user).delete()[0]
    return removed + InterestStrength.objects.filter(user=user).delete()[0]
