from django.urls import path, re_path

from community import views

app_name = "community"

urlpatterns = [
    path("following/", views.following, name="following"),
    re_path(r"^follow/(?P<kind>creator|channel)/(?P<pk>[0-9]+)/$", views.follow, name="follow"),
]
