"""URL helpers several apps share."""

from django.urls import URLPattern, path
from rest_framework.views import APIView


def list_and_detail(
    route: str,
    name: str,
    list_api: type[APIView],
    detail_api: type[APIView],
    lookup: str = "<slug:slug>",
) -> list[URLPattern]:
    """`route` lists a kind (named `name` + "s"), `route<lookup>/` is one (named `name`):
    the catalogue's channels and courses, the studio's, content's lessons and articles."""
    return [
        path(route, list_api.as_view(), name=f"{name}s"),
        path(f"{route}{lookup}/", detail_api.as_view(), name=name),
    ]
