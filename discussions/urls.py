from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, path

from discussions import views

app_name = "discussions"


def _page(route: str, view: Callable[..., HttpResponse], name: str, **kwargs: Any) -> URLPattern:
    """/discussions/<route>; `kwargs` go to the view."""
    return path(f"discussions/{route}", view, kwargs, name=name)


urlpatterns = [
    _page("<slug:kind>/<int:pk>/new/", views.thread_new, "thread_new"),
    _page("threads/<int:pk>/", views.thread_detail, "thread"),
    _page("threads/<int:pk>/edit/", views.thread_edit, "thread_edit"),
    _page("threads/<int:pk>/delete/", views.thread_delete, "thread_delete"),
    _page("threads/<int:pk>/pin/", views.thread_flag, "thread_pin", flag="pin"),
    _page("threads/<int:pk>/lock/", views.thread_flag, "thread_lock", flag="lock"),
    _page("threads/<int:pk>/reply/", views.reply_create, "reply_create"),
    _page("replies/<int:pk>/edit/", views.reply_edit, "reply_edit"),
    _page("replies/<int:pk>/delete/", views.reply_delete, "reply_delete"),
    _page("likes/<slug:kind>/<int:pk>/", views.like, "like"),
]
