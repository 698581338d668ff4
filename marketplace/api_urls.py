from django.urls import path

from core.urls import list_and_detail
from marketplace import api

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
    path(
        "studio/channels/<slug:slug>/picture/",
        api.StudioChannelPictureApi.as_view(),
        name="api_studio_channel_picture",
    ),
    path("studio/tiers/<int:pk>/", api.StudioTierDetailApi.as_view(), name="api_studio_tier"),
    *list_and_detail(
        "studio/courses/", "api_studio_course", api.StudioCourseListApi, api.StudioCourseDetailApi
    ),
    path(
        "studio/courses/<slug:slug>/picture/",
        api.StudioCoursePictureApi.as_view(),
        name="api_studio_course_picture",
    ),
]
