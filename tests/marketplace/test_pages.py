"""Public pages: what visitors see, what they must not see, and fixed query counts."""

import pytest

from marketplace.models import PublicationStatus
from tests.factories import (
    CategoryFactory,
    ChannelFactory,
    CourseFactory,
    LiveSessionFactory,
    TagFactory,
    TierFactory,
)


def make_catalogue(n):
    python = TagFactory(name="Python", slug="python")
    for i in range(n):
        channel = ChannelFactory(title=f"Channel {i}", tags=[python])
        TierFactory(channel=channel, price_amount=1000 + i)
        CourseFactory(channel=channel, tags=[python])
        LiveSessionFactory(channel=channel)


@pytest.mark.parametrize("n", [2, 30])
def test_catalogue_runs_fixed_queries_whatever_the_number_of_channels(
    client, db, n, django_assert_num_queries
):
    make_catalogue(n)
    # 1 count for the paginator, 2 the page of channels (cheapest tier joined in as
    # subqueries), 3 their tags, 4 live and upcoming sessions (first page only),
    # 5 categories and 6 tags for the filter sidebar, 7 the running sponsored
    # campaigns (cached for the next requests; ads.selectors.campaigns_running).
    with django_assert_num_queries(7):
        response = client.get("/catalogue/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == n


@pytest.mark.parametrize("n", [2, 30])
def test_course_catalogue_runs_fixed_queries(client, db, n, django_assert_num_queries):
    make_catalogue(n)
    # count, page of courses (channel, creator, category joined), tags, live and
    # upcoming sessions (first page only), categories, tags, running sponsored campaigns
    with django_assert_num_queries(7):
        response = client.get("/catalogue/?kind=courses")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 30])
def test_channel_page_runs_fixed_queries(client, alice_channel, n, django_assert_num_queries):
    python = TagFactory(name="Python", slug="python")
    alice_channel.tags.set([python])
    for i in range(n):
        TierFactory(channel=alice_channel, name=f"Tier {i}")
        CourseFactory(channel=alice_channel, tags=[python])
        LiveSessionFactory(channel=alice_channel)
    # 1 channel with creator, user and category, 2 its tags, 3 tiers, 4 courses,
    # 5 their tags, 6 upcoming sessions, 7 the channel's articles, 8 its top
    # tippers (none yet, so no names to read), 9-14 the "similar" and "because you
    # watched" rows (channels, courses, sessions: two lists of three kinds, before
    # any model is fitted), 15 the follower count (community's follow button; a
    # visitor follows nothing, so no second query).
    with django_assert_num_queries(15):
        response = client.get(f"/c/{alice_channel.slug}/")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 30])
def test_home_page_runs_fixed_queries(client, db, n, django_assert_max_num_queries):
    make_catalogue(n)
    # channels, their tags, courses, their tags, upcoming sessions, categories, then
    # the "For you" row: popular items from events, and their channels, courses and
    # sessions (one kind fewer is needed when the first lists fill the row), and the
    # running sponsored campaigns (once: the home and "For you" slots share the cache).
    with django_assert_max_num_queries(14):
        response = client.get("/")
    assert response.status_code == 200


def test_channel_page_shows_tiers_with_prices(client, alice_channel):
    TierFactory(channel=alice_channel, name="Gold", price_amount=3000, currency="CNY")
    TierFactory(channel=alice_channel, name="Hidden", is_active=False)
    page = client.get(f"/c/{alice_channel.slug}/").content.decode()
    assert "Gold" in page and "¥30.00" in page
    assert "Hidden" not in page


def test_catalogue_search_finds_by_title_creator_and_tag(client, db):
    ChannelFactory(title="高并发架构实战", tags=[TagFactory(name="Redis")])
    ChannelFactory(title="Cooking", creator__display_name="Chef Wang")
    ChannelFactory(title="Unrelated")

    def titles(query):
        page = client.get("/catalogue/", {"q": query}).context["page"]
        return {c.title for c in page.object_list}

    assert titles("并发") == {"高并发架构实战"}
    assert titles("redis") == {"高并发架构实战"}
    assert titles("chef") == {"Cooking"}


def test_catalogue_filters_by_category_tag_and_price(client, db):
    python = TagFactory(name="Python", slug="python")
    cheap = ChannelFactory(title="Cheap", tags=[python])
    TierFactory(channel=cheap, price_amount=500)
    dear = ChannelFactory(title="Dear", category=CategoryFactory.get("finance"))
    TierFactory(channel=dear, price_amount=50000)
    free = ChannelFactory(title="Free")

    def titles(**params):
        response = client.get("/catalogue/", params)
        assert response.status_code == 200
        return {c.title for c in response.context["page"].object_list}

    assert titles(tag="python") == {"Cheap"}
    assert titles(category="finance") == {"Dear"}
    assert titles(price="free") == {"Free"}
    assert titles(price="paid") == {"Cheap", "Dear"}
    assert titles(max_price="10") == {"Cheap"}
    assert titles(min_price="100", currency="CNY") == {"Dear"}
    assert titles(min_price="1", currency="USD") == set()
    assert free.title in titles(ordering="title")


def test_course_catalogue_filters_free_and_paid(client, db):
    CourseFactory(title="Free course", price_amount=0)
    CourseFactory(title="Paid course", price_amount=9900)
    page = client.get("/catalogue/", {"kind": "courses", "price": "free"}).context["page"]
    assert [c.title for c in page.object_list] == ["Free course"]


def test_bad_catalogue_filters_are_explained_not_500(client, db):
    ChannelFactory(title="Still listed")
    response = client.get(
        "/catalogue/", {"min_price": "abc", "category": "nope", "ordering": "sideways"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"min_price", "category", "ordering"}
    assert "Still listed" in response.content.decode()


def test_drafts_are_invisible_to_visitors_and_other_creators(client, alice, charlie):
    draft = ChannelFactory(creator=alice, status=PublicationStatus.DRAFT, published_at=None)
    course = CourseFactory(channel=draft, status=PublicationStatus.DRAFT)
    assert client.get(f"/c/{draft.slug}/").status_code == 404
    assert client.get(f"/courses/{course.slug}/").status_code == 404
    client.force_login(charlie.user)
    assert client.get(f"/c/{draft.slug}/").status_code == 404
    assert client.get(f"/courses/{course.slug}/").status_code == 404
    assert draft.title not in client.get("/catalogue/").content.decode()


def test_owner_can_preview_their_draft(client, alice):
    draft = ChannelFactory(creator=alice, status=PublicationStatus.DRAFT, published_at=None)
    client.force_login(alice.user)
    response = client.get(f"/c/{draft.slug}/")
    assert response.status_code == 200
    assert "Draft" in response.content.decode()


def test_published_course_in_a_draft_channel_is_hidden(client, alice):
    draft = ChannelFactory(creator=alice, status=PublicationStatus.DRAFT, published_at=None)
    course = CourseFactory(channel=draft)
    assert client.get(f"/courses/{course.slug}/").status_code == 404


def test_creator_page_lists_published_channels_only(client, alice, alice_channel):
    ChannelFactory(creator=alice, title="Secret draft", status=PublicationStatus.DRAFT)
    page = client.get(f"/creators/{alice.slug}/").content.decode()
    assert alice_channel.title.replace("'", "&#x27;") in page
    assert "Secret draft" not in page


def test_language_switcher_serves_chinese(client, db):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
