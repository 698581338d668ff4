from django.urls import path

from recommend import channel_views, views

app_name = "recommend"

urlpatterns = [
    path("recommend/watch/", views.watch_report, name="watch"),
    path("recommend/click/", views.click, name="click"),
    path("accounts/personalisation/", views.personalisation, name="personalisation"),
    path("accounts/interests/", views.interests, name="interests"),
    path("recommend/start/", views.topics_start, name="start"),
    path("recommend/not-interested/", views.not_interested, name="not_interested"),
    path("studio/audience/", views.audience, name="audience"),
    path("studio/sessions/<int:pk>/analytics/", views.session_analytics_page,
         name="session_analytics"),
    path("studio/channels/<slug:slug>/analytics/", channel_views.channel_analytics_page,
         name="channel_analytics"),
    path("staff/recommendations/", views.staff_dashboard, name="staff"),
]  # fmt: skip
