from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path(
        "moderation/report/<int:content_type_id>/<int:object_id>/",
        views.report,
        name="report",
    ),
    path("moderation/appeal/<int:pk>/", views.appeal, name="appeal"),
    path("studio/verification/", views.verification, name="verification"),
    path(
        "moderation/verification-documents/<int:pk>/",
        views.verification_document,
        name="verification_document",
    ),
]
