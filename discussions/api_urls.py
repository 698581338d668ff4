from django.urls import URLPattern, path
from rest_framework.views import APIView

from discussions import api


def _api(route: str, view: type[APIView], name: str) -> URLPattern:
    """/api/v1/discussions/<route>, named api_discussion_<name>."""
    return path(f"discussions/{route}", view.as_view(), name=f"api_discussion_{name}")


urlpatterns = [
    _api("threads/<int:pk>/", api.ThreadDetailApi, "thread"),
    _api("threads/<int:pk>/replies/", api.ReplyCreateApi, "reply_create"),
    _api("threads/<int:pk>/pin/", api.ThreadPinApi, "thread_pin"),
    _api("threads/<int:pk>/lock/", api.ThreadLockApi, "thread_lock"),
    _api("replies/<int:pk>/", api.ReplyDetailApi, "reply"),
    _api("likes/<slug:kind>/<int:pk>/", api.LikeApi, "like"),
    _api("<slug:kind>/<int:pk>/threads/", api.ThreadListApi, "threads"),
]
