from django.urls import path

from marketplace import api

urlpatterns = [
    # Catalogue (read, public)
    path("categories/", api.CategoryListApi.as_view(), name="api_categories"),
    path("catalogue/channels/", api.CatalogueChannelListApi.as_view(), name="api_channels"),
    path("catalogue/channels/<slug:slug>/", api.ChannelDetailApi.as_view(), name="api_channel"),
    path("catalogue/courses/", api.CatalogueCourseListApi.as_view(), name="api_courses"),
    path("catalogue/courses/<slug:slug>/", api.CourseDetailApi.as_view(), name="api_course"),
    # Creator studio (write, the creator's own objects only)
    path("studio/creator/", api.CreatorApi.as_view(), name="api_studio_creator"),
    path("studio/channels/", api.StudioChannelListApi.as_view(), name="api_studio_channels"),
    path(
        "studio/channels/<slug:slug>/",
        api.StudioChannelDetailApi.as_view(),
        name="api_studio_channel",
    ),
    path(
        "studio/channels/<slug:slug>/tiers/",
        api.StudioTierListApi.as_view(),
        name="api_studio_tiers",
    ),
    path("studio/tiers/<int:pk>/", api.StudioTierDetailApi.as_view(), name="api_studio_tier"),
    path("studio/courses/", api.StudioCourseListApi.as_view(), name="api_studio_courses"),
    path(
        "studio/courses/<slug:slug>/",
        api.StudioCourseDetailApi.as_view(),
        name="api_studio_course",
    ),
]
