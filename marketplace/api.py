"""REST API: the public catalogue (read) and the creator studio (write).

One view per resource and operation, each with small nested input/output
serializers. Writes go through marketplace.services; reads through selectors, so
the API and the web pages enforce the same rules and permissions.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.money import supported_currencies
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


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ("slug", "name", "name_en", "name_zh")


class CreatorBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreatorProfile
        fields = ("slug", "display_name", "headline", "is_verified")


class TierOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubscriptionTier
        fields = ("id", "name", "price_amount", "currency", "benefits", "is_active")


def _slug_of(queryset: QuerySet[Category] | None = None) -> serializers.SlugRelatedField[Any]:
    """A related object shown (and, with a queryset, chosen) by its slug."""
    if queryset is None:
        return serializers.SlugRelatedField(slug_field="slug", read_only=True)
    return serializers.SlugRelatedField(slug_field="slug", queryset=queryset)


class TaggedOutputSerializer(serializers.ModelSerializer):
    """A channel or course with its category slug and its tag names."""

    category = _slug_of()
    tags = serializers.SerializerMethodField()

    def get_tags(self, obj: Channel | Course) -> list[str]:
        return services.tag_names(obj)


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
            fields = (
                "slug",
                "title",
                "tagline",
                "description",
                "category",
                "tags",
                "language",
                "status",
                "creator",
                "tiers",
                "courses",
                "published_at",
            )

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

    class CreatorInputSerializer(serializers.Serializer):
        display_name = serializers.CharField(max_length=60)
        headline = serializers.CharField(max_length=120, required=False, allow_blank=True)
        bio = serializers.CharField(max_length=3000, required=False, allow_blank=True)
        topics = TagListField()

    class CreatorOutputSerializer(serializers.ModelSerializer):
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
        fields = (
            "slug",
            "title",
            "tagline",
            "description",
            "category",
            "tags",
            "language",
            "status",
            "created_at",
            "updated_at",
            "published_at",
        )


class ChannelInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=80, required=False, allow_blank=True)
    tagline = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    category = _slug_of(Category.objects.all())
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    tags = TagListField()
    status = serializers.ChoiceField(choices=PublicationStatus.choices, required=False)


class StudioChannelListApi(APIView):
    permission_classes = [IsCreator]

    @extend_schema(responses=StudioChannelOutputSerializer(many=True), tags=["studio"])
    def get(self, request):
        channels = request.creator.channels.select_related("category").prefetch_related("tags")
        return Response(StudioChannelOutputSerializer(channels, many=True).data)

    @extend_schema(
        request=ChannelInputSerializer,
        responses={201: StudioChannelOutputSerializer},
        tags=["studio"],
    )
    def post(self, request):
        data = _validated(request, ChannelInputSerializer)
        channel = services.channel_create(creator=request.creator, **data)
        return Response(StudioChannelOutputSerializer(channel).data, status=status.HTTP_201_CREATED)


class StudioChannelDetailApi(APIView):
    permission_classes = [IsCreator]

    @extend_schema(responses=StudioChannelOutputSerializer, tags=["studio"])
    def get(self, request, slug):
        channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
        return Response(StudioChannelOutputSerializer(channel).data)

    @extend_schema(
        request=ChannelInputSerializer, responses=StudioChannelOutputSerializer, tags=["studio"]
    )
    def patch(self, request, slug):
        channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
        current = services.fields_current(channel, services.ChannelFields)
        data = _patched(request, ChannelInputSerializer, current)
        channel = services.channel_update(channel=channel, **data)
        return Response(StudioChannelOutputSerializer(channel).data)


class TierInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    price_amount = serializers.IntegerField(
        min_value=1,
        max_value=settings.MARKETPLACE_MAX_PRICE_MINOR,
        help_text="Monthly price in minor units (990 = 9.90).",
    )
    currency = serializers.ChoiceField(choices=supported_currencies())
    benefits = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)


class StudioTierListApi(APIView):
    permission_classes = [IsCreator]

    @extend_schema(responses=TierOutputSerializer(many=True), tags=["studio"])
    def get(self, request, slug):
        channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
        return Response(TierOutputSerializer(channel.tiers.all(), many=True).data)

    @extend_schema(
        request=TierInputSerializer, responses={201: TierOutputSerializer}, tags=["studio"]
    )
    def post(self, request, slug):
        channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
        data = _validated(request, TierInputSerializer)
        tier = services.tier_create(channel=channel, **data)
        return Response(TierOutputSerializer(tier).data, status=status.HTTP_201_CREATED)


class StudioTierDetailApi(APIView):
    permission_classes = [IsCreator]

    @extend_schema(responses=TierOutputSerializer, tags=["studio"])
    def get(self, request, pk):
        return Response(
            TierOutputSerializer(selectors.tier_get_for_editor(user=request.user, pk=pk)).data
        )

    @extend_schema(request=TierInputSerializer, responses=TierOutputSerializer, tags=["studio"])
    def patch(self, request, pk):
        tier = selectors.tier_get_for_editor(user=request.user, pk=pk)
        current = services.fields_current(tier, services.TierFields)
        tier = services.tier_update(tier=tier, **_patched(request, TierInputSerializer, current))
        return Response(TierOutputSerializer(tier).data)


class StudioCourseOutputSerializer(CourseListOutputSerializer):
    class Meta(CourseListOutputSerializer.Meta):
        fields = (
            *CourseListOutputSerializer.Meta.fields,
            "description",
            "status",
            "created_at",
            "updated_at",
        )


class CourseInputSerializer(serializers.Serializer):
    channel = serializers.SlugField(help_text="Slug of one of your channels.")
    title = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=80, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    category = _slug_of(Category.objects.all())
    level = serializers.ChoiceField(choices=Course.Level.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    price_amount = serializers.IntegerField(
        min_value=0,
        max_value=settings.MARKETPLACE_MAX_PRICE_MINOR,
        help_text="Price in minor units; 0 is free.",
    )
    currency = serializers.ChoiceField(choices=supported_currencies())
    tags = TagListField()
    status = serializers.ChoiceField(choices=PublicationStatus.choices, required=False)


class StudioCourseListApi(APIView):
    permission_classes = [IsCreator]

    def _courses(self, request):
        return (
            Course.objects.filter(channel__creator=request.creator)
            .select_related("channel", "channel__creator", "category")
            .prefetch_related("tags")
        )

    @extend_schema(responses=StudioCourseOutputSerializer(many=True), tags=["studio"])
    def get(self, request):
        return Response(StudioCourseOutputSerializer(self._courses(request), many=True).data)

    @extend_schema(
        request=CourseInputSerializer,
        responses={201: StudioCourseOutputSerializer},
        tags=["studio"],
    )
    def post(self, request):
        data = _validated(request, CourseInputSerializer)
        # Someone else's channel is reported exactly like a missing one.
        channel = get_object_or_404(request.creator.channels.all(), slug=data.pop("channel"))
        course = services.course_create(channel=channel, **data)
        return Response(StudioCourseOutputSerializer(course).data, status=status.HTTP_201_CREATED)


class StudioCourseDetailApi(APIView):
    permission_classes = [IsCreator]

    @extend_schema(responses=StudioCourseOutputSerializer, tags=["studio"])
    def get(self, request, slug):
        course = selectors.course_get_for_editor(user=request.user, slug=slug)
        return Response(StudioCourseOutputSerializer(course).data)

    @extend_schema(
        request=CourseInputSerializer, responses=StudioCourseOutputSerializer, tags=["studio"]
    )
    def patch(self, request, slug):
        course = selectors.course_get_for_editor(user=request.user, slug=slug)
        current = services.fields_current(course, services.CourseFields)
        data = _patched(request, CourseInputSerializer, current)
        if data.pop("channel", course.channel.slug) != course.channel.slug:
            raise exceptions.ValidationError(
                {"channel": [_("A course cannot move to another channel.")]}
            )
        course = services.course_update(course=course, **data)
        return Response(StudioCourseOutputSerializer(course).data)
