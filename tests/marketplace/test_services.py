import pytest
from django.core.exceptions import ValidationError

from marketplace import services
from marketplace.models import PublicationStatus
from tests.factories import CategoryFactory, ChannelFactory, TierFactory


@pytest.fixture
def category(db):
    return CategoryFactory.get("finance")


def test_becoming_a_creator_creates_profile_with_topics(bob):
    creator = services.creator_become(
        user=bob, display_name="Bob Teaches", bio="Index funds", topics=["理财", "基金", "理财"]
    )
    assert creator.slug == "bob-teaches"
    assert sorted(t.name for t in creator.topics.all()) == ["基金", "理财"]


def test_becoming_a_creator_twice_is_refused(alice):
    with pytest.raises(ValidationError):
        services.creator_become(user=alice.user, display_name="Again")


def test_chinese_title_gets_a_usable_slug(alice, category):
    channel = services.channel_create(creator=alice, title="普通人的理财课", category=category)
    assert channel.slug.startswith("channel-")
    assert channel.status == PublicationStatus.DRAFT
    assert channel.published_at is None


def test_same_title_gets_a_numbered_slug(alice, category):
    first = services.channel_create(creator=alice, title="Money Basics", category=category)
    second = services.channel_create(creator=alice, title="Money Basics", category=category)
    assert (first.slug, second.slug) == ("money-basics", "money-basics-2")


def test_duplicate_chosen_slug_is_a_field_error(alice, charlie, category):
    services.channel_create(creator=alice, title="A", slug="taken", category=category)
    with pytest.raises(ValidationError) as exc:
        services.channel_create(creator=charlie, title="B", slug="taken", category=category)
    assert "slug" in exc.value.message_dict


def test_publishing_sets_published_at_once(alice, category):
    channel = services.channel_create(
        creator=alice, title="Live", category=category, status=PublicationStatus.PUBLISHED
    )
    first_published = channel.published_at
    assert first_published is not None
    services.channel_update(
        channel=channel, title="Live!", category=category, status=PublicationStatus.PUBLISHED
    )
    channel.refresh_from_db()
    assert channel.published_at == first_published


def test_empty_title_is_refused_and_nothing_is_written(alice, category):
    with pytest.raises(ValidationError) as exc:
        services.channel_create(creator=alice, title="   ", category=category)
    assert "title" in exc.value.message_dict
    assert not alice.channels.exists()


@pytest.mark.parametrize(
    ("price", "currency", "field"),
    [
        (0, "CNY", "price_amount"),
        (10**9, "CNY", "price_amount"),
        (3000, "XYZ", "currency"),
    ],
)
def test_tier_rejects_bad_prices_and_currencies(alice_channel, price, currency, field):
    with pytest.raises(ValidationError) as exc:
        services.tier_create(
            channel=alice_channel, name="Gold", price_amount=price, currency=currency
        )
    assert field in exc.value.message_dict
    assert not alice_channel.tiers.exists()


def test_tier_names_are_unique_per_channel_ignoring_case(alice_channel):
    TierFactory(channel=alice_channel, name="Gold")
    with pytest.raises(ValidationError) as exc:
        services.tier_create(channel=alice_channel, name="gold", price_amount=100, currency="CNY")
    assert "name" in exc.value.message_dict


def test_same_tier_name_is_fine_on_another_channel(alice_channel):
    TierFactory(channel=alice_channel, name="Gold")
    other = ChannelFactory()
    tier = services.tier_create(channel=other, name="Gold", price_amount=100, currency="CNY")
    assert tier.pk


def test_free_course_is_allowed(alice_channel, category):
    course = services.course_create(
        channel=alice_channel, title="Intro", category=category, currency="CNY", price_amount=0
    )
    assert course.is_free


def test_too_many_tags_is_a_field_error(alice, category):
    with pytest.raises(ValidationError) as exc:
        services.channel_create(
            creator=alice, title="Tags", category=category, tags=[f"t{i}" for i in range(11)]
        )
    assert "tags" in exc.value.message_dict


def test_tags_are_matched_case_insensitively(alice, category):
    a = services.channel_create(creator=alice, title="A", category=category, tags=["Python"])
    b = services.channel_create(creator=alice, title="B", category=category, tags=["python"])
    assert list(a.tags.all()) == list(b.tags.all())
