from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/avatar/", views.avatar, name="avatar"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/unread/", views.notifications_unread, name="notifications_unread"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/export/", views.export_request, name="export_request"),
    path("privacy/export/<int:pk>/download/", views.export_download, name="export_download"),
    path("privacy/delete/", views.deletion_request, name="deletion_request"),
    path("privacy/delete/cancel/", views.deletion_cancel, name="deletion_cancel"),
]
