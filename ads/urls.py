from django.urls import path

from ads import views

app_name = "ads"

urlpatterns = [
    path("sponsored/<int:pk>/seen/", views.seen, name="seen"),
    path("sponsored/<int:pk>/go/", views.go, name="go"),
    path("studio/campaigns/", views.campaigns, name="campaigns"),
    path("studio/campaigns/<int:pk>/", views.campaign, name="campaign"),
]
