"""The project's URLs plus the benchmark's reference view (benchmark settings only)."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from marketplace.models import Category


def bare(request, pk):
    """The floor for a Django view on this stack: one primary-key query, JSON out."""
    return JsonResponse(get_object_or_404(Category.objects.values("slug", "name_en"), pk=pk))


urlpatterns = [
    *project_urlpatterns,
    path("bench/bare/<int:pk>/", bare, name="bench_bare"),
]
