from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from livestream.models import LiveSession
from marketplace.models import (
    Category,
    Channel,
    Course,
    CreatorProfile,
    PublicationStatus,
    SubscriptionTier,
    Tag,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class CategoryFactory:
    """Categories come from a data migration; tests look them up by slug."""

    @staticmethod
    def get(slug: str = "technology") -> Category:
        return Category.objects.get(slug=slug)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower())


class CreatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreatorProfile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Creator {n}")
    slug = factory.Sequence(lambda n: f"creator-{n}")
    headline = "Knows things"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        skip_postgeneration_save = True

    creator = factory.SubFactory(CreatorFactory)
    title = factory.Sequence(lambda n: f"Channel {n}")
    slug = factory.Sequence(lambda n: f"channel-{n}")
    tagline = "Learn with me"
    category = factory.LazyFunction(CategoryFactory.get)
    status = PublicationStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.set(extracted)


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionTier

    channel = factory.SubFactory(ChannelFactory)
    name = factory.Sequence(lambda n: f"Tier {n}")
    price_amount = 3000
    currency = "CNY"
    benefits = "Replays"


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    channel = factory.SubFactory(ChannelFactory)
    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = "A course"
    category = factory.LazyFunction(CategoryFactory.get)
    price_amount = 9900
    currency = "CNY"
    status = PublicationStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.set(extracted)


class LiveSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveSession

    channel = factory.SubFactory(ChannelFactory)
    title = factory.Sequence(lambda n: f"Live session {n}")
    scheduled_start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
