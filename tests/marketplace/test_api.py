"""The REST API: public catalogue reads, creator writes, validation and ownership."""

import re

import pytest
from rest_framework.test import APIClient

from marketplace.models import Channel, Course, PublicationStatus, SubscriptionTier
from tests.factories import ChannelFactory, CourseFactory, TagFactory, TierFactory


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_alice(api, alice):
    api.force_authenticate(alice.user)
    return api


@pytest.fixture
def as_charlie(api, charlie):
    api.force_authenticate(charlie.user)
    return api


# --- catalogue ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 30])
def test_channel_list_runs_fixed_queries(api, db, n, django_assert_num_queries):
    python = TagFactory(name="Python")
    for i in range(n):
        TierFactory(channel=ChannelFactory(tags=[python]), price_amount=100 + i)
    # 1 count, 2 the page with cheapest tier as subqueries, 3 tags
    with django_assert_num_queries(3):
        response = api.get("/api/v1/catalogue/channels/")
    assert response.status_code == 200
    assert response.json()["count"] == n


def test_channel_list_shows_cheapest_tier_and_hides_drafts(api, alice_channel):
    TierFactory(channel=alice_channel, price_amount=5000)
    TierFactory(channel=alice_channel, price_amount=1500)
    ChannelFactory(status=PublicationStatus.DRAFT, title="Draft")
    results = api.get("/api/v1/catalogue/channels/").json()["results"]
    assert [(r["slug"], r["lowest_price"], r["lowest_price_currency"]) for r in results] == [
        (alice_channel.slug, 1500, "CNY")
    ]


def test_course_list_filters_and_rejects_bad_filters(api, db):
    CourseFactory(title="Free", price_amount=0)
    CourseFactory(title="Paid", price_amount=100)
    free = api.get("/api/v1/catalogue/courses/", {"price": "free"}).json()
    assert [c["title"] for c in free["results"]] == ["Free"]
    bad = api.get("/api/v1/catalogue/courses/", {"max_price": "cheap", "price": "gratis"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"max_price", "price"}


def test_channel_detail_lists_tiers_and_published_courses(api, alice_channel):
    TierFactory(channel=alice_channel, name="Gold")
    CourseFactory(channel=alice_channel, title="Public")
    CourseFactory(channel=alice_channel, title="Draft", status=PublicationStatus.DRAFT)
    data = api.get(f"/api/v1/catalogue/channels/{alice_channel.slug}/").json()
    assert [t["name"] for t in data["tiers"]] == ["Gold"]
    assert [c["title"] for c in data["courses"]] == ["Public"]


def test_draft_channel_and_course_are_404_for_others(api, alice):
    draft = ChannelFactory(creator=alice, status=PublicationStatus.DRAFT)
    course = CourseFactory(channel=draft)
    assert api.get(f"/api/v1/catalogue/channels/{draft.slug}/").status_code == 404
    assert api.get(f"/api/v1/catalogue/courses/{course.slug}/").status_code == 404


def test_schema_and_docs_are_served(api, db):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/studio/channels/" in schema.content
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    # Every script, stylesheet and icon comes from this site (vendored sidecar assets;
    # Swagger UI's start-up script from the docs view itself, for the CSP).
    page = docs.content.decode()
    links = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert links
    local = ("/static/", "/api/docs/?script")
    assert [link for link in links if not link.startswith(local)] == []


# --- studio writes -------------------------------------------------------------------


def test_learner_becomes_creator_through_api(api, bob):
    api.force_authenticate(bob)
    response = api.post(
        "/api/v1/studio/creator/", {"display_name": "Bob", "topics": ["SQL"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["topics"] == ["SQL"]
    again = api.post("/api/v1/studio/creator/", {"display_name": "Bob"}, format="json")
    assert again.status_code == 409  # already a creator: a conflict, not bad input


@pytest.mark.parametrize("body", ["topics[x]=1", "topics.a=1", "topics[0]=SQL&topics[y]=2"])
def test_form_encoded_topics_of_the_wrong_type_are_a_400_naming_the_field(api, alice, body):
    creator = alice.user.creator_profile
    before = list(creator.topics.values_list("name", flat=True))
    api.force_authenticate(alice.user)
    response = api.generic(
        "PATCH", "/api/v1/studio/creator/", body,
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert response.status_code == 400, response.content
    assert "list" in str(response.json()["topics"])
    assert list(creator.topics.values_list("name", flat=True)) == before


def test_form_encoded_topics_as_a_list_are_taken(api, alice):
    api.force_authenticate(alice.user)
    for body in ("topics=SQL&topics=Pandas", "topics[0]=SQL&topics[1]=Pandas"):
        response = api.generic(
            "PATCH", "/api/v1/studio/creator/", body,
            content_type="application/x-www-form-urlencoded",
        )  # fmt: skip
        assert response.status_code == 200, response.content
        assert sorted(response.json()["topics"]) == ["Pandas", "SQL"]


def test_writes_need_login_and_a_creator_profile(api, bob):
    assert api.post("/api/v1/studio/channels/", {}, format="json").status_code == 403
    api.force_authenticate(bob)
    response = api.post("/api/v1/studio/channels/", {}, format="json")
    assert response.status_code == 403
    assert "Become a creator" in response.json()["detail"]


def test_creator_creates_channel_tier_and_course(as_alice, alice):
    channel = as_alice.post(
        "/api/v1/studio/channels/",
        {"title": "API Channel", "category": "technology", "tags": ["API"], "status": "published"},
        format="json",
    )
    assert channel.status_code == 201, channel.json()
    slug = channel.json()["slug"]
    tier = as_alice.post(
        f"/api/v1/studio/channels/{slug}/tiers/",
        {"name": "Gold", "price_amount": 2900, "currency": "CNY"},
        format="json",
    )
    assert tier.status_code == 201, tier.json()
    course = as_alice.post(
        "/api/v1/studio/courses/",
        {
            "channel": slug,
            "title": "API Course",
            "category": "technology",
            "price_amount": 0,
            "currency": "USD",
        },
        format="json",
    )
    assert course.status_code == 201, course.json()
    assert Course.objects.get(slug=course.json()["slug"]).channel.slug == slug


@pytest.mark.parametrize(
    ("payload", "field", "status"),
    [
        ({"title": ""}, "title", 400),
        ({"title": "x" * 121}, "title", 400),
        # A slug that names nothing is well formed: a 422 (core/api_errors.py).
        ({"category": "nope"}, "category", 422),
        ({"slug": "bad slug"}, "slug", 400),
        ({"status": "live"}, "status", 400),
        ({"tags": ["x" * 41]}, "tags", 400),
        ({"titel": "Typo"}, "titel", 400),
    ],
)
def test_bad_channel_input_is_a_field_error(as_alice, alice, payload, field, status):
    body = {"title": "Fine", "category": "technology", **payload}
    response = as_alice.post("/api/v1/studio/channels/", body, format="json")
    assert response.status_code == status
    assert field in response.json()
    assert not Channel.objects.filter(creator=alice).exists()


def test_duplicate_slug_is_a_field_error(as_alice, alice_channel):
    response = as_alice.post(
        "/api/v1/studio/channels/",
        {"title": "Copy", "category": "technology", "slug": alice_channel.slug},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"slug": ["This address is already taken."]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price_amount": -1}, "price_amount"),
        ({"price_amount": 0}, "price_amount"),
        ({"price_amount": 10**12}, "price_amount"),
        ({"price_amount": "12.5"}, "price_amount"),
        ({"currency": "BTC"}, "currency"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_tier_input_is_a_field_error(as_alice, alice_channel, payload, field):
    body = {"name": "Gold", "price_amount": 1000, "currency": "CNY", **payload}
    response = as_alice.post(
        f"/api/v1/studio/channels/{alice_channel.slug}/tiers/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not SubscriptionTier.objects.exists()


def test_duplicate_tier_name_is_a_field_error(as_alice, alice_channel):
    TierFactory(channel=alice_channel, name="Gold")
    response = as_alice.post(
        f"/api/v1/studio/channels/{alice_channel.slug}/tiers/",
        {"name": "GOLD", "price_amount": 100, "currency": "CNY"},
        format="json",
    )
    assert response.status_code == 409  # the name is taken
    assert "name" in response.json()


def test_patch_changes_only_what_is_sent(as_alice, alice_channel):
    response = as_alice.patch(
        f"/api/v1/studio/channels/{alice_channel.slug}/", {"tagline": "New"}, format="json"
    )
    assert response.status_code == 200
    alice_channel.refresh_from_db()
    assert (alice_channel.tagline, alice_channel.title) == ("New", "Alice's Python Lab")


def test_malformed_json_is_a_400(as_alice, alice):
    response = as_alice.post(
        "/api/v1/studio/channels/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


@pytest.fixture
def alice_things(alice_channel):
    tier = TierFactory(channel=alice_channel)
    course = CourseFactory(channel=alice_channel, status=PublicationStatus.DRAFT)
    return alice_channel, tier, course


def test_charlie_gets_404_on_every_write_endpoint_of_alice(as_charlie, charlie, alice_things):
    channel, tier, course = alice_things
    ChannelFactory(creator=charlie, slug="charlies")
    calls = [
        ("get", f"/api/v1/studio/channels/{channel.slug}/", None),
        ("patch", f"/api/v1/studio/channels/{channel.slug}/", {"title": "hacked"}),
        ("get", f"/api/v1/studio/channels/{channel.slug}/tiers/", None),
        (
            "post",
            f"/api/v1/studio/channels/{channel.slug}/tiers/",
            {"name": "hacked", "price_amount": 1, "currency": "CNY"},
        ),
        ("get", f"/api/v1/studio/tiers/{tier.pk}/", None),
        ("patch", f"/api/v1/studio/tiers/{tier.pk}/", {"name": "hacked"}),
        ("get", f"/api/v1/studio/courses/{course.slug}/", None),
        ("patch", f"/api/v1/studio/courses/{course.slug}/", {"title": "hacked"}),
        (
            "post",
            "/api/v1/studio/courses/",
            {
                "channel": channel.slug,
                "title": "hacked",
                "category": "technology",
                "price_amount": 0,
                "currency": "CNY",
            },
        ),
    ]
    for method, url, body in calls:
        response = getattr(as_charlie, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
    channel.refresh_from_db()
    tier.refresh_from_db()
    course.refresh_from_db()
    assert "hacked" not in (channel.title, tier.name, course.title)
    assert not SubscriptionTier.objects.filter(name="hacked").exists()
    assert not Course.objects.filter(title="hacked").exists()


def test_charlies_lists_do_not_contain_alice_things(as_charlie, charlie, alice_things):
    assert as_charlie.get("/api/v1/studio/channels/").json() == []
    assert as_charlie.get("/api/v1/studio/courses/").json() == []


def test_course_cannot_move_channels_via_patch(as_alice, alice, alice_things):
    channel, _, course = alice_things
    ChannelFactory(creator=alice, slug="other")
    response = as_alice.patch(
        f"/api/v1/studio/courses/{course.slug}/", {"channel": "other"}, format="json"
    )
    assert response.status_code == 400
    course.refresh_from_db()
    assert course.channel == channel
