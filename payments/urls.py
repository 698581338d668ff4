from django.urls import path

from payments import subscription_views, views, webhooks

app_name = "payments"

urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/top-up/", views.top_up, name="top_up"),
    path("wallet/top-up/<int:pk>/", views.top_up_pay, name="top_up_pay"),
    path(
        "payments/authenticate/<str:payment_intent_id>/",
        views.authenticate,
        name="authenticate",
    ),
    path("payments/pay/<str:payment_intent_id>/", views.off_site, name="off_site"),
    path(
        "payments/pay/<str:payment_intent_id>/status/",
        views.off_site_status,
        name="off_site_status",
    ),
    path(
        "payments/pay/<str:payment_intent_id>/cancel/",
        views.off_site_cancel,
        name="off_site_cancel",
    ),
    path("payments/return/", views.off_site_return, name="off_site_return"),
    path("earnings/", views.earnings, name="earnings"),
    path("receipts/", views.receipts, name="receipts"),
    path("receipts/<str:key>/", views.receipt, name="receipt"),
    path("receipts/<str:key>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("earnings/stripe/", views.connect_onboard, name="connect_onboard"),
    path("earnings/stripe/return/", views.connect_return, name="connect_return"),
    path("earnings/stripe/refresh/", views.connect_refresh, name="connect_refresh"),
    path("subscriptions/<int:pk>/cancel/", views.subscription_cancel, name="subscription_cancel"),
    path(
        "subscriptions/<int:pk>/fix/",
        subscription_views.subscription_fix,
        name="subscription_fix",
    ),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
