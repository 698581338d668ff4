"""The creator studio: become a creator, manage channels, tiers and courses.

Every object is fetched through a `*_get_for_editor` selector, so another creator's
channel, tier or course is a 404 here whatever id or slug is typed.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.money import to_major_units
from core.views import form_page, picture_page
from marketplace import selectors, services
from marketplace.forms import ChannelForm, CourseForm, CreatorProfileForm, TierForm
from marketplace.models import Channel, Course, PublicationStatus
from moderation.selectors import review_state_annotate


def creator_required(view):
    """Logged in and a creator; others are sent to the become-a-creator page."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        creator = selectors.creator_get_for_user(user=request.user)
        if creator is None:
            messages.info(request, _("Set up your creator profile first."))
            return redirect("marketplace:become_creator")
        request.creator = creator
        return view(request, *args, **kwargs)

    return wrapper


def _channel_edit_url(channel):
    return redirect("marketplace:channel_edit", slug=channel.slug)


def _course_edit_url(course):
    return redirect("marketplace:course_edit", slug=course.slug)


@login_required
def become_creator(request):
    if selectors.creator_get_for_user(user=request.user) is not None:
        return redirect("marketplace:studio")
    form = CreatorProfileForm(
        request.POST or None, initial={"display_name": request.user.public_name}
    )
    return form_page(
        request,
        form,
        lambda data: services.creator_become(user=request.user, **data),
        done=_("Welcome, creator! Now create your first channel."),
        then="marketplace:channel_create",
        template="marketplace/studio/become_creator.html",
    )


@creator_required
def studio(request):
    channels = selectors.studio_channels(creator=request.creator)
    review_state_annotate([*channels, *(c for ch in channels for c in ch.courses.all())])
    return render(
        request,
        "marketplace/studio/dashboard.html",
        {"creator": request.creator, "channels": channels},
    )


@creator_required
def creator_edit(request):
    creator = request.creator
    initial = services.fields_current(creator, services.CreatorFields)
    form = CreatorProfileForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda data: services.creator_update(creator=creator, **data),
        done=_("Your creator profile is saved."),
        then="marketplace:studio",
        template="marketplace/studio/creator_form.html",
    )


@creator_required
def channel_create(request):
    form = ChannelForm(request.POST or None, initial={"status": PublicationStatus.DRAFT})
    return form_page(
        request,
        form,
        lambda data: services.channel_create(creator=request.creator, **data),
        done=_("Channel created. Add a subscription tier next."),
        then=_channel_edit_url,
        template="marketplace/studio/channel_form.html",
    )


@creator_required
def channel_edit(request, slug):
    channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
    initial = services.fields_current(channel, services.ChannelFields)
    form = ChannelForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda data: services.channel_update(channel=channel, **data),
        done=_("Channel saved."),
        then=_channel_edit_url,
        template="marketplace/studio/channel_form.html",
        context=lambda: {"channel": channel, "tiers": list(channel.tiers.all())},
    )


@creator_required
def tier_create(request, slug):
    channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
    form = TierForm(request.POST or None, initial={"currency": _default_currency(channel)})
    return form_page(
        request,
        form,
        lambda data: services.tier_create(
            channel=channel, **services.fields_pick(data, services.TierFields)
        ),
        done=lambda tier: _("Tier “%(name)s” added.") % {"name": tier.name},
        then=lambda tier: _channel_edit_url(tier.channel),
        template="marketplace/studio/tier_form.html",
        context=lambda: {"channel": channel},
    )


@creator_required
def tier_edit(request, pk):
    tier = selectors.tier_get_for_editor(user=request.user, pk=pk)
    initial = {
        **services.fields_current(tier, services.TierFields),
        "price": to_major_units(tier.price_amount, tier.currency),
    }
    form = TierForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda data: services.tier_update(
            tier=tier, **services.fields_pick(data, services.TierFields)
        ),
        done=_("Tier saved."),
        then=lambda tier: _channel_edit_url(tier.channel),
        template="marketplace/studio/tier_form.html",
        context=lambda: {"channel": tier.channel, "tier": tier},
    )


@creator_required
def course_create(request):
    channels = request.creator.channels.all()
    if not channels.exists():
        messages.info(request, _("Create a channel first: every course belongs to one."))
        return redirect("marketplace:channel_create")
    initial = {
        "status": PublicationStatus.DRAFT,
        "price": 0,
        "currency": settings.MARKETPLACE_DEFAULT_CURRENCY,
    }
    if request.GET.get("channel"):
        initial["channel"] = channels.filter(slug=request.GET["channel"]).first()
    form = CourseForm(request.POST or None, channels=channels, initial=initial)
    return form_page(
        request,
        form,
        lambda data: services.course_create(
            channel=data["channel"], **services.fields_pick(data, services.CourseFields)
        ),
        done=_("Course created."),
        then=_course_edit_url,
        template="marketplace/studio/course_form.html",
    )


@creator_required
def course_edit(request, slug):
    course = selectors.course_get_for_editor(user=request.user, slug=slug)
    initial = {
        **services.fields_current(course, services.CourseFields),
        "channel": course.channel,
        "price": to_major_units(course.price_amount, course.currency),
    }
    channels = request.creator.channels.all()
    form = CourseForm(request.POST or None, channels=channels, initial=initial)
    # Moving a course to another channel is not offered: its buyers stay with it.
    form.fields["channel"].disabled = True
    return form_page(
        request,
        form,
        lambda data: services.course_update(
            course=course, **services.fields_pick(data, services.CourseFields)
        ),
        done=_("Course saved."),
        then=_course_edit_url,
        template="marketplace/studio/course_form.html",
        context=lambda: {"course": course},
    )


def _default_currency(channel) -> str:
    first = channel.tiers.first()
    return first.currency if first else settings.MARKETPLACE_DEFAULT_CURRENCY


@creator_required
def listing_cover(request, kind, slug):
    """The cover picture of one of the creator's channels or courses."""
    listing: Channel | Course = (
        selectors.channel_get_for_editor(user=request.user, slug=slug)
        if kind == "channel"
        else selectors.course_get_for_editor(user=request.user, slug=slug)
    )
    return picture_page(
        request,
        update=lambda upload: services.listing_cover_update(
            listing=listing, user=request.user, upload=upload
        ),
        current=listing.cover,
        rendition="card",
        name=listing.title,
        heading=_("Cover picture of “%(title)s”") % {"title": listing.title},
        back=reverse(f"marketplace:{kind}_edit", kwargs={"slug": slug}),
    )
