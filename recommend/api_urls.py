from django.urls import path

from recommend import api

urlpatterns = [
    path("recommendations/", api.RecommendationsApi.as_view(), name="api_recommendations"),
    path(
        "recommendations/similar/<str:kind>/<int:pk>/",
        api.SimilarApi.as_view(),
        name="api_recommendations_similar",
    ),
]
