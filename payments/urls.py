from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/top-up/", views.top_up, name="top_up"),
    path("wallet/top-up/<int:pk>/", views.top_up_pay, name="top_up_pay"),
    path("earnings/", views.earnings, name="earnings"),
    path("c/<slug:slug>/tip/", views.tip, name="tip"),
    path("courses/<slug:slug>/buy/", views.buy_course, name="buy_course"),
]
