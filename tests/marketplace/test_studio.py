"""The creator studio pages: creating and editing, field errors, and ownership."""

import pytest

from marketplace.models import Channel, Course, CreatorProfile, PublicationStatus
from tests.factories import CategoryFactory, ChannelFactory, CourseFactory, TierFactory


@pytest.fixture
def technology_id(db):
    return CategoryFactory.get("technology").pk


def channel_form(category_id, **overrides):
    data = {
        "title": "Rust for Pythonistas",
        "slug": "",
        "tagline": "Fearless, fast",
        "description": "Weekly live coding.",
        "category": category_id,
        "language": "en",
        "tags": "Rust, Python",
        "status": PublicationStatus.PUBLISHED,
    }
    return {**data, **overrides}


def test_visitor_is_sent_to_login(client, db):
    response = client.get("/studio/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_learner_is_sent_to_become_a_creator(client, bob):
    client.force_login(bob)
    response = client.get("/studio/channels/new/")
    assert response.status_code == 302
    assert response.url == "/studio/become-creator/"


def test_learner_becomes_a_creator(client, bob):
    client.force_login(bob)
    response = client.post(
        "/studio/become-creator/",
        {"display_name": "Bob the Builder", "headline": "", "bio": "", "topics": "DIY，木工"},
    )
    assert response.status_code == 302
    creator = CreatorProfile.objects.get(user=bob)
    assert sorted(t.name for t in creator.topics.all()) == ["DIY", "木工"]


def test_creator_creates_a_published_channel(client, alice, technology_id):
    client.force_login(alice.user)
    response = client.post("/studio/channels/new/", channel_form(technology_id))
    channel = Channel.objects.get(creator=alice)
    assert response.status_code == 302
    assert response.url == f"/studio/channels/{channel.slug}/"
    assert channel.is_published
    assert client.get("/catalogue/", {"q": "Rust"}).context["page"].paginator.count == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 121}, "title", "at most 120 characters"),
        ({"slug": "not a slug!"}, "slug", "valid"),
        ({"category": 999999}, "category", "Select a valid choice"),
        ({"tags": ", ".join(f"t{i}" for i in range(11))}, "tags", "at most 10 tags"),
    ],
)
def test_channel_form_shows_field_errors_and_writes_nothing(
    client, alice, technology_id, overrides, field, message
):
    client.force_login(alice.user)
    response = client.post("/studio/channels/new/", channel_form(technology_id, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Channel.objects.filter(creator=alice).exists()


def test_duplicate_slug_is_shown_on_the_slug_field(client, alice, alice_channel, technology_id):
    client.force_login(alice.user)
    response = client.post(
        "/studio/channels/new/", channel_form(technology_id, slug=alice_channel.slug)
    )
    assert response.status_code == 200
    assert "This address is already taken." in response.context["form"].errors["slug"]


def test_creator_adds_a_tier_in_major_units(client, alice, alice_channel):
    client.force_login(alice.user)
    response = client.post(
        f"/studio/channels/{alice_channel.slug}/tiers/new/",
        {"name": "Gold", "price": "9.90", "currency": "CNY", "benefits": "", "is_active": "on"},
    )
    assert response.status_code == 302
    tier = alice_channel.tiers.get()
    assert (tier.price_amount, tier.currency) == (990, "CNY")


@pytest.mark.parametrize(
    ("price", "currency", "field"),
    [
        ("-5", "CNY", "price"),
        ("0", "CNY", "price"),
        ("1.234", "CNY", "price"),
        ("99999999", "CNY", "price"),
        ("abc", "CNY", "price"),
        ("10", "XYZ", "currency"),
    ],
)
def test_bad_tier_prices_are_refused_next_to_the_field(
    client, alice, alice_channel, price, currency, field
):
    client.force_login(alice.user)
    response = client.post(
        f"/studio/channels/{alice_channel.slug}/tiers/new/",
        {"name": "Gold", "price": price, "currency": currency},
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not alice_channel.tiers.exists()


def test_tier_edit_changes_price(client, alice, alice_channel):
    tier = TierFactory(channel=alice_channel, name="Gold", price_amount=3000)
    client.force_login(alice.user)
    page = client.get(f"/studio/tiers/{tier.pk}/")
    assert page.context["form"].initial["price"] == 30
    client.post(
        f"/studio/tiers/{tier.pk}/",
        {"name": "Gold", "price": "45", "currency": "CNY", "is_active": "on"},
    )
    tier.refresh_from_db()
    assert tier.price_amount == 4500


def test_creator_creates_a_free_course(client, alice, alice_channel, technology_id):
    client.force_login(alice.user)
    response = client.post(
        "/studio/courses/new/",
        {
            "channel": alice_channel.pk,
            "title": "Intro to Python",
            "category": technology_id,
            "level": "beginner",
            "language": "en",
            "price": "0",
            "currency": "CNY",
            "status": "published",
        },
    )
    assert response.status_code == 302
    assert Course.objects.get(channel=alice_channel).is_free


def test_course_cannot_be_created_in_someone_elses_channel(
    client, charlie, alice_channel, technology_id
):
    ChannelFactory(creator=charlie)
    client.force_login(charlie.user)
    response = client.post(
        "/studio/courses/new/",
        {
            "channel": alice_channel.pk,
            "title": "Sneaky",
            "category": technology_id,
            "level": "beginner",
            "language": "en",
            "price": "0",
            "currency": "CNY",
            "status": "published",
        },
    )
    assert response.status_code == 200
    assert "channel" in response.context["form"].errors
    assert not Course.objects.filter(title="Sneaky").exists()


@pytest.fixture
def alice_objects(alice_channel):
    tier = TierFactory(channel=alice_channel)
    course = CourseFactory(channel=alice_channel, status=PublicationStatus.DRAFT)
    return alice_channel, tier, course


def studio_urls(channel, tier, course):
    return [
        f"/studio/channels/{channel.slug}/",
        f"/studio/channels/{channel.slug}/tiers/new/",
        f"/studio/tiers/{tier.pk}/",
        f"/studio/courses/{course.slug}/",
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_creator_gets_404_on_every_studio_page_of_alice(
    client, charlie, alice_objects, method
):
    channel, tier, course = alice_objects
    client.force_login(charlie.user)
    for url in studio_urls(*alice_objects):
        response = getattr(client, method)(url, {"title": "hacked", "name": "hacked"})
        assert response.status_code == 404, url
    channel.refresh_from_db()
    tier.refresh_from_db()
    course.refresh_from_db()
    assert "hacked" not in (channel.title, tier.name, course.title)


def test_owner_can_open_every_studio_page(client, alice, alice_objects):
    client.force_login(alice.user)
    for url in ["/studio/", "/studio/profile/", "/studio/courses/new/"] + studio_urls(
        *alice_objects
    ):
        assert client.get(url).status_code == 200, url
