from django.urls import path

from payments import views, webhooks

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
    path("earnings/", views.earnings, name="earnings"),
    path("c/<slug:slug>/tip/", views.tip, name="tip"),
    path("c/<slug:slug>/subscribe/<int:tier_pk>/", views.subscribe, name="subscribe"),
    path("subscriptions/<int:pk>/cancel/", views.subscription_cancel, name="subscription_cancel"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("courses/<slug:slug>/buy/", views.buy_course, name="buy_course"),
    path("courses/<slug:slug>/buy/card/", views.course_card_checkout, name="course_card"),
    path("live/<int:pk>/ticket/card/", views.session_card_checkout, name="session_card"),
]
