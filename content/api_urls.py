from django.urls import URLPattern, path
from rest_framework.views import APIView

from content import api


def _listed(
    plural: str, one: str, list_api: type[APIView], detail_api: type[APIView]
) -> list[URLPattern]:
    """The list and the detail endpoint of lessons or articles (the same shape)."""
    return [
        path(f"content/{plural}/", list_api.as_view(), name=f"api_content_{plural}"),
        path(f"content/{plural}/<int:pk>/", detail_api.as_view(), name=f"api_content_{one}"),
    ]


urlpatterns = [
    *_listed("lessons", "lesson", api.LessonListApi, api.LessonDetailApi),
    path("content/lessons/<int:pk>/done/", api.LessonDoneApi.as_view(), name="api_content_done"),
    *_listed("articles", "article", api.ArticleListApi, api.ArticleDetailApi),
    path(
        "content/progress/<slug:slug>/",
        api.CourseProgressApi.as_view(),
        name="api_content_progress",
    ),
]
