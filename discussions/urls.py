from django.urls import path

from discussions import views

app_name = "discussions"

urlpatterns = [
    path("discussions/<slug:kind>/<int:pk>/new/", views.thread_new, name="thread_new"),
    path("discussions/threads/<int:pk>/", views.thread_detail, name="thread"),
    path("discussions/threads/<int:pk>/edit/", views.thread_edit, name="thread_edit"),
    path("discussions/threads/<int:pk>/delete/", views.thread_delete, name="thread_delete"),
    path(
        "discussions/threads/<int:pk>/pin/", views.thread_flag, {"flag": "pin"}, name="thread_pin"
    ),
    path(
        "discussions/threads/<int:pk>/lock/",
        views.thread_flag,
        {"flag": "lock"},
        name="thread_lock",
    ),
    path("discussions/threads/<int:pk>/reply/", views.reply_create, name="reply_create"),
    path("discussions/replies/<int:pk>/edit/", views.reply_edit, name="reply_edit"),
    path("discussions/replies/<int:pk>/delete/", views.reply_delete, name="reply_delete"),
    path("discussions/likes/<slug:kind>/<int:pk>/", views.like, name="like"),
]
