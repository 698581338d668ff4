from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from config.health import healthz
from content.sitemaps import SITEMAPS
from marketplace.views import home

admin.site.site_header = "Zhiliao admin"
admin.site.site_title = "Zhiliao admin"


def _pages(*apps: str) -> list[URLResolver]:
    """The apps' pages, at the root of the site."""
    return [path("", include(f"{app}.urls")) for app in apps]


def _apis(*apps: str) -> list[URLResolver]:
    """The apps' REST endpoints, under /api/v1/."""
    return [path("api/v1/", include(f"{app}.api_urls")) for app in apps]


# The order decides which of two matching routes wins: keep it.
urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="home"),
    *_pages("marketplace", "payments", "livestream", "discussions", "qa", "moderation"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    *_pages("recommend"),  # recommend: watch, click, personalisation, staff
    path("admin/", admin.site.urls),
    *_apis("marketplace", "payments", "livestream", "discussions", "qa", "moderation", "recommend"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
    path("healthz/", healthz, name="healthz"),
    # --- content: lessons, articles, studio pages, API, sitemap ---
    *_pages("content"),
    *_apis("content"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
