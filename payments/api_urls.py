from django.urls import path

from payments import api

urlpatterns = [
    path("wallet/", api.WalletApi.as_view(), name="api_wallet"),
    path("wallet/top-ups/", api.TopUpListApi.as_view(), name="api_top_ups"),
    path("wallet/top-ups/<int:pk>/pay/", api.TopUpPayApi.as_view(), name="api_top_up_pay"),
    path("earnings/", api.EarningsApi.as_view(), name="api_earnings"),
    path("payouts/", api.PayoutApi.as_view(), name="api_payouts"),
]
