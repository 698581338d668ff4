from django.urls import path

from moderation import api

urlpatterns = [
    path("moderation/reports/", api.ReportApi.as_view(), name="api_moderation_report"),
]
