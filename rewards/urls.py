from django.urls import path

from rewards import views

app_name = "rewards"

urlpatterns = [
    path("points/", views.points, name="points"),
    path("points/check-in/", views.check_in, name="check_in"),
    path("points/catalogue/<int:pk>/", views.catalogue_buy, name="catalogue_buy"),
    path("coupons/", views.coupon_wallet, name="coupon_wallet"),
    path("invite/", views.invite, name="invite"),
    path("invite/<str:code>/", views.invite_landing, name="invite_landing"),
]
