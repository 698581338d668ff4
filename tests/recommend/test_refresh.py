"""The refresh job on small hand-built data where the right answer is known, through
Celery (eager here; one test with a real worker process)."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from config.celery import app
from livestream.models import LiveSession
from marketplace.models import PublicationStatus
from recommend import features, refresh, selectors, services, tasks
from recommend.items import item_key_for
from recommend.models import Event, RecommendationList
from tests.factories import ChannelFactory, CourseFactory, CreatorFactory, UserFactory
from tests.recommend.conftest import grant

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def stored(user) -> list[str]:
    return RecommendationList.objects.get(user=user).items


def topic_of(key: str, shelf) -> str:
    for topic, objects in shelf.items():
        if any(item_key_for(o) == key for o in objects):
            return topic
    return "?"


def watch(user, *objects, seconds=90):
    for obj in objects:
        services.event_record(user=user, kind="watch", item=obj, value=seconds)


def some_history(shelf, users=4):
    """Others' behaviour: finance people watch finance, technology people technology."""
    for topic in ("finance", "technology"):
        for _ in range(users):
            person = UserFactory()
            for obj in shelf[topic]:
                services.event_record(user=person, kind="view", item=obj)


def test_a_finance_watcher_gets_finance_first(shelf, learner):
    some_history(shelf)
    finance_sessions = [o for o in shelf["finance"] if isinstance(o, LiveSession)]
    watch(learner, *finance_sessions)
    assert tasks.recommendations_refresh_task.delay().get() > 0
    items = stored(learner)
    assert items, "the learner got a list"
    assert [topic_of(k, shelf) for k in items[:3]] == ["finance"] * 3
    # what they watched is not offered again
    assert not {item_key_for(s) for s in finance_sessions} & set(items)


def test_owned_items_never_appear(shelf, learner):
    some_history(shelf)
    bought = [o for o in shelf["finance"] if o._meta.model_name == "course"]
    for course in bought:
        grant(learner, course=course)
    watch(learner, *[o for o in shelf["finance"] if isinstance(o, LiveSession)])
    refresh.recommendations_refresh()
    assert not {item_key_for(c) for c in bought} & set(stored(learner))


def test_own_content_never_appears(shelf):
    some_history(shelf)
    finance_channel = next(o for o in shelf["finance"] if o._meta.model_name == "channel")
    creator_user = finance_channel.creator.user
    watch(creator_user, *[o for o in shelf["finance"] if isinstance(o, LiveSession)])
    refresh.recommendations_refresh()
    items = features.items_load(stored(creator_user))
    assert items
    assert all(item.creator_user_id != creator_user.pk for item in items.values())


def test_hidden_and_unpublished_items_never_appear(shelf, learner):
    some_history(shelf)
    draft = CourseFactory(
        channel=shelf["finance"][-1], title="Draft finance stocks", status=PublicationStatus.DRAFT
    )
    cancelled = shelf["finance"][2]
    cancelled.status = LiveSession.Status.CANCELLED
    cancelled.save(update_fields=["status"])
    watch(learner, shelf["finance"][0], shelf["finance"][1])
    refresh.recommendations_refresh()
    items = set(stored(learner))
    assert item_key_for(draft) not in items
    assert item_key_for(cancelled) not in items


def test_run_twice_gives_the_same_lists_and_writes_nothing_new(shelf, learner):
    some_history(shelf)
    watch(learner, shelf["technology"][0])
    first = refresh.recommendations_refresh()
    lists = {r.user_id: r.items for r in RecommendationList.objects.all()}
    assert first == len(lists) > 0
    assert refresh.recommendations_refresh() == 0  # incremental: nothing new happened
    assert refresh.recommendations_refresh(user_ids=list(lists)) == len(lists)
    assert {r.user_id: r.items for r in RecommendationList.objects.all()} == lists


def test_a_run_that_fits_reads_the_events_once(shelf, learner, monkeypatch):
    """The lists of the run that fitted come from the histories the fit read (the
    test above shows they equal a fresh read); a run on a stored model reads them."""
    some_history(shelf)
    watch(learner, shelf["technology"][0])
    reads = []
    real = features._histories

    def spy(events, index, user_ids=None, *args):
        reads.append(user_ids)
        return real(events, index, user_ids, *args)

    monkeypatch.setattr(features, "_histories", spy)
    assert refresh.recommendations_refresh(batch_size=3) > 3
    assert reads == [None]  # the fit's, for every user at once
    services.event_record(user=learner, kind="like", item=shelf["finance"][0])
    assert refresh.recommendations_refresh() == 1
    assert reads[1:] == [[learner.pk]]


def test_only_users_with_new_activity_are_refreshed(shelf, learner):
    some_history(shelf, users=2)
    watch(learner, shelf["technology"][0])
    refresh.recommendations_refresh()
    before = RecommendationList.objects.get(user=learner).created_at
    services.event_record(user=learner, kind="like", item=shelf["finance"][0])
    assert refresh.recommendations_refresh() == 1
    assert RecommendationList.objects.get(user=learner).created_at > before


def test_a_second_run_while_one_holds_the_lock_does_nothing(shelf, learner):
    from django.core.cache import cache

    watch(learner, shelf["technology"][0])
    cache.add(refresh.REFRESH_LOCK, "another run", 60)
    assert refresh.recommendations_refresh() == 0
    assert not RecommendationList.objects.exists()


def test_a_long_run_keeps_its_lock_alive_batch_after_batch(shelf, monkeypatch):
    from django.core.cache import cache

    some_history(shelf, users=3)  # six users, three batches
    monkeypatch.setattr(refresh, "REFRESH_LOCK_SECONDS", 5)
    touched = []
    real_touch = cache.touch

    def touch(key, timeout=None, **kw):
        touched.append((key, timeout, cache.get(key) is not None))
        return real_touch(key, timeout, **kw)

    monkeypatch.setattr(cache, "touch", touch)
    assert refresh.recommendations_refresh(batch_size=2) == 6
    assert touched == [(refresh.REFRESH_LOCK, 5, True)] * 3
    assert cache.get(refresh.REFRESH_LOCK) is None  # released at the end


def test_batches_commit_one_by_one(shelf, settings):
    some_history(shelf, users=3)  # six users
    assert refresh.recommendations_refresh(batch_size=2) == 6
    assert RecommendationList.objects.count() == 6


def test_events_for_deleted_items_and_opted_out_users_are_skipped(shelf, learner):
    watch(learner, shelf["finance"][0])
    Event.objects.create(
        user=learner, kind="view", item_kind="course", item_id=987654, created_at=timezone.now()
    )
    shy = UserFactory()
    watch(shy, shelf["finance"][0])
    services.personalisation_set(user=shy, opted_out=True)
    refresh.recommendations_refresh()
    assert RecommendationList.objects.filter(user=learner).exists()
    assert not RecommendationList.objects.filter(user=shy).exists()


def test_empty_site(db):
    assert refresh.recommendations_refresh() == 0
    matrix, users, keys, texts = features.site_interactions()
    assert matrix.shape == (0, 0) and users == keys == texts == []


def test_one_user_and_one_item(db, learner):
    channel = ChannelFactory(creator=CreatorFactory(), title="Only channel")
    services.event_record(user=learner, kind="view", item=channel)
    assert refresh.recommendations_refresh() == 1
    assert stored(learner) == [item_key_for(channel)]


def test_old_events_weigh_less_than_new_ones(shelf, learner):
    old, new = shelf["finance"][0], shelf["technology"][0]
    watch(learner, old, new)
    Event.objects.filter(item_id=old.pk, item_kind="course").update(
        created_at=timezone.now() - timedelta(days=90)
    )
    index = {item_key_for(old): 0, item_key_for(new): 1}
    rows, _ = features.user_rows([learner.pk], index)
    assert rows[0, 0] < rows[0, 1] / 4  # three half-lives


def test_postgresql_sums_the_histories_the_python_fold_sums(shelf, learner, settings):
    """The refresh sums events per user and item in the database on PostgreSQL and in
    Python elsewhere: the same weights, decay and kinds, so the same cells."""
    assert connection.vendor == "postgresql"  # the suite runs there (tests/conftest.py)
    some_history(shelf, users=2)
    watch(learner, shelf["finance"][0], seconds=150)
    watch(learner, shelf["finance"][0], seconds=-5)  # a bad report adds nothing
    services.event_record(user=learner, kind="like", item=shelf["technology"][0])
    services.event_record(user=learner, kind="impression", item=shelf["technology"][1])
    Event.objects.filter(user=learner, kind="like").update(
        created_at=timezone.now() - timedelta(days=45)
    )
    events = Event.objects.exclude(item_kind="")
    now, weights = timezone.now(), settings.RECOMMEND_EVENT_WEIGHTS

    def cells(fold):
        found = fold(events, now, weights, 30.0)
        return found[np.lexsort(found[:, 2::-1].T)]

    here, there = cells(features._cells_summed_here), cells(features._cells_summed_in_database)
    assert len(here) > 10
    assert np.array_equal(here[:, :3], there[:, :3])
    np.testing.assert_allclose(here[:, 3], there[:, 3], rtol=1e-9)


def test_the_model_is_stored_and_reused_until_stale(shelf, learner, settings):
    watch(learner, shelf["finance"][0])
    refresh.recommendations_refresh()
    version = refresh.model_state_get().version
    services.event_record(user=learner, kind="like", item=shelf["finance"][1])
    refresh.recommendations_refresh()
    assert refresh.model_state_get().version == version
    CourseFactory(channel=shelf["finance"][-1], title="A new finance course")  # catalogue changed
    services.event_record(user=learner, kind="like", item=shelf["finance"][3])
    refresh.recommendations_refresh()
    assert refresh.model_state_get().version != version


def test_the_stored_model_is_trimmed_and_pages_never_load_it(shelf, learner, settings, monkeypatch):
    settings.RECOMMEND_MODEL_NEIGHBOURS = 3
    some_history(shelf)
    watch(learner, shelf["finance"][0])
    refresh.recommendations_refresh()
    blend = refresh.model_state_get().models["blend"]
    for matrix in (blend.cf.b, blend.content.sim):
        assert np.diff(matrix.indptr).max() <= 3
    # similar items were computed from the full model and stored on their own
    assert refresh.similar_keys(item_key_for(shelf["finance"][0]))

    def no_model():
        raise AssertionError("a page loaded the model")

    monkeypatch.setattr(refresh, "model_state_get", no_model)
    cache.delete(selectors.POPULAR_CACHE)
    popular = selectors.popular_keys()
    assert refresh.popular_stored()
    assert popular[: len(refresh.popular_stored())] == refresh.popular_stored()


def test_more_seconds_on_todays_watch_row_bring_the_user_back_to_the_refresh(shelf, learner):
    session = next(o for o in shelf["finance"] if isinstance(o, LiveSession))
    watch(learner, session, seconds=30)
    refresh.recommendations_refresh()
    assert learner.pk not in refresh.users_with_new_activity()
    watch(learner, session, seconds=60)  # the same row, updated in place
    assert Event.objects.filter(user=learner, kind="watch").count() == 1
    assert refresh.users_with_new_activity() == [learner.pk]
    refresh.recommendations_refresh()
    assert learner.pk not in refresh.users_with_new_activity()
    watermark = RecommendationList.objects.get(user=learner).last_event_id
    assert watermark == Event.objects.get(user=learner, kind="watch").pk


def test_prune_deletes_only_old_events(learner, alice_channel):
    services.event_record(user=learner, kind="view", item=alice_channel)
    Event.objects.create(
        user=learner,
        kind="view",
        item_kind="channel",
        item_id=alice_channel.pk,
        created_at=timezone.now() - timedelta(days=400),
    )
    assert tasks.events_prune_task.delay().get() == 1
    assert Event.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refreshes_lists(shelf, learner):
    watch(learner, shelf["finance"][0], shelf["finance"][1])
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    from django.db import connection

    env["DATABASE_URL"] = _test_database_url(connection)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
         "--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        app.send_task("recommend.tasks.recommendations_refresh_task", queue=queue)
        deadline = time.monotonic() + 120
        while not RecommendationList.objects.filter(user=learner).exists():
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "the worker stored no list in 120 s"
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    items = stored(learner)
    assert items and topic_of(items[0], shelf) == "finance"


def test_a_worker_loads_jiebas_dictionary_as_it_starts():
    from config import celery as celery_config
    from core import text

    text._jieba.cache_clear()
    celery_config._warm_up(sender=None)  # what celery's worker_init signal calls
    assert text._jieba.cache_info().currsize == 1  # loaded: the first task does not wait


def _test_database_url(connection) -> str:
    s = connection.settings_dict
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


def test_the_catalogue_holds_watchable_sessions_only(alice_channel):
    from tests.factories import LiveSessionFactory

    S = LiveSession
    upcoming = LiveSessionFactory(channel=alice_channel)
    replay = LiveSessionFactory(channel=alice_channel, status=S.Status.ENDED)
    no_replay = LiveSessionFactory(channel=alice_channel, status=S.Status.ENDED)
    hidden_replay = LiveSessionFactory(channel=alice_channel, status=S.Status.ENDED)
    S.objects.filter(pk=replay.pk).update(replay_status=S.Replay.READY)
    S.objects.filter(pk=hidden_replay.pk).update(replay_status=S.Replay.READY, replay_hidden=True)
    keys = {item.key for item in features.catalogue()}
    assert item_key_for(upcoming) in keys
    assert item_key_for(replay) in keys  # the session with a replay is the replay
    assert item_key_for(no_replay) not in keys
    assert item_key_for(hidden_replay) not in keys
    assert item_key_for(alice_channel) in keys


def test_a_session_waiting_for_review_stays_out_of_the_catalogue_until_approved(
    alice, alice_channel, settings
):
    settings.MODERATION_REVIEW_UNVERIFIED_CREATORS = True  # as in production
    from livestream import services as live
    from moderation.models import ReviewItem
    from moderation.services import review_approve

    session = live.session_schedule(
        user=alice.user,
        channel=alice_channel,
        title="Ask me anything",
        scheduled_start=timezone.now() + timedelta(days=1),
    )  # alice is not verified: the session waits for review
    item = ReviewItem.objects.get(object_id=session.pk, status="pending")
    assert item_key_for(session) not in {i.key for i in features.catalogue()}
    moderator = UserFactory(is_staff=True, is_superuser=True)
    review_approve(item=item, moderator=moderator)
    assert item_key_for(session) in {i.key for i in features.catalogue()}


def test_a_flood_of_events_from_one_user_does_not_drown_the_rest(shelf, learner, settings):
    settings.RECOMMEND_MAX_EVENTS_PER_USER_PER_DAY = 10**6
    flooded = shelf["technology"][0]
    for _ in range(300):
        Event.objects.create(
            user=learner, kind="like", item_kind="course", item_id=flooded.pk,
            created_at=timezone.now(),
        )  # fmt: skip
    watch(learner, shelf["finance"][0])
    index = {item_key_for(flooded): 0, item_key_for(shelf["finance"][0]): 1}
    rows, _ = features.user_rows([learner.pk], index)
    # log-damped: 300 likes (weight 600) against 90 s watched (weight 0.3) is not 2000:1
    assert rows[0, 0] < 50 * rows[0, 1]
    assert refresh.recommendations_refresh() == 1
