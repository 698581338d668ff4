"""The search page: every kind at once ("all", a few of each), or one kind's tab with
pages. The tabs keep the query."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from search import selectors


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.MAX_QUERY].strip()
    kind = request.GET.get("kind", "")
    kind = kind if kind in selectors.KINDS else ""
    context: dict = {"query": query, "kind": kind, "kinds": selectors.KINDS}
    if kind:
        page_number = _page_number(request.GET.get("page"))
        found = selectors.search_page(
            query=query, kind=kind, page=page_number, per_page=settings.SEARCH_PAGE_SIZE
        )
        pages = Paginator(range(found["count"]), settings.SEARCH_PAGE_SIZE)
        context |= {
            "terms": found["terms"],
            "hits": found["hits"],
            "count": found["count"],
            "page": pages.get_page(page_number),
        }
    else:
        found = selectors.search(query=query, limit=settings.SEARCH_ALL_PER_KIND)
        context |= {
            "terms": found["terms"],
            "groups": [
                (selectors.KINDS[key], found["counts"][key], hits)
                for key, hits in found["hits"].items()
                if hits
            ],
            "count": sum(found["counts"].values()),
        }
    return render(request, "search/search.html", context)


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 1000))
    except ValueError:
        return 1
