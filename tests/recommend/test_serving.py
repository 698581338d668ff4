"""Serving: the home row, detail rows, the API, click and impression counting with
the variant, filtering at serving time, cold start, and the staff chart."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone

from livestream.models import LiveSession
from marketplace.models import PublicationStatus
from recommend import refresh, selectors, services
from recommend.items import item_key_for
from recommend.models import Event, RecommendationList, VariantDailyRelease, VariantDailyStat
from tests.factories import UserFactory
from tests.recommend.conftest import grant

pytestmark = pytest.mark.django_db


def popular_history(shelf):
    """Three people view the first technology course; one views a finance channel."""
    hit = shelf["technology"][0]
    for _ in range(3):
        services.event_record(user=UserFactory(), kind="view", item=hit)
    services.event_record(user=UserFactory(), kind="view", item=shelf["finance"][3])
    return hit


def test_cold_start_users_get_popular_items_without_waiting(shelf, learner):
    hit = popular_history(shelf)
    shown = selectors.recommendations_for_user(user=learner)
    assert shown.items[0].key == item_key_for(hit)
    assert shown.variant == "blend"
    assert not RecommendationList.objects.filter(user=learner).exists()


def test_popular_means_popular_lately(shelf, learner):
    faded, lately = shelf["technology"][0], shelf["finance"][0]
    for _ in range(3):
        services.event_record(user=UserFactory(), kind="view", item=faded)
    Event.objects.filter(item_kind="course", item_id=faded.pk).update(
        created_at=timezone.now() - timedelta(days=120)  # four half-lives ago
    )
    for _ in range(2):
        services.event_record(user=UserFactory(), kind="view", item=lately)
    refresh.recommendations_refresh()
    popular = refresh.popular_stored()
    assert popular.index(item_key_for(lately)) < popular.index(item_key_for(faded))
    shown = selectors.recommendations_for_user(user=learner)
    assert shown.items[0].key == item_key_for(lately)


def test_visitors_and_opted_out_users_get_the_popular_list(shelf, learner):
    from django.contrib.auth.models import AnonymousUser

    hit = popular_history(shelf)
    services.personalisation_set(user=learner, opted_out=True)
    for user in (AnonymousUser(), learner):
        shown = selectors.recommendations_for_user(user=user)
        assert shown.variant == "nonpersonal"
        assert shown.items[0].key == item_key_for(hit)


def test_a_new_users_first_events_queue_a_content_based_list(shelf, learner, settings):
    settings.RECOMMEND_QUICK_REFRESH = True  # tasks run eagerly in tests
    popular_history(shelf)
    refresh.recommendations_refresh()  # a model exists; the learner has no list yet
    finance_session = next(o for o in shelf["finance"] if isinstance(o, LiveSession))
    services.event_record(user=learner, kind="watch", item=finance_session, value=60)
    stored = RecommendationList.objects.get(user=learner).items
    assert stored, "the first events produced a stored list without the beat job"
    assert item_key_for(finance_session) not in stored  # watched: not offered again


def test_hidden_since_the_list_was_stored_is_filtered_when_served(shelf, learner):
    course = shelf["finance"][0]
    channel = shelf["finance"][3]
    session = shelf["finance"][2]
    RecommendationList.objects.create(
        user=learner,
        variant="blend",
        algorithm="blend",
        items=[item_key_for(x) for x in (course, channel, session)] + ["course:99999"],
        created_at=course.created_at,
    )
    assert [i.key for i in selectors.recommendations_for_user(user=learner).items][:3] == [
        item_key_for(x) for x in (course, channel, session)
    ]
    course.status = PublicationStatus.DRAFT
    course.save(update_fields=["status"])
    session.status = LiveSession.Status.CANCELLED
    session.save(update_fields=["status"])
    grant(learner, course=shelf["finance"][1])
    keys = [i.key for i in selectors.recommendations_for_user(user=learner).items]
    assert keys[0] == item_key_for(channel)
    for gone in (course, session, shelf["finance"][1]):
        assert item_key_for(gone) not in keys
    assert "course:99999" not in keys


def test_home_page_shows_the_for_you_row_and_counts_one_impression(client, shelf, learner):
    popular_history(shelf)
    client.force_login(learner)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="recommend-for_you"' in html
    assert 'data-variant="blend"' in html
    stat = VariantDailyStat.objects.get(variant="blend")
    assert stat.impressions == 6 and stat.clicks == 0


def test_home_page_works_on_an_empty_site(client, db):
    assert client.get(reverse("home")).status_code == 200
    assert not VariantDailyStat.objects.exists()


def test_a_click_is_counted_with_its_variant_and_redirects(client, shelf, learner):
    popular_history(shelf)
    client.force_login(learner)
    shown = selectors.recommendations_for_user(user=learner)
    item, url = shown.entries[0]
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == item.url
    assert VariantDailyStat.objects.get(variant="blend").clicks == 1
    event = Event.objects.get(user=learner, kind="click")
    assert (event.item_key, event.variant) == (item.key, "blend")


def test_a_forged_or_stale_click_link_is_refused(client, shelf):
    assert client.get(reverse("recommend:click") + "?t=made-up").status_code == 400
    course = shelf["finance"][0]
    shown = selectors.ShownList("for_you", "blend", "blend")
    url = shown.click_url(selectors.items_load([item_key_for(course)])[item_key_for(course)])
    course.status = PublicationStatus.DRAFT
    course.save(update_fields=["status"])
    assert client.get(url).status_code == 404
    assert not VariantDailyStat.objects.exists()


def test_detail_pages_show_similar_items(client, shelf, learner):
    popular_history(shelf)
    refresh.recommendations_refresh()
    course = shelf["finance"][0]
    client.force_login(learner)
    for obj in (course, shelf["finance"][3], shelf["finance"][2]):
        response = client.get(obj.get_absolute_url())
        assert response.status_code == 200
        assert 'data-testid="recommend-similar"' in response.content.decode()


def test_because_you_watched_names_the_item(client, shelf, learner):
    popular_history(shelf)
    refresh.recommendations_refresh()
    session = shelf["finance"][2]
    services.event_record(user=learner, kind="watch", item=session, value=60)
    client.force_login(learner)
    html = client.get(shelf["technology"][0].get_absolute_url()).content.decode()
    assert 'data-testid="recommend-because"' in html
    assert f"Because you watched {session.title}" in html


def test_similar_before_any_model_uses_the_same_category(shelf, learner):
    course = shelf["finance"][0]
    shown = selectors.similar_for_item(item=course, user=learner)
    assert shown.items
    assert all(i.category_id == course.category_id for i in shown.items[:3])
    assert item_key_for(course) not in [i.key for i in shown.items]


# --- API -----------------------------------------------------------------------------


def test_api_lists_recommendations_with_variant_and_click_urls(client, shelf, learner):
    popular_history(shelf)
    client.force_login(learner)
    data = client.get("/api/v1/recommendations/?limit=3").json()
    assert data["variant"] == "blend" and data["source"] == "for_you"
    assert len(data["items"]) == 3
    assert data["items"][0]["click_url"].startswith(reverse("recommend:click"))
    assert VariantDailyStat.objects.get(variant="blend").impressions == 3


def test_api_similar_and_bad_input(client, shelf):
    course = shelf["finance"][0]
    ok = client.get(f"/api/v1/recommendations/similar/course/{course.pk}/")
    assert ok.status_code == 200 and ok.json()["source"] == "similar"
    assert client.get("/api/v1/recommendations/similar/course/999999/").status_code == 404
    assert client.get("/api/v1/recommendations/similar/planet/1/").status_code == 404
    assert client.get("/api/v1/recommendations/?limit=lots").status_code == 400
    assert client.get("/api/v1/recommendations/?limit=0").status_code == 400


def test_api_is_in_the_openapi_schema(client, db):
    schema = client.get(reverse("api_schema")).content.decode()
    assert "/api/v1/recommendations/" in schema
    assert "/api/v1/recommendations/similar/{kind}/{id}/" in schema


# --- staff page ----------------------------------------------------------------------


def test_staff_page_is_for_staff_only(client, learner):
    url = reverse("recommend:staff")
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(learner)
    assert client.get(url).status_code == 302


def _yesterday(variant, impressions, clicks):
    VariantDailyStat.objects.create(
        day=timezone.localdate() - timedelta(days=1),
        variant=variant,
        impressions=impressions,
        clicks=clicks,
    )


def test_staff_page_charts_noisy_click_through_per_variant(client, db, settings):
    settings.RECOMMEND_STATS_EPSILON_PER_DAY = 1.0
    settings.RECOMMEND_STATS_MAX_IMPRESSIONS_PER_VISITOR_DAY = 2
    settings.RECOMMEND_STATS_MAX_CLICKS_PER_VISITOR_DAY = 1  # noise: Laplace(4) and (2)
    _yesterday("blend", 20_000, 1_000)
    _yesterday("popularity", 10_000, 200)
    _yesterday("<script>", 1, 0)
    services.variant_stat_bump(variant="blend", impressions=7, clicks=7)  # today: not shown
    client.force_login(UserFactory(is_staff=True))
    html = client.get(reverse("recommend:staff")).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert html.count('class="ctr-line"') == 3
    released = {r.variant: r for r in VariantDailyRelease.objects.all()}
    assert set(released) == {"blend", "popularity", "<script>"}  # yesterday only
    blend = released["blend"]
    assert abs(blend.impressions - 20_000) < 60 and abs(blend.clicks - 1_000) < 30
    assert blend.epsilon == 1.0
    assert f"<td>blend</td><td>{blend.impressions}</td><td>{blend.clicks}</td>" in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>")[0]
    assert "&lt;script&gt;" in html and 'data-testid="dp-note"' in html
    # A reload shows the same draw: no fresh noise to average away, no budget spent.
    again = client.get(reverse("recommend:staff")).content.decode()
    assert f"<td>blend</td><td>{blend.impressions}</td><td>{blend.clicks}</td>" in again
    assert VariantDailyRelease.objects.count() == 3


def test_one_visitor_counts_for_a_bounded_amount_a_day(db, settings, rf):
    """The bound is what makes the noise enough: past it, a visitor's items shown and
    clicks are not counted, signed in or not, over all variants together."""
    settings.RECOMMEND_STATS_MAX_IMPRESSIONS_PER_VISITOR_DAY = 25
    settings.RECOMMEND_STATS_MAX_CLICKS_PER_VISITOR_DAY = 2
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Mozilla/5.0")
    request.user = AnonymousUser()
    request.session = SessionStore()
    for variant in ("a", "b", "a"):
        services.event_record(
            user=None, kind="impression", value=10, variant=variant, request=request
        )
    for _ in range(5):
        services.event_record(
            user=None, kind="click", item="course:1", variant="a", request=request
        )
    stats = {s.variant: (s.impressions, s.clicks) for s in VariantDailyStat.objects.all()}
    assert stats == {"a": (15, 2), "b": (10, 0)}  # 10 + 10 + 5 of 30 shown; 2 of 5 clicks
    other = rf.get("/", REMOTE_ADDR="203.0.113.10", HTTP_USER_AGENT="Mozilla/5.0")
    other.user, other.session = AnonymousUser(), SessionStore()
    services.event_record(user=None, kind="impression", value=10, variant="b", request=other)
    assert VariantDailyStat.objects.get(variant="b").impressions == 20  # another visitor
    # Nobody to bound: not counted at all.
    services.event_record(user=None, kind="impression", value=10, variant="c")
    assert not VariantDailyStat.objects.filter(variant="c").exists()


def test_content_hidden_by_moderation_is_never_served(shelf, learner):
    from marketplace.models import Course

    course = shelf["finance"][0]
    RecommendationList.objects.create(
        user=learner,
        variant="blend",
        algorithm="blend",
        items=[item_key_for(course)],
        created_at=course.created_at,
    )
    assert selectors.recommendations_for_user(user=learner).items[0].key == item_key_for(course)
    Course.objects.filter(pk=course.pk).update(hidden_by_moderation=True)
    keys = [i.key for i in selectors.recommendations_for_user(user=learner).items]
    assert item_key_for(course) not in keys
