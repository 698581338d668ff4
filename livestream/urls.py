from django.urls import path

from livestream import views

app_name = "livestream"

urlpatterns = [
    path("live/<int:pk>/", views.session_detail, name="session_detail"),
    path("live/<int:pk>/ticket/", views.buy_ticket, name="buy_ticket"),
]
