from django.urls import path

from search import api, views

app_name = "search"
urlpatterns = [
    path("search/", views.search, name="search"),
]
api_urlpatterns = [
    path("search/", api.SearchApi.as_view(), name="api_search"),
]
