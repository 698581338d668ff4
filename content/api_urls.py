from django.urls import path

from content import api
from core.urls import list_and_detail

urlpatterns = [
    *list_and_detail(
        "content/lessons/", "api_content_lesson", api.LessonListApi, api.LessonDetailApi, "<int:pk>"
    ),
    path("content/lessons/<int:pk>/done/", api.LessonDoneApi.as_view(), name="api_content_done"),
    *list_and_detail(
        "content/articles/",
        "api_content_article",
        api.ArticleListApi,
        api.ArticleDetailApi,
        "<int:pk>",
    ),
    path(
        "content/progress/<slug:slug>/",
        api.CourseProgressApi.as_view(),
        name="api_content_progress",
    ),
]
