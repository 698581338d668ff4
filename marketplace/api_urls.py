from django.urls import URLPattern, path
from rest_framework.views import APIView

from marketplace import api


def list_and_detail(
    route: str,
    name: str,
    list_api: type[APIView],
    detail_api: type[APIView],
    lookup: str = "<slug:slug>",
) -> list[URLPattern]:
    """`route` lists a kind (named `name` + "s"), `route<lookup>/` is one (named `name`).
    Content's lessons and articles have the same pair."""
    return [
        path(route, list_api.as_view(), name=f"{name}s"),
        path(f"{route}{lookup}/", detail_api.as_view(), name=name),
    ]


urlpatterns = [
    # Catalogue (read, public)
    path("categories/", api.CategoryListApi.as_view(), name="api_categories"),
    *list_and_detail(
        "catalogue/channels/", "api_channel", api.CatalogueChannelListApi, api.ChannelDetailApi
    ),
    *list_and_detail(
        "catalogue/courses/", "api_course", api.CatalogueCourseListApi, api.CourseDetailApi
    ),
    # Creator studio (write, the creator's own objects only)
    path("studio/creator/", api.CreatorApi.as_view(), name="api_studio_creator"),
    *list_and_detail(
        "studio/channels/",
        "api_studio_channel",
        api.StudioChannelListApi,
        api.StudioChannelDetailApi,
    ),
    path(
        "studio/channels/<slug:slug>/tiers/",
        api.StudioTierListApi.as_view(),
        name="api_studio_tiers",
    ),
    path("studio/tiers/<int:pk>/", api.StudioTierDetailApi.as_view(), name="api_studio_tier"),
    *list_and_detail(
        "studio/courses/", "api_studio_course", api.StudioCourseListApi, api.StudioCourseDetailApi
    ),
]
