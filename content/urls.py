from collections.abc import Callable

from django.http import HttpResponse
from django.urls import URLPattern, path

from content import studio_views, views

app_name = "content"


def _studio_item(route: str, view: Callable[..., HttpResponse], name: str) -> URLPattern:
    """A creator's page of one lesson or article: the same address shape for both,
    /studio/content/<lesson|article>/<pk>/<route>."""
    return path(f"studio/content/<str:kind>/<int:pk>/{route}", view, name=name)


urlpatterns = [
    path("courses/<slug:course>/lessons/<slug:slug>/", views.lesson_detail, name="lesson_detail"),
    path("c/<slug:channel>/articles/<slug:slug>/", views.article_detail, name="article_detail"),
    path("content/files/<str:key>/", views.asset_download, name="asset_download"),
    path("media/content/img/<path:path>", views.public_image, name="public_image"),
    path("content/lessons/<int:pk>/done/", views.lesson_mark_done, name="lesson_mark_done"),
    path("content/lessons/<int:pk>/position/", views.lesson_position, name="lesson_position"),
    # Creator studio
    path("studio/content/", studio_views.content_list, name="studio_list"),
    path("studio/content/lessons/new/", studio_views.lesson_create, name="lesson_create"),
    path("studio/content/articles/new/", studio_views.article_create, name="article_create"),
    path(
        "studio/content/courses/<slug:slug>/sections/new/",
        studio_views.section_create,
        name="section_create",
    ),
    path("studio/content/preview/", studio_views.preview, name="preview"),
    _studio_item("", studio_views.item_edit, "item_edit"),
    _studio_item("learner-view/", studio_views.learner_view, "learner_view"),
    _studio_item("publish/", studio_views.item_publish, "publish"),
    _studio_item("unpublish/", studio_views.item_unpublish, "unpublish"),
    _studio_item("upload/", studio_views.asset_upload, "upload"),
    _studio_item("revisions/", studio_views.revisions, "revisions"),
    _studio_item("revisions/<int:rev>/restore/", studio_views.revision_restore, "revision_restore"),
]
