from django.urls import path

from content import studio_views, views

app_name = "content"

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
    path("studio/content/<str:kind>/<int:pk>/", studio_views.item_edit, name="item_edit"),
    path(
        "studio/content/<str:kind>/<int:pk>/learner-view/",
        studio_views.learner_view,
        name="learner_view",
    ),
    path("studio/content/<str:kind>/<int:pk>/publish/", studio_views.item_publish, name="publish"),
    path(
        "studio/content/<str:kind>/<int:pk>/unpublish/",
        studio_views.item_unpublish,
        name="unpublish",
    ),
    path("studio/content/<str:kind>/<int:pk>/upload/", studio_views.asset_upload, name="upload"),
    path(
        "studio/content/<str:kind>/<int:pk>/revisions/",
        studio_views.revisions,
        name="revisions",
    ),
    path(
        "studio/content/<str:kind>/<int:pk>/revisions/<int:rev>/restore/",
        studio_views.revision_restore,
        name="revision_restore",
    ),
]
