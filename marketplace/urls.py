from django.urls import path

from marketplace import coupon_views, studio_views, views

app_name = "marketplace"

urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("c/<slug:slug>/", views.channel_detail, name="channel_detail"),
    path("courses/<slug:slug>/", views.course_detail, name="course_detail"),
    path("creators/<slug:slug>/", views.creator_detail, name="creator_detail"),
    # Creator studio
    path("studio/", studio_views.studio, name="studio"),
    *coupon_views.urlpatterns,
    path("studio/become-creator/", studio_views.become_creator, name="become_creator"),
    path("studio/profile/", studio_views.creator_edit, name="creator_edit"),
    path("studio/channels/new/", studio_views.channel_create, name="channel_create"),
    path("studio/channels/<slug:slug>/", studio_views.channel_edit, name="channel_edit"),
    path("studio/channels/<slug:slug>/tiers/new/", studio_views.tier_create, name="tier_create"),
    path("studio/tiers/<int:pk>/", studio_views.tier_edit, name="tier_edit"),
    path("studio/courses/new/", studio_views.course_create, name="course_create"),
    path("studio/courses/<slug:slug>/", studio_views.course_edit, name="course_edit"),
    path(
        "studio/channels/<slug:slug>/cover/",
        studio_views.listing_cover,
        {"kind": "channel"},
        name="channel_cover",
    ),
    path(
        "studio/courses/<slug:slug>/cover/",
        studio_views.listing_cover,
        {"kind": "course"},
        name="course_cover",
    ),
]
