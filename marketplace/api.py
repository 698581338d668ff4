"""REST API: the public catalogue (read) and the creator studio (write).

One view per resource and operation, each with small nested input/output
serializers. Writes go through marketplace.services; reads through selectors, so
the API and the web pages enforce the same rules and permissions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils import html
from rest_framework.views import APIView

from core import api_serializers
from core.api_fields import MinorUnitsField
from core.money import supported_currencies
from core.picture_api import PictureApi
from marketplace import catalogue_cache, selectors, services
from marketplace.forms import CatalogueFilterForm
from marketplace.models import (
    Category,
    Channel,
    Course,
    CreatorProfile,
    Language,
    PublicationStatus,
    SubscriptionTier,
)
from marketplace.selectors import CatalogueFilters

# --- shared output serializers ----------------------------------------------------------


class CategorySerializer(api_serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ("slug", "name", "name_en", "name_zh")


class CreatorBriefSerializer(api_serializers.ModelSerializer):
    class Meta:
        model = CreatorProfile
        fields = ("slug", "display_name", "headline", "is_verified")


class TierOutputSerializer(api_serializers.ModelSerializer):
    class Meta:
        model = SubscriptionTier
        fields = ("id", "name", "price_amount", "currency", "benefits", "is_active")


def _slug_of(queryset: QuerySet[Category] | None = None) -> serializers.SlugRelatedField[Any]:
    """A related object shown (and, with a queryset, chosen) by its slug."""
    if queryset is None:
        return serializers.SlugRelatedField(slug_field="slug", read_only=True)
    return serializers.SlugRelatedField(slug_field="slug", queryset=queryset)


class TaggedOutputSerializer(api_serializers.ModelSerializer):
    """A channel or course with its category slug and its tag names."""

    category = _slug_of()
    tags = serializers.SerializerMethodField()

    def get_tags(self, obj: Channel | Course) -> list[str]:
        return services.tag_names(obj)


# A channel as its creator describes it, in the public and in the studio's detail.
CHANNEL_FIELDS = (
    "slug",
    "title",
    "tagline",
    "description",
    "category",
    "tags",
    "language",
    "status",
)


class ChannelListOutputSerializer(TaggedOutputSerializer):
    creator = CreatorBriefSerializer()
    lowest_price = serializers.IntegerField(allow_null=True)
    lowest_price_currency = serializers.CharField(allow_null=True)
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Channel
        fields = (
            "slug",
            "title",
            "tagline",
            "category",
            "tags",
            "language",
            "creator",
            "lowest_price",
            "lowest_price_currency",
            "published_at",
            "url",
        )


class CourseListOutputSerializer(TaggedOutputSerializer):
    channel = _slug_of()
    creator = CreatorBriefSerializer(source="channel.creator")
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Course
        fields: tuple[str, ...] = (
            "slug",
            "title",
            "summary",
            "channel",
            "creator",
            "category",
            "tags",
            "level",
            "language",
            "price_amount",
            "currency",
            "published_at",
            "url",
        )


CATALOGUE_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Words in title, text, creator or tags."),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category slug."),
    OpenApiParameter("tag", OpenApiTypes.STR, description="Tag slug."),
    OpenApiParameter("price", OpenApiTypes.STR, enum=["free", "paid"]),
    OpenApiParameter("currency", OpenApiTypes.STR, description="Currency of min/max price."),
    OpenApiParameter("min_price", OpenApiTypes.DECIMAL, description="Major units, e.g. 9.90."),
    OpenApiParameter("max_price", OpenApiTypes.DECIMAL, description="Major units, e.g. 99."),
    OpenApiParameter("language", OpenApiTypes.STR, enum=Language.values),
    OpenApiParameter(
        "ordering", OpenApiTypes.STR, enum=["newest", "price_low", "price_high", "title"]
    ),
]


class CatalogueListApi(ListAPIView):
    """A catalogue listing: the query parsed with the same form as the web page (400
    if invalid), the result cached like the page."""

    permission_classes = []
    filter_backends = []

    cache_namespace: str

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cached like the catalogue page; invalid queries raise before caching."""
        cache_key = catalogue_cache.key(self.cache_namespace, request.query_params)
        data = catalogue_cache.get(cache_key)
        if data is None:
            data = super().list(request, *args, **kwargs).data
            catalogue_cache.put(cache_key, data)
        return Response(data)

    def catalogue_filters(self) -> CatalogueFilters:
        form = CatalogueFilterForm(self.request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {field: [str(m) for m in errors] for field, errors in form.errors.items()}
            )
        return form.to_filters()


@extend_schema(parameters=CATALOGUE_PARAMETERS, tags=["catalogue"])
class CatalogueChannelListApi(CatalogueListApi):
    serializer_class = ChannelListOutputSerializer
    cache_namespace = "api-channels"

    def get_queryset(self):
        return selectors.catalogue_channels(filters=self.catalogue_filters())


@extend_schema(parameters=CATALOGUE_PARAMETERS, tags=["catalogue"])
class CatalogueCourseListApi(CatalogueListApi):
    serializer_class = CourseListOutputSerializer
    cache_namespace = "api-courses"

    def get_queryset(self):
        return selectors.catalogue_courses(filters=self.catalogue_filters())


class CategoryListApi(APIView):
    permission_classes: list = []

    @extend_schema(responses=CategorySerializer(many=True), tags=["catalogue"])
    def get(self, request):
        return Response(CategorySerializer(Category.objects.all(), many=True).data)


class ChannelDetailApi(APIView):
    permission_classes: list = []

    class ChannelDetailOutputSerializer(TaggedOutputSerializer):
        creator = CreatorBriefSerializer()
        # Filled from selectors.channel_page: tiers on sale, courses the user may see.
        tiers = TierOutputSerializer(many=True, source="visible_tiers")
        courses = CourseListOutputSerializer(many=True, source="visible_courses")

        class Meta:
            model = Channel
            fields = (*CHANNEL_FIELDS, "creator", "tiers", "courses", "published_at")

    @extend_schema(responses=ChannelDetailOutputSerializer, tags=["catalogue"])
    def get(self, request, slug):
        channel = selectors.channel_get_for_user(slug=slug, user=request.user)
        page = selectors.channel_page(channel=channel, user=request.user)
        # The serializer reads these two (its `source`s); a Channel has no such fields.
        channel.visible_tiers = page["tiers"]  # type: ignore[attr-defined]
        channel.visible_courses = page["courses"]  # type: ignore[attr-defined]
        return Response(self.ChannelDetailOutputSerializer(channel).data)


class CourseDetailApi(APIView):
    permission_classes: list = []

    class CourseDetailOutputSerializer(CourseListOutputSerializer):
        class Meta(CourseListOutputSerializer.Meta):
            fields = (*CourseListOutputSerializer.Meta.fields, "description", "status")

    @extend_schema(responses=CourseDetailOutputSerializer, tags=["catalogue"])
    def get(self, request, slug):
        course = selectors.course_get_for_user(slug=slug, user=request.user)
        return Response(self.CourseDetailOutputSerializer(course).data)


# --- creator studio (write) -----------------------------------------------------------


class IsCreator(IsAuthenticated):
    message = gettext_lazy("Become a creator first (POST /api/v1/studio/creator/).")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        request.creator = selectors.creator_get_for_user(user=request.user)
        return request.creator is not None


class TagListField(serializers.ListField):
    child = serializers.CharField(max_length=40)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def get_value(self, dictionary: Any) -> Any:
        """In a form-encoded body a list is the field repeated (`topics=a&topics=b`)
        or indexed (`topics[0]=a`). Anything else under its name (`topics[x]=1`,
        `topics.a=1`: an object) is handed on as what it is, so that it is refused
        as "not a list" naming the field, not silently ignored."""
        if html.is_html_input(dictionary):
            name = str(self.field_name)
            indexed = re.compile(rf"{re.escape(name)}\[[0-9]+\]")
            nested = {
                key: dictionary.getlist(key)
                for key in dictionary
                if key.startswith((f"{name}[", f"{name}.")) and not indexed.fullmatch(key)
            }
            if nested:
                return nested
        return super().get_value(dictionary)


def _validated(
    request: Request, serializer_class: type[serializers.Serializer], *, partial: bool = False
) -> dict[str, Any]:
    """The request's data, checked by `serializer_class` (400 with its errors if bad)."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _patched(
    request: Request, serializer_class: type[serializers.Serializer], current: dict[str, Any]
) -> dict[str, Any]:
    """PATCH semantics: the current values overlaid with what the client sent."""
    return {**current, **_validated(request, serializer_class, partial=True)}


class CreatorApi(APIView):
    permission_classes = [IsAuthenticated]

    class CreatorInputSerializer(api_serializers.Serializer):
        display_name = serializers.CharField(max_length=60)
        headline = serializers.CharField(max_length=120, required=False, allow_blank=True)
        bio = serializers.CharField(max_length=3000, required=False, allow_blank=True)
        topics = TagListField()

    class CreatorOutputSerializer(api_serializers.ModelSerializer):
        topics = serializers.ManyRelatedField(
            child_relation=serializers.SlugRelatedField(slug_field="name", read_only=True),
            read_only=True,
        )

        class Meta:
            model = CreatorProfile
            fields = ("slug", "display_name", "headline", "bio", "topics", "is_verified")

    def _creator(self, request):
        creator = selectors.creator_get_for_user(user=request.user)
        if creator is None:
            raise exceptions.NotFound(_("You are not a creator yet."))
        return creator

    @extend_schema(responses=CreatorOutputSerializer, tags=["studio"])
    def get(self, request):
        return Response(self.CreatorOutputSerializer(self._creator(request)).data)

    @extend_schema(
        request=CreatorInputSerializer, responses={201: CreatorOutputSerializer}, tags=["studio"]
    )
    def post(self, request):
        data = _validated(request, self.CreatorInputSerializer)
        creator = services.creator_become(user=request.user, **data)
        return Response(self.CreatorOutputSerializer(creator).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CreatorInputSerializer, responses=CreatorOutputSerializer, tags=["studio"]
    )
    def patch(self, request):
        creator = self._creator(request)
        current = services.fields_current(creator, services.CreatorFields)
        services.creator_update(
            creator=creator, **_patched(request, self.CreatorInputSerializer, current)
        )
        return Response(self.CreatorOutputSerializer(creator).data)


class StudioChannelOutputSerializer(TaggedOutputSerializer):
    class Meta:
        model = Channel
        fields = (*CHANNEL_FIELDS, "created_at", "updated_at", "published_at")


class ChannelInputSerializer(api_serializers.Serializer):
    title = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=80, required=False, allow_blank=True)
    tagline = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    category = _slug_of(Category.objects.all())
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    tags = TagListField()
    status = serializers.ChoiceField(choices=PublicationStatus.choices, required=False)


# A creator's own channels, tiers or courses. A subclass for one kind names its input
# and output serializers, and its schema follows from them (`schemas`). No docstrings
# on the bases: the schema would take them for every endpoint's description.
class _StudioApi(APIView):
    permission_classes = [IsCreator]
    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "output_serializer"):  # one kind, not the list or detail base
            extend_schema_view(**cls.schemas())(cls)

    @classmethod
    def schemas(cls) -> dict[str, Any]:
        raise NotImplementedError


class _StudioListApi(_StudioApi):
    # GET lists the kind, POST creates one (201).
    @classmethod
    def schemas(cls) -> dict[str, Any]:
        return {
            "get": extend_schema(responses=cls.output_serializer(many=True), tags=["studio"]),
            "post": extend_schema(
                request=cls.input_serializer,
                responses={201: cls.output_serializer},
                tags=["studio"],
            ),
        }

    # Given the request and the URL's arguments: the kind's objects, and a new one
    # made from the request's data (checked by `input_serializer`).
    listed: Callable[..., Any]
    create: Callable[..., Any]

    def get(self, request, **kwargs):
        return Response(self.output_serializer(self.listed(request, **kwargs), many=True).data)

    def post(self, request, **kwargs):
        created = self.create(request, **kwargs)
        return Response(self.output_serializer(created).data, status=status.HTTP_201_CREATED)


class _StudioDetailApi(_StudioApi):
    # GET shows one object its creator may edit, PATCH changes some of its fields.
    spec: Any  # services.ChannelFields, TierFields or CourseFields: what PATCH may change

    @classmethod
    def schemas(cls) -> dict[str, Any]:
        return {
            "get": extend_schema(responses=cls.output_serializer, tags=["studio"]),
            "patch": extend_schema(
                request=cls.input_serializer, responses=cls.output_serializer, tags=["studio"]
            ),
        }

    # Given the request and the URL's arguments: the object if the user may edit it
    # (404 otherwise); given the object and the checked fields: the object saved.
    editable: Callable[..., Any]
    update: Callable[[Any, dict[str, Any]], Any]

    def get(self, request, **kwargs):
        return Response(self.output_serializer(self.editable(request, **kwargs)).data)

    def patch(self, request, **kwargs):
        obj = self.editable(request, **kwargs)
        current = services.fields_current(obj, self.spec)
        obj = self.update(obj, _patched(request, self.input_serializer, current))
        return Response(self.output_serializer(obj).data)


class StudioChannelListApi(_StudioListApi):
    input_serializer = ChannelInputSerializer
    output_serializer = StudioChannelOutputSerializer

    def listed(self, request):
        return request.creator.channels.select_related("category").prefetch_related("tags")

    def create(self, request):
        data = _validated(request, ChannelInputSerializer)
        return services.channel_create(creator=request.creator, **data)


class StudioChannelDetailApi(_StudioDetailApi):
    input_serializer = ChannelInputSerializer
    output_serializer = StudioChannelOutputSerializer
    spec = services.ChannelFields

    def editable(self, request, slug):
        return selectors.channel_get_for_editor(user=request.user, slug=slug)

    def update(self, channel, data):
        return services.channel_update(channel=channel, **data)


class TierInputSerializer(api_serializers.Serializer):
    name = serializers.CharField(max_length=60)
    price_amount = MinorUnitsField(
        min_value=1,
        max_value=settings.MARKETPLACE_MAX_PRICE_MINOR,
        help_text="Monthly price in minor units (990 = 9.90).",
    )
    currency = serializers.ChoiceField(choices=supported_currencies())
    benefits = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)


class StudioTierListApi(_StudioListApi):
    input_serializer = TierInputSerializer
    output_serializer = TierOutputSerializer

    def listed(self, request, slug):
        return selectors.channel_get_for_editor(user=request.user, slug=slug).tiers.all()

    def create(self, request, slug):
        channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
        return services.tier_create(channel=channel, **_validated(request, TierInputSerializer))


class StudioTierDetailApi(_StudioDetailApi):
    input_serializer = TierInputSerializer
    output_serializer = TierOutputSerializer
    spec = services.TierFields

    def editable(self, request, pk):
        return selectors.tier_get_for_editor(user=request.user, pk=pk)

    def update(self, tier, data):
        return services.tier_update(tier=tier, **data)


class StudioCourseOutputSerializer(CourseListOutputSerializer):
    class Meta(CourseListOutputSerializer.Meta):
        fields = (
            *CourseListOutputSerializer.Meta.fields,
            "description",
            "status",
            "created_at",
            "updated_at",
        )


class CourseInputSerializer(api_serializers.Serializer):
    channel = serializers.SlugField(help_text="Slug of one of your channels.")
    title = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=80, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    category = _slug_of(Category.objects.all())
    level = serializers.ChoiceField(choices=Course.Level.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    price_amount = MinorUnitsField(
        min_value=0,
        max_value=settings.MARKETPLACE_MAX_PRICE_MINOR,
        help_text="Price in minor units; 0 is free.",
    )
    currency = serializers.ChoiceField(choices=supported_currencies())
    tags = TagListField()
    status = serializers.ChoiceField(choices=PublicationStatus.choices, required=False)


class StudioCourseListApi(_StudioListApi):
    input_serializer = CourseInputSerializer
    output_serializer = StudioCourseOutputSerializer

    def listed(self, request):
        return (
            Course.objects.filter(channel__creator=request.creator)
            .select_related("channel", "channel__creator", "category")
            .prefetch_related("tags")
        )

    def create(self, request):
        data = _validated(request, CourseInputSerializer)
        # Someone else's channel is reported exactly like a missing one.
        channel = get_object_or_404(request.creator.channels.all(), slug=data.pop("channel"))
        return services.course_create(channel=channel, **data)


class StudioCourseDetailApi(_StudioDetailApi):
    input_serializer = CourseInputSerializer
    output_serializer = StudioCourseOutputSerializer
    spec = services.CourseFields

    def editable(self, request, slug):
        return selectors.course_get_for_editor(user=request.user, slug=slug)

    def update(self, course, data):
        if data.pop("channel", course.channel.slug) != course.channel.slug:
            raise exceptions.ValidationError(
                {"channel": [_("A course cannot move to another channel.")]}
            )
        return services.course_update(course=course, **data)


class StudioChannelPictureApi(PictureApi):
    """The cover of one of the creator's channels."""

    permission_classes = [IsCreator]

    def editable(self, request, slug):
        return selectors.channel_get_for_editor(user=request.user, slug=slug)

    def update(self, channel, user, upload):
        services.listing_cover_update(listing=channel, user=user, upload=upload)


class StudioCoursePictureApi(PictureApi):
    """The cover of one of the creator's courses."""

    permission_classes = [IsCreator]

    def editable(self, request, slug):
        return selectors.course_get_for_editor(user=request.user, slug=slug)

    def update(self, course, user, upload):
        services.listing_cover_update(listing=course, user=user, upload=upload)
