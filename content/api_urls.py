from django.urls import path

from content import api

urlpatterns = [
    path("content/lessons/", api.LessonListApi.as_view(), name="api_content_lessons"),
    path("content/lessons/<int:pk>/", api.LessonDetailApi.as_view(), name="api_content_lesson"),
    path("content/lessons/<int:pk>/done/", api.LessonDoneApi.as_view(), name="api_content_done"),
    path("content/articles/", api.ArticleListApi.as_view(), name="api_content_articles"),
    path("content/articles/<int:pk>/", api.ArticleDetailApi.as_view(), name="api_content_article"),
    path(
        "content/progress/<slug:slug>/",
        api.CourseProgressApi.as_view(),
        name="api_content_progress",
    ),
]
