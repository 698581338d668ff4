from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts import api as accounts_api
from config.health import healthz
from content.sitemaps import SITEMAPS
from core.views import public_picture
from livestream import urls as livestream_urls
from marketplace import purchase_api, purchase_views
from marketplace.views import home
from payments import urls as payment_urls
from search import urls as search_urls

# JSON under /api/ (core.views.not_found), the site's page elsewhere.
handler404 = "core.views.not_found"

admin.site.site_header = "Zhiliao admin"
admin.site.site_title = "Zhiliao admin"

urlpatterns = [
    path("", home, name="home"),
    path("", include("marketplace.urls")),
    # One "payments" namespace for the money pages, wherever they live: the selling
    # pages moved to marketplace and livestream, their names and paths did not.
    path(
        "",
        include(
            (
                payment_urls.urlpatterns
                + purchase_views.urlpatterns
                + livestream_urls.payment_urlpatterns,
                payment_urls.app_name,
            )
        ),
    ),
    path("", include("livestream.urls")),
    path("", include("discussions.urls")),
    path("", include("qa.urls")),
    path("", include("moderation.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("recommend.urls")),  # recommend: watch, click, personalisation, staff
    path("", include("assistant.urls")),  # assistant: help centre, support tickets
    path("", include("rewards.urls")),  # rewards: points, check-in, invites
    path("", include("community.urls")),  # community: following and its feed
    path("", include("ads.urls")),  # ads: campaigns, impression and click beacons
    path("", include("library.urls")),  # library: My learning, calendar files and feed
    path("", include("search.urls")),  # search: the header's search box, all kinds
    path("api/v1/", include(search_urls.api_urlpatterns)),  # GET /api/v1/search/
    path("admin/", admin.site.urls),
    path("api/v1/", include("marketplace.api_urls")),
    path("api/v1/", include("payments.api_urls")),
    path("api/v1/", include(purchase_api.urlpatterns)),  # buying and tipping (marketplace)
    path("api/v1/", include("livestream.api_urls")),
    path("api/v1/", include("discussions.api_urls")),
    path("api/v1/", include("qa.api_urls")),
    path("api/v1/", include("moderation.api_urls")),
    path("api/v1/", include("recommend.api_urls")),
    path("api/v1/", include("assistant.api_urls")),
    path("api/v1/", include(accounts_api.urlpatterns)),  # personal API tokens
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script
    # for the Content-Security-Policy to refuse).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
    path("healthz/", healthz, name="healthz"),
    path("media/pictures/<path:path>", public_picture, name="public_picture"),
    # --- content: lessons, articles, studio pages, API, sitemap ---
    path("", include("content.urls")),
    path("api/v1/", include("content.api_urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
