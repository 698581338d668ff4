from django.urls import path

from discussions import api

urlpatterns = [
    path(
        "discussions/threads/<int:pk>/", api.ThreadDetailApi.as_view(), name="api_discussion_thread"
    ),
    path(
        "discussions/threads/<int:pk>/replies/",
        api.ReplyCreateApi.as_view(),
        name="api_discussion_reply_create",
    ),
    path(
        "discussions/threads/<int:pk>/pin/",
        api.ThreadPinApi.as_view(),
        name="api_discussion_thread_pin",
    ),
    path(
        "discussions/threads/<int:pk>/lock/",
        api.ThreadLockApi.as_view(),
        name="api_discussion_thread_lock",
    ),
    path(
        "discussions/replies/<int:pk>/", api.ReplyDetailApi.as_view(), name="api_discussion_reply"
    ),
    path(
        "discussions/likes/<slug:kind>/<int:pk>/", api.LikeApi.as_view(), name="api_discussion_like"
    ),
    path(
        "discussions/<slug:kind>/<int:pk>/threads/",
        api.ThreadListApi.as_view(),
        name="api_discussion_threads",
    ),
]
