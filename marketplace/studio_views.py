"""The creator studio: become a creator, manage channels, tiers and courses.

Every object is fetched through a `*_get_for_editor` selector, so another creator's
channel, tier or course is a 404 here whatever id or slug is typed.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.forms import apply_service_errors
from core.money import to_major_units
from marketplace import selectors, services
from marketplace.forms import ChannelForm, CourseForm, CreatorProfileForm, TierForm
from marketplace.models import PublicationStatus
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


def _run_service(form, service, **kwargs):
    """Call a write service; on a rule violation put its messages on the form."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None


@login_required
def become_creator(request):
    if selectors.creator_get_for_user(user=request.user) is not None:
        return redirect("marketplace:studio")
    form = CreatorProfileForm(
        request.POST or None, initial={"display_name": request.user.public_name}
    )
    if request.method == "POST" and form.is_valid():
        creator = _run_service(
            form, services.creator_become, user=request.user, **form.cleaned_data
        )
        if creator is not None:
            messages.success(request, _("Welcome, creator! Now create your first channel."))
            return redirect("marketplace:channel_create")
    return render(request, "marketplace/studio/become_creator.html", {"form": form})


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
    if request.method == "POST" and form.is_valid():
        if _run_service(form, services.creator_update, creator=creator, **form.cleaned_data):
            messages.success(request, _("Your creator profile is saved."))
            return redirect("marketplace:studio")
    return render(request, "marketplace/studio/creator_form.html", {"form": form})


@creator_required
def channel_create(request):
    form = ChannelForm(request.POST or None, initial={"status": PublicationStatus.DRAFT})
    if request.method == "POST" and form.is_valid():
        channel = _run_service(
            form, services.channel_create, creator=request.creator, **form.cleaned_data
        )
        if channel is not None:
            messages.success(request, _("Channel created. Add a subscription tier next."))
            return redirect("marketplace:channel_edit", slug=channel.slug)
    return render(request, "marketplace/studio/channel_form.html", {"form": form})


@creator_required
def channel_edit(request, slug):
    channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
    initial = services.fields_current(channel, services.ChannelFields)
    form = ChannelForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _run_service(form, services.channel_update, channel=channel, **form.cleaned_data):
            messages.success(request, _("Channel saved."))
            return redirect("marketplace:channel_edit", slug=channel.slug)
    return render(
        request,
        "marketplace/studio/channel_form.html",
        {"form": form, "channel": channel, "tiers": list(channel.tiers.all())},
    )


@creator_required
def tier_create(request, slug):
    channel = selectors.channel_get_for_editor(user=request.user, slug=slug)
    form = TierForm(request.POST or None, initial={"currency": _default_currency(channel)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tier = _run_service(
            form,
            services.tier_create,
            channel=channel,
            **services.fields_pick(data, services.TierFields),
        )
        if tier is not None:
            messages.success(request, _("Tier “%(name)s” added.") % {"name": tier.name})
            return redirect("marketplace:channel_edit", slug=channel.slug)
    return render(request, "marketplace/studio/tier_form.html", {"form": form, "channel": channel})


@creator_required
def tier_edit(request, pk):
    tier = selectors.tier_get_for_editor(user=request.user, pk=pk)
    initial = {
        **services.fields_current(tier, services.TierFields),
        "price": to_major_units(tier.price_amount, tier.currency),
    }
    form = TierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _run_service(
            form,
            services.tier_update,
            tier=tier,
            **services.fields_pick(data, services.TierFields),
        )
        if saved is not None:
            messages.success(request, _("Tier saved."))
            return redirect("marketplace:channel_edit", slug=tier.channel.slug)
    return render(
        request,
        "marketplace/studio/tier_form.html",
        {"form": form, "channel": tier.channel, "tier": tier},
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
    if request.method == "POST" and form.is_valid():
        course = _run_service(
            form,
            services.course_create,
            channel=form.cleaned_data["channel"],
            **services.fields_pick(form.cleaned_data, services.CourseFields),
        )
        if course is not None:
            messages.success(request, _("Course created."))
            return redirect("marketplace:course_edit", slug=course.slug)
    return render(request, "marketplace/studio/course_form.html", {"form": form})


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
    if request.method == "POST" and form.is_valid():
        saved = _run_service(
            form,
            services.course_update,
            course=course,
            **services.fields_pick(form.cleaned_data, services.CourseFields),
        )
        if saved is not None:
            messages.success(request, _("Course saved."))
            return redirect("marketplace:course_edit", slug=course.slug)
    return render(request, "marketplace/studio/course_form.html", {"form": form, "course": course})


def _default_currency(channel) -> str:
    first = channel.tiers.first()
    return first.currency if first else settings.MARKETPLACE_DEFAULT_CURRENCY
