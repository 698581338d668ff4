"""Public pages: home, catalogue, channel, course and creator pages."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core import events
from marketplace import catalogue_cache, holdings, listings, purchases, selectors
from marketplace.forms import CatalogueFilterForm
from marketplace.models import Channel, Course
from payments import selectors as payment_selectors
from payments.forms import tip_form


def _viewed(request: HttpRequest, obj: Model) -> None:
    """A signed-in user opened the page of `obj`: an interest signal (anonymous views
    store nothing)."""
    if request.user.is_authenticated:
        events.send_on_commit(
            events.Engaged.about(user_id=request.user.pk, kind="view", obj=obj, request=request)
        )


def home(request):
    context = selectors.home_page_sections()
    context["creator"] = selectors.creator_get_for_user(user=request.user)
    return render(request, "marketplace/home.html", context)


def catalogue(request):
    """The catalogue: the same for everyone with the same query, so it is cached."""
    kind = "courses" if request.GET.get("kind") == "courses" else "channels"
    cache_key = catalogue_cache.key("page", request.GET)
    body = catalogue_cache.get(cache_key)
    context = {"kind": kind}
    if body is None:
        context.update(_catalogue_context(request))
        body = render_to_string("marketplace/includes/catalogue_body.html", context, request)
        catalogue_cache.put(cache_key, body)
    return render(request, "marketplace/catalogue.html", {**context, "body": mark_safe(body)})  # noqa: S308 - our own rendered template


def _catalogue_context(request) -> dict:
    form = CatalogueFilterForm(request.GET or None)
    form.is_valid()  # invalid fields are shown beside the filters and left out
    filters = form.to_filters()
    items: QuerySet[Course] | QuerySet[Channel] = (
        selectors.catalogue_courses(filters=filters)
        if form.kind_value == "courses"
        else selectors.catalogue_channels(filters=filters)
    )
    page = Paginator(items, settings.CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    # Live and upcoming sessions head the first page only.
    sessions = (
        listings.listing(listings.CATALOGUE_SESSIONS, filters=filters) if page.number == 1 else []
    )
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "form": form,
        "filters": filters,
        "kind": form.kind_value,
        "page": page,
        "sessions": sessions,
        "query": query.urlencode(),
        **selectors.catalogue_facets(),
    }


def channel_detail(request, slug):
    channel = selectors.channel_get_for_user(slug=slug, user=request.user)
    _viewed(request, channel)
    context = selectors.channel_page(channel=channel, user=request.user)
    currency = context["tiers"][0].currency if context["tiers"] else None
    context["tip_form"] = tip_form(currency=currency or settings.MARKETPLACE_DEFAULT_CURRENCY)
    context["subscription"] = payment_selectors.subscription_for_channel(
        user=request.user, channel_id=channel.pk
    )
    return render(request, "marketplace/channel_detail.html", {"channel": channel, **context})


def course_detail(request, slug):
    course = selectors.course_get_for_user(slug=slug, user=request.user)
    _viewed(request, course)
    is_owner = request.user.is_authenticated and course.channel.creator.user_id == request.user.pk
    # A ticket, or a subscription to the course's channel: the course is "Open".
    has_access = holdings.course_follow_check(user=request.user, course=course)
    on_sale = not course.is_free and course.is_published
    # A share link (?code=SPRING20) applies its code at checkout.
    code = request.GET.get("code", "") if on_sale else ""
    coupon = purchases.checkout_price(buyer=request.user, code=code, course=course)
    shortfall = None
    if on_sale and request.user.is_authenticated and not (has_access or is_owner):
        to_pay = coupon.to_pay if coupon is not None and not coupon.error else course.price_amount
        shortfall = purchases.wallet_shortfall(
            buyer=request.user, amount=to_pay, currency=course.currency
        )
    return render(
        request,
        "marketplace/course_detail.html",
        {
            "course": course,
            "is_owner": is_owner,
            "has_access": has_access,
            "coupon": coupon,
            "shortfall": shortfall,
        },
    )


def creator_detail(request, slug):
    creator = selectors.creator_get_public(slug=slug)
    return render(request, "marketplace/creator_detail.html", {"creator": creator})
