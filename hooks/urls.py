from django.urls import path

from hooks import views

app_name = "hooks"

urlpatterns = [
    path("studio/webhooks/", views.endpoints, name="endpoints"),
    path("studio/webhooks/<int:pk>/", views.endpoint, name="endpoint"),
    path("studio/webhooks/<int:pk>/test/", views.endpoint_test, name="endpoint_test"),
    path("studio/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("studio/webhooks/<int:pk>/active/", views.endpoint_active, name="endpoint_active"),
    path("studio/webhooks/<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path(
        "studio/webhooks/deliveries/<int:pk>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]
