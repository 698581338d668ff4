from django.urls import path, re_path

from community import share_views, views

app_name = "community"

urlpatterns = [
    path("following/", views.following, name="following"),
    path("live/<int:pk>/poster.png", share_views.session_poster, name="session_poster"),
    path("courses/<slug:slug>/poster.png", share_views.course_poster, name="course_poster"),
    path(
        "c/<slug:slug>/schedule.ics",
        share_views.channel_schedule_ics,
        name="channel_schedule",
    ),
    path("c/<slug:slug>/feed.rss", share_views.ChannelFeed(), name="channel_feed"),
    re_path(r"^follow/(?P<kind>creator|channel)/(?P<pk>[0-9]+)/$", views.follow, name="follow"),
]
