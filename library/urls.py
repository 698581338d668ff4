from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("learning/", views.library, name="library"),
    path("learning/calendar/reset/", views.calendar_feed_reset, name="calendar_feed_reset"),
    path("learning/calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("live/<int:pk>/calendar.ics", views.session_ics, name="session_ics"),
]
